//! Milestone reminders: the standing milestones that may owe one, claiming
//! a reminder with one delivery per matching confirmed immediate
//! subscription, disarming the reminders of a milestone that moved or was
//! removed, and the milestones ahead that a digest lists.
//!
//! A reminder's key (milestone, lead, the first day it was armed for; see
//! `domain::reminder`) is unique in `milestone_reminders`, and inserting it
//! is the claim to send: in the transaction that queues its deliveries, so
//! a reminder is queued once however often, and by however many workers,
//! it is looked for.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::deliveries::{self, DeliveryStatus};
use super::milestones::MilestoneRow;
use super::subscriptions::{matching, ItemFacts, Matcher};
use super::{insert_unless_duplicate, DbConnection, DbError};
use crate::db::{write_transaction, Db};
use crate::domain::{
    owed_reminder, Frequency, ItemId, LeadTimes, MilestoneId, ReminderId, ReminderKey, Scope,
};
use crate::schema::{deliveries as d, milestone_reminders as r, milestones};

/// A row of `milestone_reminders`: one reminder claimed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = r)]
pub struct ReminderRow {
    pub id: ReminderId,
    pub milestone_id: MilestoneId,
    pub lead_days: i32,
    pub armed_for: NaiveDate,
    pub created_at: NaiveDateTime,
}

impl ReminderRow {
    pub fn key(&self) -> ReminderKey<MilestoneId> {
        ReminderKey {
            milestone: self.milestone_id,
            lead_days: u32::try_from(self.lead_days).unwrap_or(0),
            armed_for: self.armed_for,
        }
    }
}

/// A lead in days as stored (leads are at most `LeadTimes::MAX_DAYS`).
fn stored_lead(days: u32) -> i32 {
    i32::try_from(days).unwrap_or(i32::MAX)
}

/// Standing milestones whose first day lies between `today` and `horizon`
/// (both included), soonest first. A month or year is stored as its first
/// day.
pub fn ahead(
    conn: &mut DbConnection,
    today: NaiveDate,
    horizon: NaiveDate,
) -> Result<Vec<MilestoneRow>, DbError> {
    Ok(milestones::table
        .filter(milestones::cancelled.eq(false))
        .filter(milestones::milestone_date.ge(today))
        .filter(milestones::milestone_date.le(horizon))
        .order((milestones::milestone_date.asc(), milestones::id.asc()))
        .select(MilestoneRow::as_select())
        .load(conn)?)
}

/// What queueing the owed reminders did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queued {
    /// Reminders claimed.
    pub reminders: usize,
    /// Deliveries queued for them.
    pub deliveries: usize,
}

/// Claims every reminder owed on the day of `now` that is not claimed yet,
/// each in its own transaction with its deliveries.
pub fn queue_owed(
    conn: &mut DbConnection,
    leads: &LeadTimes,
    now: NaiveDateTime,
) -> Result<Queued, DbError> {
    let today = now.date();
    let ahead = ahead(conn, today, leads.horizon(today))?;
    let mut queued = Queued::default();
    if ahead.is_empty() {
        return Ok(queued);
    }
    let ids: Vec<MilestoneId> = ahead.iter().map(|m| m.id).collect();
    let claimed: HashSet<(MilestoneId, i32, NaiveDate)> = r::table
        .filter(r::milestone_id.eq_any(&ids))
        .select((r::milestone_id, r::lead_days, r::armed_for))
        .load(conn)?
        .into_iter()
        .collect();
    for m in &ahead {
        let Some(key) = owed_reminder(m.id, &m.date(), leads, today) else {
            continue;
        };
        let stored = (key.milestone, stored_lead(key.lead_days), key.armed_for);
        if claimed.contains(&stored) {
            continue;
        }
        if let Some(n) = claim(conn, &key, now)? {
            queued.reminders += 1;
            queued.deliveries += n;
        }
    }
    Ok(queued)
}

/// Claims one reminder and queues a delivery for every matching confirmed
/// immediate subscription, in one transaction. `None` when it was claimed
/// already or its milestone no longer stands on that date.
fn claim(
    conn: &mut DbConnection,
    key: &ReminderKey<MilestoneId>,
    now: NaiveDateTime,
) -> Result<Option<usize>, DbError> {
    write_transaction(conn, |conn| {
        let Some(m) = milestones::table
            .find(key.milestone)
            .filter(milestones::cancelled.eq(false))
            .select(MilestoneRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        if !key.still_armed(&m.date()) {
            return Ok(None);
        }
        let the_key = r::milestone_id
            .eq(key.milestone)
            .and(r::lead_days.eq(stored_lead(key.lead_days)))
            .and(r::armed_for.eq(key.armed_for));
        let inserted = insert_unless_duplicate(conn, |c| {
            diesel::insert_into(r::table)
                .values((
                    r::milestone_id.eq(key.milestone),
                    r::lead_days.eq(stored_lead(key.lead_days)),
                    r::armed_for.eq(key.armed_for),
                    r::created_at.eq(now),
                ))
                .execute(c)
        })?;
        if !inserted {
            return Ok(None);
        }
        let id: ReminderId = r::table.filter(the_key).select(r::id).first(conn)?;
        let mut queued = 0;
        for s in matching(conn, m.item_id)? {
            if s.frequency == Frequency::Immediate {
                deliveries::enqueue_reminder(conn, s.id, id, now)?;
                queued += 1;
            }
        }
        Ok(Some(queued))
    })
}

/// Disarms a milestone's reminders armed for another first day than
/// `current` (all of them when it was removed: `None`). Their deliveries
/// not sent yet are dropped, and a reminder with no delivery left is
/// forgotten, so a date moved back arms it again. Call it in the
/// transaction that corrects or removes the milestone. Returns how many
/// deliveries it dropped.
pub fn disarm(
    conn: &mut DbConnection,
    milestone: MilestoneId,
    current: Option<NaiveDate>,
) -> Result<usize, DbError> {
    let mut stale = r::table
        .filter(r::milestone_id.eq(milestone))
        .select(r::id)
        .into_boxed::<Db>();
    if let Some(day) = current {
        stale = stale.filter(r::armed_for.ne(day));
    }
    let stale: Vec<ReminderId> = stale.load(conn)?;
    if stale.is_empty() {
        return Ok(0);
    }
    let unsent = [DeliveryStatus::Pending, DeliveryStatus::Failed];
    let dropped = diesel::delete(
        d::table
            .filter(d::reminder_id.eq_any(stale.iter().map(|id| Some(*id))))
            .filter(d::status.eq_any(unsent)),
    )
    .execute(conn)?;
    diesel::delete(r::table.filter(r::id.eq_any(&stale)).filter(not(exists(
        d::table.filter(d::reminder_id.eq(r::id.nullable())),
    ))))
    .execute(conn)?;
    Ok(dropped)
}

/// A reminder and its milestone (cancelled or not).
pub fn find(
    conn: &mut DbConnection,
    id: ReminderId,
) -> Result<Option<(ReminderRow, MilestoneRow)>, DbError> {
    Ok(r::table
        .inner_join(milestones::table)
        .filter(r::id.eq(id))
        .select((ReminderRow::as_select(), MilestoneRow::as_select()))
        .first(conn)
        .optional()?)
}

/// The milestones a digest of `scope` lists on `today`: the standing ones
/// of the items the scope covers whose first day is within the lead
/// horizon, soonest first.
pub fn upcoming_for(
    conn: &mut DbConnection,
    scope: &Scope,
    leads: &LeadTimes,
    today: NaiveDate,
) -> Result<Vec<MilestoneRow>, DbError> {
    let mut matcher = Matcher::default();
    let mut items: HashMap<ItemId, Option<ItemFacts>> = HashMap::new();
    let mut listed = Vec::new();
    for m in ahead(conn, today, leads.horizon(today))? {
        let facts = match items.get(&m.item_id) {
            Some(facts) => facts.clone(),
            None => {
                let facts = ItemFacts::load(conn, m.item_id)?;
                items.insert(m.item_id, facts.clone());
                facts
            }
        };
        let Some(facts) = facts else { continue };
        if matcher.matches(conn, scope, &facts)? {
            listed.push(m);
        }
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Integer, Text};
    use diesel::SqliteConnection;
    use diesel_migrations::MigrationHarness;

    use crate::db::SQLITE_MIGRATIONS;

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Ref {
        #[diesel(sql_type = Integer)]
        id: i32,
        #[diesel(sql_type = Text)]
        kind: String,
    }

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    use super::*;

    /// SQLite's deliveries are rebuilt to admit reminders: the rows keep
    /// their ids, digest entries still point at them, the foreign keys
    /// check out and are enforced again afterwards.
    #[test]
    fn the_sqlite_rebuild_of_deliveries_keeps_ids_and_references() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rebuild.db").display().to_string();
        let mut conn = SqliteConnection::establish(&path).unwrap();
        conn.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
        loop {
            let pending = conn.pending_migrations(SQLITE_MIGRATIONS).unwrap();
            let next = pending.first().expect("the reminders migration is pending");
            if next.name().to_string().ends_with("_milestone_reminders") {
                break;
            }
            conn.run_next_migration(SQLITE_MIGRATIONS).unwrap();
        }
        conn.batch_execute(
            "INSERT INTO items (id, slug, kind, title, jurisdiction, created_at, updated_at)
             VALUES (1, 'a', 'bill', 'A', 'US', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
             INSERT INTO changes (id, item_id, kind, payload, created_at)
             VALUES (4, 1, 'item_created', '{}', '2026-01-01 00:00:00');
             INSERT INTO subscribers (id, email, created_at) VALUES (1, 'k@example.org', '2026-01-01 00:00:00');
             INSERT INTO subscriptions (id, subscriber_id, scope_type, scope_value, frequency, confirmed_at, created_at)
             VALUES (2, 1, 'all', '', 'daily', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
             INSERT INTO deliveries (id, subscription_id, kind, status, next_attempt_at, created_at, period_start, period_end)
             VALUES (17, 2, 'digest', 'sent', '2026-01-02 00:00:00', '2026-01-02 00:00:00', '2026-01-01 00:00:00', '2026-01-02 00:00:00');
             INSERT INTO digest_entries (subscription_id, change_id, delivery_id) VALUES (2, 4, 17);",
        )
        .unwrap();
        conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();

        let rows: Vec<Ref> = diesel::sql_query("SELECT id, kind FROM deliveries")
            .load(&mut conn)
            .unwrap();
        assert_eq!(
            rows,
            [Ref {
                id: 17,
                kind: "digest".into()
            }]
        );
        let problems: N = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(problems.n, 0);
        let entries: N =
            diesel::sql_query("SELECT COUNT(*) AS n FROM digest_entries WHERE delivery_id = 17")
                .get_result(&mut conn)
                .unwrap();
        assert_eq!(entries.n, 1, "the digest entry kept its delivery");
        // Deleting the delivery still cascades to its digest entry, and a
        // reminder delivery is admitted.
        conn.batch_execute("DELETE FROM deliveries WHERE id = 17;")
            .unwrap();
        let left: N = diesel::sql_query("SELECT COUNT(*) AS n FROM digest_entries")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(left.n, 0);
        conn.batch_execute(
            "INSERT INTO deliveries (subscription_id, kind, status, next_attempt_at, created_at)
             VALUES (2, 'reminder', 'pending', '2026-01-03 00:00:00', '2026-01-03 00:00:00');",
        )
        .unwrap();
        let refused = conn.batch_execute(
            "INSERT INTO deliveries (subscription_id, kind, status, next_attempt_at, created_at)
             VALUES (99, 'reminder', 'pending', '2026-01-03 00:00:00', '2026-01-03 00:00:00');",
        );
        assert!(refused.is_err(), "foreign keys are enforced again");
    }
}

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

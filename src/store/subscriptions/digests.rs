//! Digests: closing the digest periods that are due, each into one delivery
//! holding the changes queued for its subscription since the last one. The
//! digest also lists the milestones coming up (which digest subscribers get
//! instead of reminders), so a period without changes still gets a digest
//! when one of those milestones' reminders fell due in it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::SubscriptionRow;
use crate::db::{write_transaction, DbConnection, DbError};
use crate::domain::{falls_due_within, LeadTimes};
use crate::schema::{digest_entries, subscriptions};
use crate::store::{deliveries, reminders};

/// Most subscriptions one call closes; the worker calls again until none
/// are due.
const BATCH: i64 = 100;

/// Closes the digest periods that are due: every digest subscription whose
/// `next_digest_at` has passed gets one digest delivery holding every change
/// queued for it since its last digest, and its next period is scheduled.
/// A period without changes gets a digest only when a reminder of a
/// milestone the digest lists fell due in it (see [`reminder_fell_due`]).
/// Returns the number of digests queued.
pub fn close_due_digests(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    leads: &LeadTimes,
) -> Result<usize, DbError> {
    write_transaction(conn, |conn| {
        let due = || {
            subscriptions::table
                .filter(subscriptions::next_digest_at.le(now))
                .filter(subscriptions::confirmed_at.is_not_null())
                .order(subscriptions::next_digest_at.asc())
                .limit(BATCH)
        };
        let due: Vec<SubscriptionRow> = match conn {
            // Several workers may run this at once: each takes its own rows.
            DbConnection::Postgres(pg) => due()
                .select(SubscriptionRow::as_select())
                .for_update()
                .skip_locked()
                .load(pg)?,
            DbConnection::Sqlite(_) => due().select(SubscriptionRow::as_select()).load(conn)?,
        };
        let mut queued = 0;
        for s in due {
            if close(conn, &s, now, leads)? {
                queued += 1;
            }
        }
        Ok(queued)
    })
}

/// Closes one due period and schedules the next; true if a digest was
/// queued.
fn close(
    conn: &mut DbConnection,
    s: &SubscriptionRow,
    now: NaiveDateTime,
    leads: &LeadTimes,
) -> Result<bool, DbError> {
    let scheduled = s.next_digest_at.unwrap_or(now);
    let period = s.frequency.period();
    let period_start = period.map(|p| scheduled - p).unwrap_or(s.created_at);
    let open = digest_entries::table
        .filter(digest_entries::subscription_id.eq(s.id))
        .filter(digest_entries::delivery_id.is_null());
    let pending: i64 = open.count().get_result(conn)?;
    let send = pending > 0 || reminder_fell_due(conn, s, period_start, now, leads)?;
    if send {
        let delivery_id = deliveries::enqueue_digest(conn, s.id, period_start, now, now)?;
        diesel::update(open)
            .set(digest_entries::delivery_id.eq(Some(delivery_id)))
            .execute(conn)?;
    }
    // The next period follows this one, or starts now if the worker was
    // down for longer than a period.
    let next = period.map(|p| {
        let next = scheduled + p;
        if next <= now {
            now + p
        } else {
            next
        }
    });
    diesel::update(subscriptions::table.find(s.id))
        .set(subscriptions::next_digest_at.eq(next))
        .execute(conn)?;
    Ok(send)
}

/// Whether a milestone that the subscription's digest lists at `until` had
/// one of its reminders fall due in the period: on a day after the one
/// `from` is on, up to the day `until` is on. So a digest subscriber hears
/// of a milestone ahead in the digests of the periods an immediate
/// subscriber gets its reminders in, and a quiet period with nothing new
/// coming up sends nothing.
fn reminder_fell_due(
    conn: &mut DbConnection,
    s: &SubscriptionRow,
    from: NaiveDateTime,
    until: NaiveDateTime,
    leads: &LeadTimes,
) -> Result<bool, DbError> {
    let Ok(scope) = s.scope() else {
        return Ok(false);
    };
    let listed = reminders::upcoming_for(conn, &scope, leads, until.date())?;
    Ok(listed
        .iter()
        .any(|m| falls_due_within(&m.date(), leads, from.date(), until.date())))
}

//! The outbox: one row per email owed, written in the transaction that makes
//! it owed, claimed by a worker with a lease, retried with backoff.
//!
//! States: `pending` (due at `next_attempt_at`) → `sending` (claimed until
//! `lease_until`) → `sent`, or back to `pending` after a failure, or
//! `failed` after the last allowed attempt. A `sending` row whose lease has
//! run out belongs to a worker that died; it is claimed again. Each claim
//! writes a token of its own into the row: the holder extends, sends and
//! records a delivery only while the row still carries its token, so a
//! claim that was taken over is never acted on.

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub use super::retry::RetryPolicy;
use super::subscriptions::SubscriptionRow;
use super::{DbConnection, DbError};
use crate::domain::{text_enum, ChangeId, DeliveryId, ReminderId, SubscriptionId};
use crate::schema::{deliveries, subscribers, subscriptions};

mod claims;
pub use claims::{
    claim, drop_held, held_until, hold, hold_all, mark_all_sent, mark_attempt_failed, mark_sent,
    renew, AfterFailure,
};

text_enum! {
    /// What a delivery sends.
    pub enum DeliveryKind {
        /// The link that confirms a new subscription.
        Confirmation = "confirmation",
        /// One change, to an immediate subscription.
        Alert = "alert",
        /// The changes of a digest period.
        Digest = "digest",
        /// A milestone ahead, to an immediate subscription.
        Reminder = "reminder",
    }
}

text_enum! {
    /// Where a delivery is in the outbox (see the module's first lines).
    pub enum DeliveryStatus {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
    }
}

impl DeliveryStatus {
    /// Whether the operator can put it back in the queue: it failed for
    /// good, or it waits for its next attempt.
    pub fn retryable(self) -> bool {
        matches!(self, DeliveryStatus::Failed | DeliveryStatus::Pending)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub subscription_id: SubscriptionId,
    pub kind: DeliveryKind,
    pub change_id: Option<ChangeId>,
    pub period_start: Option<NaiveDateTime>,
    pub period_end: Option<NaiveDateTime>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The token of the claim holding the row while it is `sending`.
    pub claim_token: Option<String>,
    /// The milestone reminder a reminder delivery sends.
    pub reminder_id: Option<ReminderId>,
}

/// What a delivery is owed for, beside its subscription.
#[derive(Debug, Clone, Copy, Default)]
struct About {
    change_id: Option<ChangeId>,
    period: Option<(NaiveDateTime, NaiveDateTime)>,
    reminder_id: Option<ReminderId>,
}

fn enqueue(
    conn: &mut DbConnection,
    subscription_id: SubscriptionId,
    kind: DeliveryKind,
    about: About,
    now: NaiveDateTime,
) -> Result<DeliveryId, DbError> {
    Ok(diesel::insert_into(deliveries::table)
        .values((
            deliveries::subscription_id.eq(subscription_id),
            deliveries::kind.eq(kind),
            deliveries::change_id.eq(about.change_id),
            deliveries::period_start.eq(about.period.map(|p| p.0)),
            deliveries::period_end.eq(about.period.map(|p| p.1)),
            deliveries::reminder_id.eq(about.reminder_id),
            deliveries::status.eq(DeliveryStatus::Pending),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
        ))
        .returning(deliveries::id)
        .get_result(conn)?)
}

pub fn enqueue_confirmation(
    conn: &mut DbConnection,
    subscription_id: SubscriptionId,
    now: NaiveDateTime,
) -> Result<DeliveryId, DbError> {
    let about = About::default();
    enqueue(
        conn,
        subscription_id,
        DeliveryKind::Confirmation,
        about,
        now,
    )
}

/// Queues an alert of `change_id` for each of `subscriptions`, a few
/// thousand to a statement (a change that matches many subscribers costs a
/// few statements, not one each). Returns how many were queued.
pub fn enqueue_alerts(
    conn: &mut DbConnection,
    subscriptions: &[SubscriptionId],
    change_id: ChangeId,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
    let mut queued = 0;
    for chunk in subscriptions.chunks(IN_LIST_CHUNK) {
        let rows = subscriptions::table
            .filter(subscriptions::id.eq_any(chunk))
            .select((
                subscriptions::id,
                DeliveryKind::Alert.as_str().into_sql::<Text>(),
                Some(change_id).into_sql::<Nullable<Integer>>(),
                DeliveryStatus::Pending.as_str().into_sql::<Text>(),
                0.into_sql::<Integer>(),
                now.into_sql::<Timestamp>(),
                now.into_sql::<Timestamp>(),
            ));
        queued += diesel::insert_into(deliveries::table)
            .values(rows)
            .into_columns((
                deliveries::subscription_id,
                deliveries::kind,
                deliveries::change_id,
                deliveries::status,
                deliveries::attempts,
                deliveries::next_attempt_at,
                deliveries::created_at,
            ))
            .execute(conn)?;
    }
    Ok(queued)
}

/// How many ids one `IN (…)` list carries (SQLite binds each one).
pub const IN_LIST_CHUNK: usize = 5000;

pub fn enqueue_digest(
    conn: &mut DbConnection,
    subscription_id: SubscriptionId,
    period_start: NaiveDateTime,
    period_end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<DeliveryId, DbError> {
    let about = About {
        period: Some((period_start, period_end)),
        ..About::default()
    };
    enqueue(conn, subscription_id, DeliveryKind::Digest, about, now)
}

pub fn enqueue_reminder(
    conn: &mut DbConnection,
    subscription_id: SubscriptionId,
    reminder_id: ReminderId,
    now: NaiveDateTime,
) -> Result<DeliveryId, DbError> {
    let about = About {
        reminder_id: Some(reminder_id),
        ..About::default()
    };
    enqueue(conn, subscription_id, DeliveryKind::Reminder, about, now)
}

/// Puts a failed (or waiting) delivery back in the queue, due now, with a
/// fresh set of attempts. Returns whether there was such a delivery.
pub fn retry(conn: &mut DbConnection, id: DeliveryId, now: NaiveDateTime) -> Result<bool, DbError> {
    let retryable = DeliveryStatus::ALL.iter().filter(|s| s.retryable());
    let n = diesel::update(
        deliveries::table
            .find(id)
            .filter(deliveries::status.eq_any(retryable)),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Pending),
        deliveries::attempts.eq(0),
        deliveries::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Whom a delivery is for: its subscription, and the address it goes to.
pub fn recipient(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
) -> Result<(SubscriptionRow, String), DbError> {
    Ok(subscriptions::table
        .inner_join(subscribers::table)
        .filter(subscriptions::id.eq(delivery.subscription_id))
        .select((SubscriptionRow::as_select(), subscribers::email))
        .first(conn)?)
}

/// A delivery as the operator sees it.
#[derive(Debug, Clone)]
pub struct AdminView {
    pub delivery: DeliveryRow,
    pub email: String,
}

/// Deliveries that are not sent (failed first, then by due time), at most
/// `limit`.
pub fn unsent(conn: &mut DbConnection, limit: i64) -> Result<Vec<AdminView>, DbError> {
    let rows: Vec<(DeliveryRow, String)> = deliveries::table
        .inner_join(subscriptions::table.inner_join(subscribers::table))
        .filter(deliveries::status.ne(DeliveryStatus::Sent))
        .order((
            deliveries::status.asc(),
            deliveries::next_attempt_at.asc(),
            deliveries::id.asc(),
        ))
        .limit(limit)
        .select((DeliveryRow::as_select(), subscribers::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, email)| AdminView { delivery, email })
        .collect())
}

/// Counts by status, for the operator.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(DeliveryStatus, i64)>, DbError> {
    Ok(deliveries::table
        .group_by(deliveries::status)
        .select((deliveries::status, diesel::dsl::count_star()))
        .order(deliveries::status.asc())
        .load(conn)?)
}

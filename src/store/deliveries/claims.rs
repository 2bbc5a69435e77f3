//! Claims on deliveries: taking due ones with a lease and a token of the
//! claim's own, checking and extending that claim, and recording outcomes
//! only while it still holds (see the parent module's first lines).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use super::{DeliveryRow, DeliveryStatus, RetryPolicy};
use crate::db::{DbConnection, DbError};
use crate::domain::DeliveryId;
use crate::schema::deliveries;

/// Claims up to `limit` due deliveries for `lease`: pending ones whose time
/// has come and sending ones whose lease ran out. On PostgreSQL the rows are
/// taken with `FOR UPDATE SKIP LOCKED`, so concurrent workers get disjoint
/// sets; on SQLite the single UPDATE statement is atomic. Returns the
/// claimed rows (status `sending`, attempts counted), all carrying the same
/// fresh `claim_token`.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> Result<Vec<DeliveryRow>, DbError> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let (p, lock) = match conn {
        DbConnection::Postgres(_) => (
            ["$1", "$2", "$3", "$4", "$5", "$6"],
            "FOR UPDATE SKIP LOCKED",
        ),
        DbConnection::Sqlite(_) => (["?1", "?2", "?3", "?4", "?5", "?6"], ""),
    };
    let [lease_until, now_p, limit_p, token_p, pending, sending] = p;
    let sql = format!(
        "UPDATE deliveries
            SET status = {sending}, lease_until = {lease_until}, attempts = attempts + 1,
                claim_token = {token_p}
          WHERE id IN (
                SELECT id FROM deliveries
                 WHERE (status = {pending} AND next_attempt_at <= {now_p})
                    OR (status = {sending} AND lease_until <= {now_p})
                 ORDER BY next_attempt_at, id
                 LIMIT {limit_p}
                 {lock})
          RETURNING *"
    );
    let query = diesel::sql_query(sql)
        .bind::<Timestamp, _>(now + lease)
        .bind::<Timestamp, _>(now)
        .bind::<Integer, _>(limit as i32)
        .bind::<Text, _>(token)
        .bind::<Text, _>(DeliveryStatus::Pending)
        .bind::<Text, _>(DeliveryStatus::Sending);
    let mut rows: Vec<DeliveryRow> = match conn {
        DbConnection::Postgres(pg) => query.load(pg)?,
        DbConnection::Sqlite(sqlite) => query.load(sqlite)?,
    };
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// One delivery's row, as long as a given claim still holds it.
type Held<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<deliveries::table, DeliveryId>,
        diesel::dsl::Eq<deliveries::status, DeliveryStatus>,
    >,
    diesel::dsl::Eq<deliveries::claim_token, Option<&'a str>>,
>;

/// The row of a claimed delivery, as long as its claim still holds it.
fn held(claimed: &DeliveryRow) -> Held<'_> {
    deliveries::table
        .find(claimed.id)
        .filter(deliveries::status.eq(DeliveryStatus::Sending))
        .filter(deliveries::claim_token.eq(claimed.claim_token.as_deref()))
}

/// Checks that a claimed delivery is still held by its claim and extends
/// its lease to `until`. False when another worker has taken it over (or
/// it is settled): then it must not be sent.
pub fn hold(
    conn: &mut DbConnection,
    claimed: &DeliveryRow,
    until: NaiveDateTime,
) -> Result<bool, DbError> {
    Ok(!hold_all(conn, &[claimed], until)?.is_empty())
}

/// Checks and extends at once the claims of several deliveries, as
/// [`hold`] does one: returns those still held by their claim, whose lease
/// now runs to `until`.
pub fn hold_all(
    conn: &mut DbConnection,
    claimed: &[&DeliveryRow],
    until: NaiveDateTime,
) -> Result<Vec<DeliveryId>, DbError> {
    let mut held = Vec::with_capacity(claimed.len());
    for (token, ids) in by_claim(claimed) {
        held.extend(
            diesel::update(held_among(token, ids))
                .set(deliveries::lease_until.eq(Some(until)))
                .returning(deliveries::id)
                .get_results::<DeliveryId>(conn)?,
        );
    }
    Ok(held)
}

/// Until when a claimed delivery's claim holds it, if it still does. A
/// read: it takes no write lock.
pub fn held_until(
    conn: &mut DbConnection,
    claimed: &DeliveryRow,
) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(held(claimed)
        .select(deliveries::lease_until)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

/// The rows among `ids` that the claim `token` still holds.
type HeldAmong<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<deliveries::table, diesel::dsl::EqAny<deliveries::id, Vec<DeliveryId>>>,
        diesel::dsl::Eq<deliveries::status, DeliveryStatus>,
    >,
    diesel::dsl::Eq<deliveries::claim_token, Option<&'a str>>,
>;

fn held_among(token: Option<&str>, ids: Vec<DeliveryId>) -> HeldAmong<'_> {
    deliveries::table
        .filter(deliveries::id.eq_any(ids))
        .filter(deliveries::status.eq(DeliveryStatus::Sending))
        .filter(deliveries::claim_token.eq(token))
}

/// The ids of `claimed`, by the claim that took them.
fn by_claim<'a>(claimed: &[&'a DeliveryRow]) -> Vec<(Option<&'a str>, Vec<DeliveryId>)> {
    let mut groups: Vec<(Option<&str>, Vec<DeliveryId>)> = Vec::new();
    for d in claimed {
        let token = d.claim_token.as_deref();
        match groups.iter_mut().find(|(t, _)| *t == token) {
            Some((_, ids)) => ids.push(d.id),
            None => groups.push((token, vec![d.id])),
        }
    }
    groups
}

/// Extends to `until` the lease of every delivery the claim `token` still
/// holds. Returns how many it holds.
pub fn renew(conn: &mut DbConnection, token: &str, until: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(
        deliveries::table
            .filter(deliveries::status.eq(DeliveryStatus::Sending))
            .filter(deliveries::claim_token.eq(token)),
    )
    .set(deliveries::lease_until.eq(Some(until)))
    .execute(conn)?)
}

/// Marks a claimed delivery sent, if its claim still holds it. Returns
/// whether it did.
pub fn mark_sent(
    conn: &mut DbConnection,
    claimed: &DeliveryRow,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    Ok(!mark_all_sent(conn, &[claimed], now)?.is_empty())
}

/// Marks sent, as [`mark_sent`] does one, those of `claimed` their claim
/// still holds. Returns the ones it marked.
pub fn mark_all_sent(
    conn: &mut DbConnection,
    claimed: &[&DeliveryRow],
    now: NaiveDateTime,
) -> Result<Vec<DeliveryId>, DbError> {
    let mut marked = Vec::with_capacity(claimed.len());
    for (token, ids) in by_claim(claimed) {
        marked.extend(
            diesel::update(held_among(token, ids))
                .set((
                    deliveries::status.eq(DeliveryStatus::Sent),
                    deliveries::sent_at.eq(Some(now)),
                    deliveries::lease_until.eq(None::<NaiveDateTime>),
                    deliveries::claim_token.eq(None::<String>),
                    deliveries::last_error.eq(None::<String>),
                ))
                .returning(deliveries::id)
                .get_results::<DeliveryId>(conn)?,
        );
    }
    Ok(marked)
}

/// Drops a claimed delivery that is no longer owed (a reminder whose
/// milestone moved or was removed), if its claim still holds it. Returns
/// whether it did.
pub fn drop_held(conn: &mut DbConnection, claimed: &DeliveryRow) -> Result<bool, DbError> {
    Ok(diesel::delete(held(claimed)).execute(conn)? > 0)
}

/// What recording a failed attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Back to `pending`, due again after a backoff.
    Retrying,
    /// The attempts are used up: `failed` for good.
    Failed,
    /// The claim no longer held the delivery: nothing was recorded.
    NotHeld,
}

/// Records a failed attempt of a claimed delivery, if its claim still holds
/// it: back to pending after a backoff, or failed for good once the
/// attempts are used up.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    claimed: &DeliveryRow,
    error: &str,
    policy: RetryPolicy,
    now: NaiveDateTime,
) -> Result<AfterFailure, DbError> {
    let error: String = error.chars().take(1000).collect();
    let give_up = claimed.attempts >= policy.max_attempts;
    let next = now + policy.delay(claimed.attempts, rand::random::<f64>());
    let n = diesel::update(held(claimed))
        .set((
            deliveries::status.eq(if give_up {
                DeliveryStatus::Failed
            } else {
                DeliveryStatus::Pending
            }),
            deliveries::next_attempt_at.eq(next),
            deliveries::lease_until.eq(None::<NaiveDateTime>),
            deliveries::claim_token.eq(None::<String>),
            deliveries::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(match (n, give_up) {
        (0, _) => AfterFailure::NotHeld,
        (_, true) => AfterFailure::Failed,
        (_, false) => AfterFailure::Retrying,
    })
}

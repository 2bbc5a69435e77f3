//! Windowed rate limits, shared by sign-in and subscribing. An attempt is
//! one row per key it counts under, until the window ends; a rule refuses
//! once its key holds its maximum number of attempts.
//!
//! Counting, deciding and recording happen in one transaction serialised
//! per key, so parallel requests cannot all see the same count and all pass:
//! on PostgreSQL each key takes a transaction-scoped advisory lock (in a
//! fixed order, so two requests never wait on each other); on SQLite it is a
//! [`write_transaction`], which holds the database's write lock throughout.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use sha2::{Digest, Sha256};

use super::{DbConnection, DbError};
use crate::db::write_transaction;
use crate::schema::limit_attempts;

/// One limit an attempt counts under.
#[derive(Debug)]
pub struct Rule {
    key: String,
    max: Option<i64>,
}

impl Rule {
    /// Refuses once `max` attempts of this kind (`name`) for `what` (an
    /// address, an IP) are in the window. Only a hash of `what` is stored.
    pub fn refuse_at(name: &str, what: &str, max: i64) -> Rule {
        Rule {
            key: key(name, what),
            max: Some(max),
        }
    }

    /// Counts attempts (for slowing them down), never refuses.
    pub fn count_only(name: &str, what: &str) -> Rule {
        Rule {
            key: key(name, what),
            max: None,
        }
    }
}

fn key(name: &str, what: &str) -> String {
    format!("{name}:{}", hex::encode(Sha256::digest(what.as_bytes())))
}

#[derive(Debug)]
pub enum Decision {
    /// The attempt is recorded under every rule's key.
    Allowed(Reservation),
    /// Rule number `rule` is at its maximum; nothing is recorded. It allows
    /// attempts again at `retry_at`.
    Refused {
        rule: usize,
        retry_at: NaiveDateTime,
    },
}

/// A recorded attempt.
#[derive(Debug)]
pub struct Reservation {
    /// Per rule, the attempts already in the window before this one.
    pub earlier: Vec<i64>,
    ids: Vec<i32>,
}

impl Reservation {
    /// Takes the attempt back (it turned out not to count, e.g. a correct
    /// password).
    pub fn release(self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::delete(limit_attempts::table.filter(limit_attempts::id.eq_any(&self.ids)))
            .execute(conn)?;
        Ok(())
    }
}

/// Decides whether one more attempt is allowed under every rule and, if
/// so, records it, atomically. Inside a caller's transaction, that one must
/// be a [`write_transaction`]; on PostgreSQL the keys stay locked until the
/// caller commits.
pub fn reserve(
    conn: &mut DbConnection,
    rules: &[Rule],
    window: Duration,
    now: NaiveDateTime,
) -> Result<Decision, DbError> {
    write_transaction(conn, |conn| {
        prune(conn, now)?;
        lock_keys(conn, rules)?;
        let mut earlier = Vec::with_capacity(rules.len());
        for (n, rule) in rules.iter().enumerate() {
            let live = limit_attempts::table
                .filter(limit_attempts::limit_key.eq(&rule.key))
                .filter(limit_attempts::expires_at.gt(now));
            let count: i64 = live.count().get_result(conn)?;
            if let Some(max) = rule.max.filter(|&max| count >= max) {
                // Allowed again once enough of the counted attempts expire
                // to leave room for one more.
                let retry_at = live
                    .select(limit_attempts::expires_at)
                    .order(limit_attempts::expires_at)
                    .offset(count - max)
                    .first::<NaiveDateTime>(conn)
                    .optional()?
                    .unwrap_or(now + window);
                return Ok(Decision::Refused { rule: n, retry_at });
            }
            earlier.push(count);
        }
        let mut ids = Vec::with_capacity(rules.len());
        for rule in rules {
            ids.push(
                diesel::insert_into(limit_attempts::table)
                    .values((
                        limit_attempts::limit_key.eq(&rule.key),
                        limit_attempts::expires_at.eq(now + window),
                    ))
                    .returning(limit_attempts::id)
                    .get_result(conn)?,
            );
        }
        Ok(Decision::Allowed(Reservation { earlier, ids }))
    })
}

/// Forgets every attempt counted under these rules (e.g. an address's
/// failed sign-ins once its owner signs in).
pub fn forget(conn: &mut DbConnection, rules: &[Rule]) -> Result<(), DbError> {
    let keys: Vec<&str> = rules.iter().map(|r| r.key.as_str()).collect();
    diesel::delete(limit_attempts::table.filter(limit_attempts::limit_key.eq_any(keys)))
        .execute(conn)?;
    Ok(())
}

/// Drops expired attempts. On PostgreSQL rows another request is already
/// dropping are skipped, so this never waits.
fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), DbError> {
    match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(
                "DELETE FROM limit_attempts WHERE id IN \
                 (SELECT id FROM limit_attempts WHERE expires_at <= $1 FOR UPDATE SKIP LOCKED)",
            )
            .bind::<Timestamp, _>(now)
            .execute(pg)?;
        }
        DbConnection::Sqlite(lite) => {
            diesel::delete(limit_attempts::table.filter(limit_attempts::expires_at.le(now)))
                .execute(lite)?;
        }
    }
    Ok(())
}

/// On PostgreSQL, one advisory lock per key, held to the end of the
/// transaction, taken in ascending order.
fn lock_keys(conn: &mut DbConnection, rules: &[Rule]) -> Result<(), DbError> {
    let DbConnection::Postgres(pg) = conn else {
        return Ok(());
    };
    let mut locks: Vec<i64> = rules
        .iter()
        .map(|r| {
            let digest = Sha256::digest(r.key.as_bytes());
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            i64::from_be_bytes(first)
        })
        .collect();
    locks.sort_unstable();
    locks.dedup();
    for lock in locks {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(lock)
            .execute(pg)?;
    }
    Ok(())
}

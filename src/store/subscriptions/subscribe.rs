//! Subscribing: the public, rate-limited, double opt-in path, and adding
//! subscriptions that need no confirmation (the address proved itself).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::SubscriptionRow;
use crate::db::{write_transaction, DbConnection, DbError};
use crate::domain::{EmailAddress, Frequency, Scope, SubscriberId, SubscriptionId};
use crate::schema::{subscribers, subscriptions};
use crate::store::limits::{self, Decision, Rule};
use crate::store::{deliveries, insert_unless_duplicate};

/// How many subscribe requests are allowed in a window.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    pub per_address: i64,
    pub per_client: i64,
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_address: 5,
            per_client: 20,
            window: Duration::hours(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Address,
    Client,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// A new, unconfirmed subscription; a confirmation email is queued.
    Created,
    /// The same address and scope were already waiting for confirmation; the
    /// confirmation email is queued again.
    ConfirmationResent,
    /// Already subscribed and confirmed: nothing is stored or sent.
    AlreadyConfirmed,
    /// Too many requests; nothing is stored.
    RateLimited(Limited),
}

/// Subscribes an address (double opt-in): checks the rate limits, stores
/// an unconfirmed subscription and queues its confirmation email, all in
/// one transaction. Subscribing again to the same scope creates nothing.
pub fn subscribe(
    conn: &mut DbConnection,
    email: &EmailAddress,
    scope: &Scope,
    frequency: Frequency,
    client: &str,
    limits: RateLimits,
    now: NaiveDateTime,
) -> Result<SubscribeOutcome, DbError> {
    let rules = [
        Rule::refuse_at(
            "subscribe-address",
            &email.as_str().to_lowercase(),
            limits.per_address,
        ),
        Rule::refuse_at("subscribe-client", client, limits.per_client),
    ];
    write_transaction(conn, |conn| {
        match limits::reserve(conn, &rules, limits.window, now)? {
            Decision::Refused { rule: 0, .. } => {
                return Ok(SubscribeOutcome::RateLimited(Limited::Address))
            }
            Decision::Refused { .. } => return Ok(SubscribeOutcome::RateLimited(Limited::Client)),
            Decision::Allowed(_) => {}
        }
        let subscriber_id = subscriber_id_for(conn, email, now)?;
        let (id, outcome) = match find_subscription(conn, subscriber_id, scope)? {
            Some(s) if s.confirmed_at.is_some() => return Ok(SubscribeOutcome::AlreadyConfirmed),
            Some(s) => (s.id, SubscribeOutcome::ConfirmationResent),
            None => (
                insert_subscription(conn, subscriber_id, scope, frequency, None, now)?,
                SubscribeOutcome::Created,
            ),
        };
        deliveries::enqueue_confirmation(conn, id, now)?;
        Ok(outcome)
    })
}

/// Adds a subscription that needs no confirmation (the address proved
/// itself: it holds a manage link). Returns its id; an existing one for the
/// same scope is kept and confirmed.
pub fn add_confirmed(
    conn: &mut DbConnection,
    subscriber_id: SubscriberId,
    scope: &Scope,
    frequency: Frequency,
    now: NaiveDateTime,
) -> Result<SubscriptionId, DbError> {
    write_transaction(conn, |conn| {
        match find_subscription(conn, subscriber_id, scope)? {
            Some(s) => {
                if s.confirmed_at.is_none() {
                    mark_confirmed(conn, &s, now)?;
                }
                Ok(s.id)
            }
            None => insert_subscription(conn, subscriber_id, scope, frequency, Some(now), now),
        }
    })
}

/// Creates the subscriber if needed and a confirmed subscription (for the
/// operator and tests; the public path is [`subscribe`]).
pub fn subscribe_confirmed(
    conn: &mut DbConnection,
    email: &EmailAddress,
    scope: &Scope,
    frequency: Frequency,
    now: NaiveDateTime,
) -> Result<SubscriptionId, DbError> {
    write_transaction(conn, |conn| {
        let subscriber_id = subscriber_id_for(conn, email, now)?;
        add_confirmed(conn, subscriber_id, scope, frequency, now)
    })
}

/// Confirms a subscription; its first digest is due a period from now.
pub(super) fn mark_confirmed(
    conn: &mut DbConnection,
    s: &SubscriptionRow,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(subscriptions::table.find(s.id))
        .set((
            subscriptions::confirmed_at.eq(Some(now)),
            subscriptions::next_digest_at.eq(s.frequency.digest_after(now)),
        ))
        .execute(conn)?;
    Ok(())
}

fn subscriber_id_for(
    conn: &mut DbConnection,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<SubscriberId, DbError> {
    insert_unless_duplicate(conn, |conn| {
        diesel::insert_into(subscribers::table)
            .values((
                subscribers::email.eq(email.as_str()),
                subscribers::created_at.eq(now),
            ))
            .execute(conn)
    })?;
    Ok(subscribers::table
        .filter(subscribers::email.eq(email.as_str()))
        .select(subscribers::id)
        .first(conn)?)
}

fn find_subscription(
    conn: &mut DbConnection,
    subscriber_id: SubscriberId,
    scope: &Scope,
) -> Result<Option<SubscriptionRow>, DbError> {
    Ok(subscriptions::table
        .filter(subscriptions::subscriber_id.eq(subscriber_id))
        .filter(subscriptions::scope_type.eq(scope.kind()))
        .filter(subscriptions::scope_value.eq(scope.value()))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

fn insert_subscription(
    conn: &mut DbConnection,
    subscriber_id: SubscriberId,
    scope: &Scope,
    frequency: Frequency,
    confirmed_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<SubscriptionId, DbError> {
    Ok(diesel::insert_into(subscriptions::table)
        .values((
            subscriptions::subscriber_id.eq(subscriber_id),
            subscriptions::scope_type.eq(scope.kind()),
            subscriptions::scope_value.eq(scope.value()),
            subscriptions::frequency.eq(frequency),
            subscriptions::confirmed_at.eq(confirmed_at),
            subscriptions::next_digest_at
                .eq(confirmed_at.and_then(|at| frequency.digest_after(at))),
            subscriptions::created_at.eq(now),
        ))
        .returning(subscriptions::id)
        .get_result(conn)?)
}

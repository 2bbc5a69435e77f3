//! What the links of emails lead to: confirming a subscription,
//! unsubscribing from one, and the manage page of a subscriber (list,
//! change the frequency, remove one or all).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::subscribe::mark_confirmed;
use super::tokens::{find_token, TokenPurpose};
use super::{describe, SubscriptionRow};
use crate::db::{write_transaction, DbConnection, DbError};
use crate::domain::{Frequency, SubscriberId, SubscriptionId};
use crate::schema::{subscribers, subscriptions};

/// A subscription as pages show it.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub id: SubscriptionId,
    pub email: String,
    /// What it follows, in words.
    pub scope: String,
    pub frequency: Frequency,
    pub confirmed: bool,
}

fn view(conn: &mut DbConnection, s: &SubscriptionRow) -> Result<SubscriptionView, DbError> {
    let email = subscribers::table
        .find(s.subscriber_id)
        .select(subscribers::email)
        .first(conn)?;
    let scope = match s.scope() {
        Ok(scope) => describe(conn, &scope)?,
        // Shown as stored, so its subscriber can still see and remove it.
        Err(_) => format!("{} {}", s.scope_type.as_str(), s.scope_value),
    };
    Ok(SubscriptionView {
        id: s.id,
        email,
        scope,
        frequency: s.frequency,
        confirmed: s.confirmed_at.is_some(),
    })
}

/// The subscription a token of this purpose names.
fn subscription_of_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<SubscriptionRow>, DbError> {
    let Some((_, Some(id))) = find_token(conn, purpose, token)? else {
        return Ok(None);
    };
    Ok(subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

/// What a confirmation or unsubscribe link leads to, without acting on it
/// (GET).
pub fn by_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<SubscriptionView>, DbError> {
    subscription_of_token(conn, purpose, token)?
        .map(|row| view(conn, &row))
        .transpose()
}

/// Confirms the subscription of a confirmation token (POST). Confirming
/// twice is harmless.
pub fn confirm(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<SubscriptionView>, DbError> {
    write_transaction(conn, |conn| {
        let Some(row) = subscription_of_token(conn, TokenPurpose::Confirm, token)? else {
            return Ok(None);
        };
        if row.confirmed_at.is_none() {
            mark_confirmed(conn, &row, now)?;
        }
        let mut v = view(conn, &row)?;
        v.confirmed = true;
        Ok(Some(v))
    })
}

/// Removes the subscription an unsubscribe token names, with its unsent
/// deliveries; returns what was removed.
pub fn unsubscribe(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<SubscriptionView>, DbError> {
    write_transaction(conn, |conn| {
        let Some(v) = by_token(conn, TokenPurpose::Unsubscribe, token)? else {
            return Ok(None);
        };
        diesel::delete(subscriptions::table.find(v.id)).execute(conn)?;
        Ok(Some(v))
    })
}

/// The subscriber a manage token belongs to: (id, address).
pub fn by_manage_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(SubscriberId, String)>, DbError> {
    let Some((subscriber_id, _)) = find_token(conn, TokenPurpose::Manage, token)? else {
        return Ok(None);
    };
    let email = subscribers::table
        .find(subscriber_id)
        .select(subscribers::email)
        .first(conn)?;
    Ok(Some((subscriber_id, email)))
}

/// Every subscription of one subscriber, oldest first.
pub fn of_subscriber(
    conn: &mut DbConnection,
    subscriber_id: SubscriberId,
) -> Result<Vec<SubscriptionView>, DbError> {
    let rows = subscriptions::table
        .filter(subscriptions::subscriber_id.eq(subscriber_id))
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    rows.iter().map(|r| view(conn, r)).collect()
}

/// Changes a subscription's frequency. Changes still waiting for a digest
/// go out in the next worker round when it becomes immediate. False when
/// the subscriber has no such subscription.
pub fn set_frequency(
    conn: &mut DbConnection,
    subscriber_id: SubscriberId,
    subscription_id: SubscriptionId,
    frequency: Frequency,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        let Some(row) = subscriptions::table
            .find(subscription_id)
            .filter(subscriptions::subscriber_id.eq(subscriber_id))
            .select(SubscriptionRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(false);
        };
        if row.frequency == frequency {
            return Ok(true);
        }
        // Unconfirmed: none yet. Immediate: flush what a digest still owes
        // at once.
        let next_digest_at = row
            .confirmed_at
            .map(|_| frequency.digest_after(now).unwrap_or(now));
        diesel::update(subscriptions::table.find(subscription_id))
            .set((
                subscriptions::frequency.eq(frequency),
                subscriptions::next_digest_at.eq(next_digest_at),
            ))
            .execute(conn)?;
        Ok(true)
    })
}

/// Removes one subscription of a subscriber; false when it has no such
/// subscription.
pub fn remove(
    conn: &mut DbConnection,
    subscriber_id: SubscriberId,
    subscription_id: SubscriptionId,
) -> Result<bool, DbError> {
    let n = diesel::delete(
        subscriptions::table
            .filter(subscriptions::id.eq(subscription_id))
            .filter(subscriptions::subscriber_id.eq(subscriber_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Forgets a subscriber: the address, every subscription, every token and
/// every unsent email.
pub fn remove_all(conn: &mut DbConnection, subscriber_id: SubscriberId) -> Result<(), DbError> {
    diesel::delete(subscribers::table.find(subscriber_id)).execute(conn)?;
    Ok(())
}

//! Housekeeping: forgetting unconfirmed subscriptions, old link tokens, old
//! records of sent emails and subscribers left with nothing.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{write_transaction, DbConnection, DbError};
use crate::schema::{deliveries, subscribers, subscription_tokens, subscriptions};
use crate::store::deliveries::DeliveryStatus;

/// How long housekeeping keeps things.
const UNCONFIRMED_DAYS: i64 = 7;
const TOKEN_DAYS: i64 = 365;
const SENT_DAYS: i64 = 90;

/// Forgets subscriptions never confirmed within [`UNCONFIRMED_DAYS`] (their
/// confirmation links stop working), link tokens older than [`TOKEN_DAYS`],
/// records of emails sent more than [`SENT_DAYS`] ago, and subscribers left
/// with no subscription and no live token. Returns the number of
/// subscriptions removed.
pub fn purge(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    write_transaction(conn, |conn| {
        let removed = diesel::delete(
            subscriptions::table
                .filter(subscriptions::confirmed_at.is_null())
                .filter(subscriptions::created_at.lt(now - Duration::days(UNCONFIRMED_DAYS))),
        )
        .execute(conn)?;
        diesel::delete(
            subscription_tokens::table
                .filter(subscription_tokens::created_at.lt(now - Duration::days(TOKEN_DAYS))),
        )
        .execute(conn)?;
        diesel::delete(
            deliveries::table
                .filter(deliveries::status.eq(DeliveryStatus::Sent))
                .filter(deliveries::sent_at.lt(now - Duration::days(SENT_DAYS))),
        )
        .execute(conn)?;
        diesel::delete(
            subscribers::table
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    subscriptions::table.filter(subscriptions::subscriber_id.eq(subscribers::id)),
                )))
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    subscription_tokens::table
                        .filter(subscription_tokens::subscriber_id.eq(subscribers::id)),
                ))),
        )
        .execute(conn)?;
        Ok(removed)
    })
}

//! The secret links of emails: confirm, unsubscribe, manage.
//!
//! Tokens are 32 random bytes (64 hex characters). Only their SHA-256 is
//! stored, so a copy of the database gives no usable link. A token is issued
//! each time an email carrying it is composed, so every email has its own.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::{DbConnection, DbError};
use crate::domain::{text_enum, SubscriberId, SubscriptionId};
use crate::schema::subscription_tokens;

text_enum! {
    /// What a token lets its holder do (`subscription_tokens.purpose`).
    pub enum TokenPurpose {
        Confirm = "confirm",
        Unsubscribe = "unsubscribe",
        Manage = "manage",
    }
}

const TOKEN_LEN: usize = 64;

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether text has the shape of a token (so anything else is refused
/// before touching the database).
fn looks_like_token(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Issues a new token and stores its hash; returns the token itself, which
/// only the email it goes into will ever hold.
pub fn issue_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    subscriber_id: SubscriberId,
    subscription_id: Option<SubscriptionId>,
    now: NaiveDateTime,
) -> Result<String, DbError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    diesel::insert_into(subscription_tokens::table)
        .values((
            subscription_tokens::token_hash.eq(hash_token(&token)),
            subscription_tokens::purpose.eq(purpose),
            subscription_tokens::subscriber_id.eq(subscriber_id),
            subscription_tokens::subscription_id.eq(subscription_id),
            subscription_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The subscriber and subscription a token of this purpose belongs to.
pub(super) fn find_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<(SubscriberId, Option<SubscriptionId>)>, DbError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    Ok(subscription_tokens::table
        .filter(subscription_tokens::token_hash.eq(hash_token(&token.to_ascii_lowercase())))
        .filter(subscription_tokens::purpose.eq(purpose))
        .select((
            subscription_tokens::subscriber_id,
            subscription_tokens::subscription_id,
        ))
        .first(conn)
        .optional()?)
}

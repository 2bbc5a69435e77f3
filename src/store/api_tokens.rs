//! API tokens: per-user secrets that authorise writes through the JSON API.
//! A token is 32 random bytes (64 hex characters), shown once when created;
//! only its SHA-256 is stored, with a name and when it was last used.
//! Revoking deletes the row, and a disabled account's tokens authorise
//! nothing, so both take effect on the very next request.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::subscriptions::hash_token as hash;
use super::users::UserRow;
use super::{DbConnection, DbError};
use crate::domain::{ApiTokenId, UserId};
use crate::schema::{api_tokens, users};

/// How stale `last_used_at` may get before a request refreshes it (so most
/// requests only read).
const LAST_USED_PRECISION: Duration = Duration::minutes(1);

/// A token as its owner's settings page lists it (never the secret).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: ApiTokenId,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// Creates a token for an account; returns the secret, the only time it
/// is known.
pub fn create(
    conn: &mut DbConnection,
    user_id: UserId,
    name: &str,
    now: NaiveDateTime,
) -> Result<String, DbError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(hash(&token)),
            api_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// An account's tokens, newest first.
pub fn list(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<ApiTokenRow>, DbError> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)?)
}

/// Revokes one of the account's tokens; false if it has no such token.
pub fn revoke(conn: &mut DbConnection, user_id: UserId, id: ApiTokenId) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The account a token belongs to (check `disabled`: a disabled account's
/// tokens authorise nothing), noting that an enabled account used it now;
/// `None` for an unknown or revoked token.
pub fn authenticate(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<UserRow>, DbError> {
    let found: Option<(ApiTokenId, Option<NaiveDateTime>, UserRow)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash(token)))
        .select((
            api_tokens::id,
            api_tokens::last_used_at,
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((id, last_used, user)) = found else {
        return Ok(None);
    };
    if !user.disabled && last_used.is_none_or(|at| now - at >= LAST_USED_PRECISION) {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(user))
}

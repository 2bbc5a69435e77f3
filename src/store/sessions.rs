//! Sign-in sessions kept on the server: each is a random token the session
//! cookie carries (only its SHA-256 is stored), an account and an expiry.
//! Ending a session deletes its row, so a copy of the cookie kept after
//! signing out no longer signs anyone in.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::subscriptions::hash_token as hash;
use super::users::UserRow;
use super::{DbConnection, DbError};
use crate::domain::UserId;
use crate::schema::{user_sessions, users};

/// How long a session lasts after signing in.
pub const SESSION_LIFETIME: Duration = Duration::days(7);

/// How stale `last_seen_at` may get before a request refreshes it (so most
/// requests only read).
const LAST_SEEN_PRECISION: Duration = Duration::minutes(5);

/// Starts a session for an account and returns its token (64 hex
/// characters), dropping expired sessions of every account on the way.
pub fn start(
    conn: &mut DbConnection,
    user_id: UserId,
    now: NaiveDateTime,
) -> Result<String, DbError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    diesel::delete(user_sessions::table.filter(user_sessions::expires_at.le(now))).execute(conn)?;
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::token_hash.eq(hash(&token)),
            user_sessions::user_id.eq(user_id),
            user_sessions::created_at.eq(now),
            user_sessions::last_seen_at.eq(now),
            user_sessions::expires_at.eq(now + SESSION_LIFETIME),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The account of a live session, noting that it was seen now.
pub fn account(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<UserRow>, DbError> {
    let found: Option<(i32, NaiveDateTime, UserRow)> = user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::token_hash.eq(hash(token)))
        .filter(user_sessions::expires_at.gt(now))
        .select((
            user_sessions::id,
            user_sessions::last_seen_at,
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((id, last_seen, user)) = found else {
        return Ok(None);
    };
    if now - last_seen >= LAST_SEEN_PRECISION {
        diesel::update(user_sessions::table.find(id))
            .set(user_sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(user))
}

/// Ends one session (signing out).
pub fn end(conn: &mut DbConnection, token: &str) -> Result<(), DbError> {
    diesel::delete(user_sessions::table.filter(user_sessions::token_hash.eq(hash(token))))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of an account; returns how many there were.
pub fn end_all(conn: &mut DbConnection, user_id: UserId) -> Result<usize, DbError> {
    Ok(
        diesel::delete(user_sessions::table.filter(user_sessions::user_id.eq(user_id)))
            .execute(conn)?,
    )
}

/// Live sessions of an account (browsers or devices signed in).
pub fn count_live(
    conn: &mut DbConnection,
    user_id: UserId,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::expires_at.gt(now))
        .count()
        .get_result(conn)?)
}

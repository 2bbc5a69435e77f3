//! Editor accounts and their password hashes (argon2id).

use std::fmt;
use std::str::FromStr;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{insert_unless_duplicate, sessions, DbConnection, DbError};
use crate::domain::{text_column, EmailAddress, InvalidValue, UserId};
use crate::schema::users;

#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            _ => Err(InvalidValue::new("a role is editor or admin")),
        }
    }
}

text_column!(Role);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

impl UserRow {
    pub fn role(&self) -> Role {
        self.role
    }
}

/// A password good enough to store: 10 to 1024 characters.
pub struct Password(String);

impl TryFrom<&str> for Password {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let n = s.chars().count();
        if n < 10 {
            return Err(InvalidValue::new("a password has at least 10 characters"));
        }
        if n > 1024 {
            return Err(InvalidValue::new("a password has at most 1024 characters"));
        }
        Ok(Password(s.to_owned()))
    }
}

pub fn hash_password(password: &Password) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.0.as_bytes(), &salt)
        .expect("argon2id hashing with default parameters succeeds")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("an account for {0} already exists")]
    Exists(String),
    #[error("no account for {0}")]
    Unknown(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

pub fn create(
    conn: &mut DbConnection,
    email: &EmailAddress,
    password: &Password,
    role: Role,
    now: NaiveDateTime,
) -> Result<UserId, UserError> {
    let hash = hash_password(password);
    let inserted = insert_unless_duplicate(conn, |conn| {
        diesel::insert_into(users::table)
            .values((
                users::email.eq(email.as_str().to_lowercase()),
                users::password_hash.eq(&hash),
                users::role.eq(role.as_str()),
                users::disabled.eq(false),
                users::created_at.eq(now),
            ))
            .execute(conn)
    })?;
    if !inserted {
        return Err(UserError::Exists(email.to_string()));
    }
    find_by_email(conn, email.as_str())?
        .map(|u| u.id)
        .ok_or_else(|| UserError::Unknown(email.to_string()))
}

/// Accounts are stored and found by their lower-cased address.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut DbConnection, id: UserId) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .order(users::email)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Disables or enables an account; disabling also ends its sessions.
pub fn set_disabled(conn: &mut DbConnection, email: &str, disabled: bool) -> Result<(), UserError> {
    let user = find_by_email(conn, email)?.ok_or_else(|| UserError::Unknown(email.to_owned()))?;
    conn.transaction(|conn| {
        diesel::update(users::table.find(user.id))
            .set(users::disabled.eq(disabled))
            .execute(conn)?;
        if disabled {
            sessions::end_all(conn, user.id)?;
        }
        Ok::<_, DbError>(())
    })?;
    Ok(())
}

/// Stores a new password and ends every session of the account; returns
/// the token of a new session for the browser that changed it.
pub fn change_password(
    conn: &mut DbConnection,
    user_id: UserId,
    password: &Password,
    now: NaiveDateTime,
) -> Result<String, DbError> {
    let hash = hash_password(password);
    conn.transaction(|conn| {
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(&hash))
            .execute(conn)?;
        sessions::end_all(conn, user_id)?;
        sessions::start(conn, user_id, now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let pw = Password::try_from("correct horse battery").unwrap();
        let hash = hash_password(&pw);
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "wrong horse battery"));
        assert!(!verify_password("not a hash", "x"));
        assert!(Password::try_from("short").is_err());
    }
}

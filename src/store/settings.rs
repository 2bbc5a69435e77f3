//! Small key/value settings kept in the database (the generated secret,
//! whether the starter data was loaded).

use diesel::prelude::*;

use super::{insert_unless_duplicate, DbConnection, DbError};
use crate::schema::settings;

pub fn get(conn: &mut DbConnection, key: &str) -> Result<Option<String>, DbError> {
    Ok(settings::table
        .find(key)
        .select(settings::value)
        .first::<String>(conn)
        .optional()?)
}

/// Stores `value` under `key` unless the key already has one; returns the
/// value that is stored afterwards (so concurrent first starts agree).
pub fn get_or_insert(conn: &mut DbConnection, key: &str, value: &str) -> Result<String, DbError> {
    insert_unless_duplicate(conn, |conn| {
        diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)
    })?;
    Ok(get(conn, key)?.unwrap_or_else(|| value.to_owned()))
}

pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> Result<(), DbError> {
    conn.transaction(|conn| {
        let updated = diesel::update(settings::table.find(key))
            .set(settings::value.eq(value))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(settings::table)
                .values((settings::key.eq(key), settings::value.eq(value)))
                .execute(conn)?;
        }
        Ok(())
    })
}

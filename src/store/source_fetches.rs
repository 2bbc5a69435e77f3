//! What each official resource answered last (its `ETag` and
//! `Last-Modified`), so the next request can be conditional: a 304 means
//! nothing there is new.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConnection, DbError};
use crate::db::write_transaction;
use crate::schema::source_fetches;

/// The validators a resource last answered with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

pub fn get(conn: &mut DbConnection, url: &str) -> Result<Validators, DbError> {
    Ok(source_fetches::table
        .find(url)
        .select((source_fetches::etag, source_fetches::last_modified))
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Remembers what a resource answered; call after what it said is stored.
pub fn put(
    conn: &mut DbConnection,
    url: &str,
    v: &Validators,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    write_transaction(conn, |conn| {
        diesel::delete(source_fetches::table.find(url)).execute(conn)?;
        if !v.is_empty() {
            diesel::insert_into(source_fetches::table)
                .values((
                    source_fetches::url.eq(url),
                    source_fetches::etag.eq(&v.etag),
                    source_fetches::last_modified.eq(&v.last_modified),
                    source_fetches::fetched_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Every remembered resource's validators, by URL.
pub fn all(
    conn: &mut DbConnection,
) -> Result<std::collections::HashMap<String, Validators>, DbError> {
    let rows: Vec<(String, Option<String>, Option<String>)> = source_fetches::table
        .select((
            source_fetches::url,
            source_fetches::etag,
            source_fetches::last_modified,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(url, etag, last_modified)| {
            (
                url,
                Validators {
                    etag,
                    last_modified,
                },
            )
        })
        .collect())
}

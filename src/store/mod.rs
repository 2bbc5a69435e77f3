//! Queries and writes, with the rows they read and write beside them.
//!
//! Every function takes a `&mut DbConnection` and runs synchronously; the
//! web layer calls them on the blocking thread pool. Nothing here reads the
//! clock: a write is told the time it happens at (`now`) by its caller.

pub mod activity;
pub mod api_tokens;
pub mod author;
pub mod change_feed;
pub mod changes;
mod columns;
mod corrections;
pub mod current_status;
pub mod deliveries;
mod event_corrections;
pub mod events;
pub mod export;
pub mod generate;
pub mod item_lists;
pub mod items;
pub mod json;
pub mod keyset;
pub mod limits;
pub mod links;
pub mod milestones;
pub mod proposals;
pub mod reminders;
mod retry;
pub mod revisions;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod source_fetches;
pub mod subscriptions;
pub mod timeline;
pub mod upcoming;
pub mod users;
pub mod watch;

pub use crate::db::{DbConnection, DbError};

/// Checks that the database answers (the health check).
pub fn ping(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    Ok(conn.batch_execute("SELECT 1")?)
}

/// Runs an insert that a unique constraint may refuse, in a savepoint so a
/// refusal leaves the surrounding transaction usable. Returns whether the
/// row was inserted (`false`: an equal row already exists).
pub fn insert_unless_duplicate(
    conn: &mut DbConnection,
    insert: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<usize>,
) -> Result<bool, DbError> {
    use diesel::result::{DatabaseErrorKind, Error};
    use diesel::Connection;
    match conn.transaction(insert) {
        Ok(n) => Ok(n > 0),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// One page of results and whether another follows.
#[derive(Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Builds a page from a query that fetched `per_page + 1` rows.
    pub fn from_overfetch(mut rows: Vec<T>, page: i64, per_page: i64) -> Self {
        let has_next = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        Page {
            rows,
            page,
            per_page,
            has_next,
        }
    }
}

//! Noticing that the data changed, whoever changed it: this process, the
//! CLI, or another `regwatch serve` on the same database. The response
//! cache (`web::cache`) asks before every answer it would serve.
//!
//! - SQLite: triggers on every table that pages show move the number in
//!   `regwatch_data_version` on in the writing transaction. A connection
//!   of its own that never writes reads `PRAGMA data_version` (shared
//!   memory; it moves whenever any other connection, in this process or
//!   another, commits) and, only when that moved, the number.
//! - PostgreSQL: a connection of its own reads `regwatch_data_version`,
//!   which a trigger on every table that pages show (migration
//!   `2026-11-24-000400_data_version`) moves on as part of each writing
//!   transaction's commit. One round trip, but exact: a write is seen the
//!   moment it has committed, by every process. (`LISTEN`/`NOTIFY` was
//!   tried and measured: notifications reached the other process 8–16 ms
//!   after the commit returned, so the next request could be stale.)
//!
//! A watch that fails (the database went away) reports a change every time
//! until it reconnects, so nothing stale is served meanwhile.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{DbConnection, DbError};

pub use crate::db::QUIET_TABLES;

enum Source {
    /// The last `PRAGMA data_version` read.
    Sqlite(SqliteWatch),
    /// The last `regwatch_data_version` read.
    Postgres(PgWatch),
    /// Not connected: every check reports a change.
    Broken,
}

struct SqliteWatch {
    conn: diesel::SqliteConnection,
    /// The last `PRAGMA data_version`, and the data's version then.
    pragma: i64,
    last: i64,
}

struct PgWatch {
    conn: diesel::PgConnection,
    last: i64,
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

/// Watches one database for committed changes.
pub struct Watch {
    url: String,
    source: Source,
}

impl Watch {
    /// Opens the watching connection.
    pub fn open(url: &str) -> Watch {
        let mut watch = Watch {
            url: url.to_owned(),
            source: Source::Broken,
        };
        watch.reconnect();
        watch
    }

    fn reconnect(&mut self) {
        self.source = match connect(&self.url) {
            Ok(source) => source,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the database for changes; not caching");
                Source::Broken
            }
        };
    }

    /// Whether anything committed since the last check (or since the watch
    /// was opened). On SQLite it reads shared memory; on PostgreSQL it asks
    /// the server (one short query, no lock).
    pub fn changed(&mut self) -> bool {
        let outcome = match &mut self.source {
            Source::Sqlite(lite) => sqlite_pragma(&mut lite.conn).and_then(|pragma| {
                if pragma == lite.pragma {
                    return Ok(false);
                }
                lite.pragma = pragma;
                let now = sqlite_version(&mut lite.conn)?;
                let moved = now != lite.last;
                lite.last = now;
                Ok(moved)
            }),
            Source::Postgres(pg) => pg_version(&mut pg.conn).map(|now| {
                let moved = now != pg.last;
                pg.last = now;
                moved
            }),
            Source::Broken => Err(DbError::Migration("not connected".to_owned())),
        };
        match outcome {
            Ok(moved) => moved,
            Err(e) => {
                tracing::warn!(error = %e, "lost the database watch; reconnecting");
                self.reconnect();
                true
            }
        }
    }

    /// Whether a check is a round trip to a server (PostgreSQL), rather
    /// than a read of shared memory (SQLite).
    pub fn is_round_trip(&self) -> bool {
        crate::db::Backend::of_url(&self.url) == crate::db::Backend::Postgres
    }

    /// Whether checks can be believed (a broken watch reports a change
    /// every time, so a cache should not bother storing anything).
    pub fn is_connected(&self) -> bool {
        !matches!(self.source, Source::Broken)
    }
}

fn connect(url: &str) -> Result<Source, DbError> {
    match DbConnection::open(url)? {
        DbConnection::Sqlite(mut conn) => {
            let pragma = sqlite_pragma(&mut conn)?;
            let last = sqlite_version(&mut conn)?;
            Ok(Source::Sqlite(SqliteWatch { conn, pragma, last }))
        }
        DbConnection::Postgres(mut conn) => {
            let last = pg_version(&mut conn)?;
            Ok(Source::Postgres(PgWatch { conn, last }))
        }
    }
}

fn sqlite_pragma(conn: &mut diesel::SqliteConnection) -> Result<i64, DbError> {
    Ok(diesel::sql_query("PRAGMA data_version")
        .get_result::<DataVersion>(conn)?
        .data_version)
}

fn sqlite_version(conn: &mut diesel::SqliteConnection) -> Result<i64, DbError> {
    Ok(
        diesel::sql_query("SELECT n AS data_version FROM regwatch_data_version")
            .get_result::<DataVersion>(conn)?
            .data_version,
    )
}

fn pg_version(conn: &mut diesel::PgConnection) -> Result<i64, DbError> {
    Ok(
        diesel::sql_query("SELECT n AS data_version FROM regwatch_data_version")
            .get_result::<DataVersion>(conn)?
            .data_version,
    )
}

/// The tables whose writes leave the version alone: those without the
/// trigger. A test holds this to [`QUIET_TABLES`], so a new
/// table cannot be forgotten.
pub fn silent_tables(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let query = match conn.backend() {
        crate::db::Backend::Postgres => {
            "SELECT c.relname AS name FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                               WHERE t.tgrelid = c.oid AND t.tgname = 'regwatch_data_changed')
             ORDER BY 1"
        }
        crate::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master m WHERE type = 'table'
               AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'item_search%'
               AND NOT EXISTS (SELECT 1 FROM sqlite_master t WHERE t.type = 'trigger'
                               AND t.tbl_name = m.name AND t.name LIKE 'regwatch_data_changed%')
             ORDER BY 1"
        }
    };
    let rows: Vec<Name> = diesel::sql_query(query).load(conn)?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

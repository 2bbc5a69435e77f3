//! Noticing that the data changed, whoever changed it: this process, the
//! CLI, or another `regwatch serve` on the same database. The response
//! cache (`web::cache`) asks before every answer it would serve.
//!
//! - SQLite: a connection of its own that never writes reads `PRAGMA
//!   data_version`, which moves whenever any other connection (in this
//!   process or another) commits. Nothing a writer does can skip it.
//! - PostgreSQL: a connection of its own `LISTEN`s on [`CHANNEL`]; a
//!   trigger on every table that pages show (migration
//!   `2026-11-24-000400_data_notify`) sends a `NOTIFY` in the writing
//!   transaction, delivered when it commits. Checking reads what has
//!   arrived on the socket without waiting.
//!
//! Besides, every outermost `db::write_transaction` in this process counts
//! its commit ([`crate::db::local_commits`]), so this process's own writes
//! are seen on the very next request even before a notification arrives.
//!
//! A watch that fails (the database went away) reports a change every time
//! until it reconnects, so nothing stale is served meanwhile.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{self, DbConnection, DbError};

/// The channel data changes are announced on (PostgreSQL).
pub const CHANNEL: &str = "regwatch_data";

/// Tables whose writes no anonymous page shows, so they announce nothing:
/// sign-in bookkeeping, rate limits, token use and the outbox.
pub const QUIET_TABLES: [&str; 6] = [
    "user_sessions",
    "limit_attempts",
    "api_tokens",
    "deliveries",
    "digest_entries",
    "__diesel_schema_migrations",
];

enum Source {
    /// The last `PRAGMA data_version` read.
    Sqlite(SqliteWatch),
    /// A connection that listens on [`CHANNEL`].
    Postgres(diesel::PgConnection),
    /// Not connected: every check reports a change.
    Broken,
}

struct SqliteWatch {
    conn: diesel::SqliteConnection,
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
    local: u64,
}

impl Watch {
    /// Opens the watching connection.
    pub fn open(url: &str) -> Watch {
        let mut watch = Watch {
            url: url.to_owned(),
            source: Source::Broken,
            local: db::local_commits(),
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
    /// was opened). Never waits on the network or a lock.
    pub fn changed(&mut self) -> bool {
        let local = db::local_commits();
        let mut changed = local != self.local;
        self.local = local;
        let outcome = match &mut self.source {
            Source::Sqlite(lite) => sqlite_version(&mut lite.conn).map(|now| {
                let moved = now != lite.last;
                lite.last = now;
                moved
            }),
            Source::Postgres(pg) => {
                let mut moved = false;
                let mut failed = None;
                for note in pg.notifications_iter() {
                    match note {
                        Ok(_) => moved = true,
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                match failed {
                    Some(e) => Err(DbError::from(e)),
                    None => Ok(moved),
                }
            }
            Source::Broken => Err(DbError::Migration("not connected".to_owned())),
        };
        match outcome {
            Ok(moved) => changed |= moved,
            Err(e) => {
                tracing::warn!(error = %e, "lost the database watch; reconnecting");
                self.reconnect();
                changed = true;
            }
        }
        changed
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
            let last = sqlite_version(&mut conn)?;
            Ok(Source::Sqlite(SqliteWatch { conn, last }))
        }
        DbConnection::Postgres(mut conn) => {
            conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(Source::Postgres(conn))
        }
    }
}

fn sqlite_version(conn: &mut diesel::SqliteConnection) -> Result<i64, DbError> {
    Ok(diesel::sql_query("PRAGMA data_version")
        .get_result::<DataVersion>(conn)?
        .data_version)
}

/// The tables of a PostgreSQL database that announce no change: those
/// without the trigger. A test holds this to [`QUIET_TABLES`], so a new
/// table cannot be forgotten.
pub fn silent_tables(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT c.relname AS name FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                           WHERE t.tgrelid = c.oid AND t.tgname = 'regwatch_data_changed')
         ORDER BY 1",
    )
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

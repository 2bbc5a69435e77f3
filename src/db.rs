//! Connections, the pool and migrations for both backends.
//!
//! The backend is chosen from the URL scheme (`postgres://` or
//! `postgresql://` is PostgreSQL, anything else a SQLite file), so a failing
//! connection reports its real error instead of falling through to SQLite.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The query backend shared by both connection kinds.
pub type Db = <DbConnection as diesel::Connection>::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Opens one connection to the database the URL names.
    pub fn open(url: &str) -> Result<DbConnection, DbError> {
        match Backend::of_url(url) {
            Backend::Postgres => Ok(DbConnection::Postgres(PgConnection::establish(url)?)),
            Backend::Sqlite => {
                let path = sqlite_path(url);
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// Runs pending migrations. On PostgreSQL an advisory lock keeps
    /// processes that start together from migrating at the same time.
    pub fn migrate(&mut self) -> Result<(), DbError> {
        match self {
            DbConnection::Postgres(c) => {
                c.batch_execute("SELECT pg_advisory_lock(7234001)")?;
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|_| ())
                    .map_err(|e| DbError::Migration(e.to_string()));
                c.batch_execute("SELECT pg_advisory_unlock(7234001)")?;
                result
            }
            DbConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| DbError::Migration(e.to_string())),
        }
    }
}

/// The file path of a SQLite URL: `sqlite://x.db`, `sqlite:x.db` or `x.db`.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
}

pub struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        DbConnection::open(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Opens the pool, migrating first so every pooled connection sees the
/// current schema.
pub fn connect(url: &str) -> Result<Pool, DbError> {
    let mut first = DbConnection::open(url)?;
    first.migrate()?;
    drop(first);
    let size = match Backend::of_url(url) {
        Backend::Sqlite => 8,
        Backend::Postgres => 10,
    };
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager {
            url: url.to_owned(),
        })?)
}

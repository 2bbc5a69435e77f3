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
                // Then every table pages show moves the data's version on,
                // also one a later migration added (see `store::watch`).
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|_| ())
                    .map_err(|e| DbError::Migration(e.to_string()))
                    .and_then(|()| Ok(c.batch_execute("SELECT regwatch_watch_tables()")?));
                c.batch_execute("SELECT pg_advisory_unlock(7234001)")?;
                result
            }
            DbConnection::Sqlite(c) => {
                c.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map_err(|e| DbError::Migration(e.to_string()))?;
                watch_sqlite_tables(c)
            }
        }
    }
}

/// Tables whose writes no anonymous page shows, so they leave the data's
/// version alone: sign-in bookkeeping, rate limits, token use, the outbox,
/// reminders claimed, what official sources propose and when they were last
/// fetched (shown only to editors, whose pages are never kept), and the
/// version itself. (The PostgreSQL twin of this list is in
/// `regwatch_watch_tables()`; `store::watch` reads the version.)
pub const QUIET_TABLES: [&str; 10] = [
    "user_sessions",
    "limit_attempts",
    "api_tokens",
    "deliveries",
    "digest_entries",
    "milestone_reminders",
    "proposals",
    "source_fetches",
    "__diesel_schema_migrations",
    "regwatch_data_version",
];

/// Puts the triggers that move `regwatch_data_version` on every SQLite
/// table that lacks them (except the quiet ones, the search index and its
/// shadow tables, which are written with the items).
fn watch_sqlite_tables(c: &mut SqliteConnection) -> Result<(), DbError> {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'item_search%'
           AND NOT EXISTS (SELECT 1 FROM sqlite_master t WHERE t.type = 'trigger'
                           AND t.name = 'regwatch_data_changed_' || sqlite_master.name || '_insert')",
    )
    .load(c)?;
    for Name { name } in tables {
        if QUIET_TABLES.contains(&name.as_str()) {
            continue;
        }
        for event in ["insert", "update", "delete"] {
            c.batch_execute(&format!(
                "CREATE TRIGGER IF NOT EXISTS \"regwatch_data_changed_{name}_{event}\"
                 AFTER {event} ON \"{name}\"
                 BEGIN UPDATE regwatch_data_version SET n = n + 1 WHERE id = 1; END"
            ))?;
        }
    }
    Ok(())
}

/// Runs `f` in a transaction that writes, committing if it returns `Ok`.
///
/// On SQLite the transaction begins with `BEGIN IMMEDIATE`, which takes the
/// database's write lock before the first statement (waiting for it up to
/// the busy timeout). A plain transaction reads under a snapshot and asks
/// for the lock at its first write, and if another connection committed in
/// between, SQLite refuses at once (`SQLITE_BUSY_SNAPSHOT`). So any
/// transaction that may write after reading goes through here. On
/// PostgreSQL it is a plain transaction: rows lock as they are written.
///
/// Inside another transaction it is a savepoint of that one, which already
/// holds whatever lock it took.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    let DbConnection::Sqlite(lite) = conn else {
        return conn.transaction(f);
    };
    if AnsiTransactionManager::transaction_manager_status_mut(lite)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        // As diesel's own `transaction` does: a rollback that fails because
        // the connection is already broken reports the original error.
        Err(e) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Begins a write transaction meant to stay open across calls (a bulk
/// import's batch), taking the same lock [`write_transaction`] takes; end
/// it with [`commit`] or [`rollback`]. Writes inside it that go through
/// [`write_transaction`] or `transaction` are savepoints of it, so each
/// can fail alone. Returns `false`, beginning nothing, when a transaction
/// is already open.
pub fn begin_write(conn: &mut DbConnection) -> Result<bool, diesel::result::Error> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    if Manager::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some()
    {
        return Ok(false);
    }
    match conn {
        DbConnection::Sqlite(lite) => {
            AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?
        }
        _ => Manager::begin_transaction(conn)?,
    }
    Ok(true)
}

/// Commits the transaction [`begin_write`] began.
pub fn commit(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    use diesel::connection::TransactionManager;
    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
}

/// Rolls back the transaction [`begin_write`] began.
pub fn rollback(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    use diesel::connection::TransactionManager;
    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_pair(dir: &tempfile::TempDir) -> (DbConnection, DbConnection) {
        let url = dir.path().join("lock.db").display().to_string();
        let mut first = DbConnection::open(&url).unwrap();
        first.batch_execute("CREATE TABLE t (n INTEGER)").unwrap();
        let mut second = DbConnection::open(&url).unwrap();
        // Refused at once rather than after the busy timeout.
        second.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        (first, second)
    }

    fn count(conn: &mut DbConnection) -> i64 {
        use diesel::dsl::sql;
        use diesel::sql_types::BigInt;
        diesel::select(sql::<BigInt>("(SELECT count(*) FROM t)"))
            .get_result(conn)
            .unwrap()
    }

    /// Another connection's write cannot slip in between a write
    /// transaction's read and its write (which would then fail with
    /// `SQLITE_BUSY_SNAPSHOT`): the lock is held from the start.
    #[test]
    fn a_sqlite_write_transaction_holds_the_write_lock_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b) = sqlite_pair(&dir);
        write_transaction(&mut a, |a| {
            assert_eq!(count(a), 0);
            assert!(b.batch_execute("INSERT INTO t VALUES (1)").is_err());
            a.batch_execute("INSERT INTO t VALUES (2)")
        })
        .unwrap();
        b.batch_execute("INSERT INTO t VALUES (3)").unwrap();
        assert_eq!(count(&mut a), 2);
    }

    #[test]
    fn write_transactions_nest_and_roll_back() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, _) = sqlite_pair(&dir);
        let failed: Result<(), diesel::result::Error> = write_transaction(&mut a, |a| {
            a.batch_execute("INSERT INTO t VALUES (1)")?;
            let inner: Result<(), diesel::result::Error> = write_transaction(a, |a| {
                a.batch_execute("INSERT INTO t VALUES (2)")?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            assert_eq!(count(a), 1);
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert_eq!(count(&mut a), 0);
        write_transaction(&mut a, |a| a.batch_execute("INSERT INTO t VALUES (3)")).unwrap();
        assert_eq!(count(&mut a), 1);
    }
}

//! Which PostgreSQL server the PostgreSQL variants of the tests use, chosen
//! once per test binary, and the line a variant prints when it is skipped.

use std::io::Write;
use std::sync::OnceLock;

use diesel::{Connection, PgConnection};

/// Names the server: the URL of a database on it, as a user who may create
/// databases.
pub const URL_VAR: &str = "REGWATCH_TEST_POSTGRES_URL";

/// Tried when [`URL_VAR`] is unset: a local server with trust auth.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The admin URL to use: the configured one as it is (a failure to reach it
/// then fails the tests), or else the default one if `probe` reaches it.
/// `Err` says why there is none, for the skip line.
pub fn choose(
    configured: Option<String>,
    probe: impl FnOnce(&str) -> Result<(), String>,
) -> Result<String, String> {
    if let Some(url) = configured {
        return Ok(url);
    }
    match probe(DEFAULT_URL) {
        Ok(()) => Ok(DEFAULT_URL.to_owned()),
        Err(why) => Err(format!(
            "PostgreSQL not reachable at {DEFAULT_URL} (set {URL_VAR}): {why}"
        )),
    }
}

/// Connects once, giving up after two seconds (libpq's shortest timeout); a
/// closed port answers at once. The error is libpq's first line without its
/// "connection to server at … failed: " preamble.
fn probe(url: &str) -> Result<(), String> {
    PgConnection::establish(&format!("{url}?connect_timeout=2"))
        .map(drop)
        .map_err(|e| {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            first
                .split_once("failed: ")
                .map_or(first, |(_, why)| why)
                .to_owned()
        })
}

/// The admin URL for this test binary. `None` when there is no server: the
/// calling test should return at once, and a `skipped:` line naming it has
/// been written. Under `CI=true` a missing server fails the test instead.
pub fn admin_url() -> Option<&'static str> {
    static CHOICE: OnceLock<Result<String, String>> = OnceLock::new();
    let choice = CHOICE.get_or_init(|| choose(std::env::var(URL_VAR).ok(), probe));
    match choice {
        Ok(url) => Some(url),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{why}; in CI every database test runs on PostgreSQL too")
        }
        Err(why) => {
            let thread = std::thread::current();
            let test = thread.name().unwrap_or("a PostgreSQL test");
            // Straight to the process's stderr: libtest captures `eprintln!`
            // and shows it only for failing tests, so a passing skip would
            // otherwise say nothing.
            let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
            None
        }
    }
}

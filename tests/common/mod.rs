//! Test harness: the real application on a random loopback port, against a
//! fresh database per test, on SQLite and (when configured) PostgreSQL.
//!
//! PostgreSQL tests need `REGWATCH_TEST_POSTGRES_URL`, a URL of a server
//! where the user may create databases (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without it they say so
//! and skip, except under `CI=true`, where they fail instead.

#![allow(dead_code)]

pub mod smtp;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::Application;

pub const POSTGRES_URL_VAR: &str = "REGWATCH_TEST_POSTGRES_URL";

enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A fresh database of its own, dropped with this value.
pub struct TestDatabase {
    pub url: String,
    _db: TestDb,
}

impl TestDatabase {
    /// `None` when PostgreSQL is asked for but not configured.
    pub fn create(backend: Backend) -> Option<TestDatabase> {
        let (url, db) = fresh_database(backend)?;
        Some(TestDatabase { url, _db: db })
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    _db: TestDb,
}

/// Creates a fresh, empty database; `None` when PostgreSQL is not configured.
fn fresh_database(backend: Backend) -> Option<(String, TestDb)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir.path().join("regwatch.db").display().to_string();
            Some((url, TestDb::Sqlite(dir)))
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{POSTGRES_URL_VAR} must be set in CI: every database test runs on PostgreSQL too");
                }
                eprintln!(
                    "skipped: the PostgreSQL variant needs {POSTGRES_URL_VAR} (e.g. postgres://postgres@127.0.0.1:5432/postgres)"
                );
                return None;
            };
            let name = format!("regwatch_test_{}", hex::encode(rand::random::<[u8; 8]>()));
            let mut admin = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
            let (base, _) = admin_url.rsplit_once('/').expect("URL names a database");
            let url = format!("{base}/{name}");
            Some((url, TestDb::Postgres { admin_url, name }))
        }
    }
}

impl TestApp {
    /// Starts the app with the starter data loaded.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let (database_url, db) = fresh_database(backend)?;
        let mut settings = Settings::for_database(&database_url);
        settings.bind = "127.0.0.1:0".to_owned();
        adjust(&mut settings);
        let app = Application::build(settings).expect("application starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Some(TestApp {
            base,
            client,
            database_url,
            _db: db,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GETs a page, asserting the status, and returns its HTML.
    pub async fn page(&self, path: &str, status: u16) -> String {
        let res = self.get(path).await;
        let got = res.status().as_u16();
        let body = res.text().await.expect("body");
        assert_eq!(got, status, "GET {path} answered {got}:\n{body}");
        body
    }

    /// A direct connection to the app's database, for setting up data.
    pub fn db(&self) -> DbConnection {
        DbConnection::open(&self.database_url).expect("open test database")
    }
}

/// Visible text of the elements matching `selector`, whitespace collapsed.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Values of attribute `attr` on the elements matching `selector`.
pub fn attrs(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// Defines a test that runs once on SQLite and once on PostgreSQL, each
/// against the real app with a fresh database holding the starter data.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::common::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn(regwatch::db::Backend::Sqlite)
                    .await
                    .expect("SQLite is always available");
                run(app).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::spawn(regwatch::db::Backend::Postgres).await {
                    run(app).await;
                }
            }
        }
    };
}

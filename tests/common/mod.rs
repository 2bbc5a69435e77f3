//! Test harness: the real application on a random loopback port, against a
//! fresh database per test, on SQLite and PostgreSQL.
//!
//! Database tests are written once with [`both_backends!`] and run on both
//! backends. The PostgreSQL server is `REGWATCH_TEST_POSTGRES_URL`, a URL of
//! a server where the user may create databases; when it is unset the tests
//! try `postgres://postgres@127.0.0.1:5432/postgres` (once per test binary,
//! giving up after two seconds) and use it if it answers. If it does not,
//! each PostgreSQL variant passes without running and writes
//! `skipped: <test>: PostgreSQL not reachable at … (set
//! REGWATCH_TEST_POSTGRES_URL)` straight to the terminal, so a plain
//! `cargo test` shows which tests did not run. Under `CI=true` they fail
//! instead. A configured server that cannot be reached fails the tests.

#![allow(dead_code)]

pub mod alerts;
pub mod api;
pub mod forms;
pub mod generated;
pub mod hostile;
pub mod postgres;
pub mod smtp;
pub mod sources;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::Application;

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
    /// `None` when PostgreSQL is asked for but not reachable (the test is
    /// skipped).
    pub fn create(backend: Backend) -> Option<TestDatabase> {
        let (url, db) = fresh_database(backend)?;
        Some(TestDatabase { url, _db: db })
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    /// How many pages the response cache rendered and shared.
    pub page_counts: std::sync::Arc<regwatch::web::cache::flight::Counts>,
    _db: TestDb,
}

/// Creates a fresh, empty database; `None` when PostgreSQL is not reachable.
fn fresh_database(backend: Backend) -> Option<(String, TestDb)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir.path().join("regwatch.db").display().to_string();
            Some((url, TestDb::Sqlite(dir)))
        }
        Backend::Postgres => {
            let admin_url = postgres::admin_url()?.to_owned();
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
        let page_counts = app.page_counts();
        actix_web::rt::spawn(app.run());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Some(TestApp {
            base,
            client,
            database_url,
            page_counts,
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

/// Defines a test that runs once on SQLite and once on PostgreSQL (as
/// `NAME::sqlite` and `NAME::postgres`), in either of two forms:
///
/// - `both_backends!(name, |app| { ... })`: the body gets the real app,
///   started with default settings on a fresh database holding the starter
///   data;
/// - `both_backends!(name)`: calls `async fn name(backend: Backend)` of the
///   same module, which starts what it needs (and returns at once when
///   [`TestApp::spawn_with`] gives `None`, a skipped PostgreSQL run).
#[macro_export]
macro_rules! both_backends {
    (@each_backend $run:path) => {
        #[actix_web::test]
        async fn sqlite() {
            $run(regwatch::db::Backend::Sqlite).await;
        }

        #[actix_web::test]
        async fn postgres() {
            $run(regwatch::db::Backend::Postgres).await;
        }
    };
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run(backend: regwatch::db::Backend) {
                let Some($app) = $crate::common::TestApp::spawn(backend).await else {
                    return;
                };
                $body
            }

            $crate::both_backends!(@each_backend run);
        }
    };
    ($name:ident) => {
        mod $name {
            $crate::both_backends!(@each_backend super::$name);
        }
    };
}

/// A browser: a client with its own cookie jar (one editor's session).
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

/// What a form submission answered.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl TestApp {
    /// Creates an account directly in the database.
    pub fn create_user(&self, email: &str, password: &str, role: regwatch::store::users::Role) {
        use regwatch::domain::EmailAddress;
        use regwatch::store::users::{self, Password};
        let mut conn = self.db();
        users::create(
            &mut conn,
            &EmailAddress::try_from(email).unwrap(),
            &Password::try_from(password).unwrap(),
            role,
            regwatch::clock::Clock::system().now(),
        )
        .expect("create user");
    }

    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// A browser signed in as a new editor.
    pub async fn editor(&self, email: &str) -> Browser {
        self.create_user(email, PASSWORD, regwatch::store::users::Role::Editor);
        let b = self.browser();
        let a = b.sign_in(email, PASSWORD).await;
        assert_eq!(a.status, 303, "sign-in failed: {}", a.body);
        b
    }

    /// Number of rows in a table, read directly from the database.
    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(&mut conn)
            .expect("count")
            .n
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Answer {
        let res = self.client.get(self.url(path)).send().await.expect("GET");
        answer(res).await
    }

    /// The CSRF token of the first form on a page.
    pub async fn csrf(&self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        attrs(&page.body, "input[name=csrf_token]", "value")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no CSRF token on {path}"))
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let res = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST");
        answer(res).await
    }

    /// Loads the form page at `path`, then posts `fields` with its token.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let token = self.csrf(path).await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        self.submit("/login", &[("email", email), ("password", password)])
            .await
    }
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.text().await.expect("body");
    Answer {
        status,
        location,
        body,
    }
}

/// The fields of the form with `action` on a page, as a browser would send
/// them unchanged: inputs, textareas and selected options.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let form_sel = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).unwrap();
    let form = doc
        .select(&form_sel)
        .next()
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let field_sel = scraper::Selector::parse("input, textarea, select").unwrap();
    let option_sel = scraper::Selector::parse("option[selected]").unwrap();
    let mut out = Vec::new();
    for el in form.select(&field_sel) {
        let Some(name) = el.value().attr("name") else {
            continue;
        };
        // An unticked box is not sent at all.
        let tickable = matches!(el.value().attr("type"), Some("checkbox" | "radio"));
        if tickable && el.value().attr("checked").is_none() {
            continue;
        }
        let value = match el.value().name() {
            "textarea" => el.text().collect::<String>(),
            "select" => el
                .select(&option_sel)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_owned(),
            _ => el.value().attr("value").unwrap_or("").to_owned(),
        };
        out.push((name.to_owned(), value));
    }
    out
}

/// Replaces (or adds) one field's value.
pub fn with(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
    fields
}

impl Browser {
    pub async fn post_fields(&self, path: &str, fields: &[(String, String)]) -> Answer {
        let res = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST");
        answer(res).await
    }
}

//! What the alert tests share: the app with or without its mail worker
//! against a loopback SMTP server, events and edits written straight to
//! the store, confirmed subscriptions, and waiting until all is sent.

use super::smtp::SmtpServer;
use super::TestApp;
use chrono::Duration;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{
    Confidence, EmailAddress, Frequency, ItemId, Kind, Scope, SourceUrl, Status, SubscriptionId,
};
use regwatch::mail::Worker;
use regwatch::store::events::{self, NewEvent};
use regwatch::store::subscriptions;

pub const BASE: &str = "https://regwatch.example";

pub fn configure(s: &mut Settings, smtp_url: Option<String>) {
    s.base_url = BASE.to_owned();
    s.smtp_url = smtp_url;
    s.worker.poll = std::time::Duration::from_millis(20);
    s.worker.retry.base = Duration::milliseconds(200);
    s.worker.retry.max = Duration::seconds(1);
}

/// The app with its delivery worker running, sending to `smtp`.
pub async fn app_with_worker(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let url = smtp.url();
    TestApp::spawn_with(backend, |s| {
        configure(s, Some(url));
        s.run_worker = true;
    })
    .await
}

/// The app without a worker; tests drive a [`Worker`] themselves, at the
/// times they choose.
pub async fn app_without_worker(backend: Backend, smtp_url: String) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| configure(s, Some(smtp_url))).await
}

pub fn worker(app: &TestApp, smtp_url: String, adjust: impl FnOnce(&mut Settings)) -> Worker {
    let mut settings = Settings::for_database(&app.database_url);
    configure(&mut settings, Some(smtp_url));
    adjust(&mut settings);
    let pool = regwatch::db::connect(&app.database_url).expect("pool");
    Worker::new(pool, &settings).expect("worker")
}

pub fn item_id(conn: &mut DbConnection, slug: &str) -> ItemId {
    regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap_or_else(|| panic!("{slug} exists"))
        .id
}

pub fn record_event(
    conn: &mut DbConnection,
    slug: &str,
    kind: Kind,
    date: &str,
    status: &str,
    note: &str,
) {
    let id = item_id(conn, slug);
    events::record(
        conn,
        id,
        &NewEvent {
            date: date.parse().unwrap(),
            status: Status::parse(kind, status).unwrap(),
            note: note.to_owned(),
            source: SourceUrl::try_from(
                "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
            )
            .unwrap(),
            confidence: Confidence::High,
        },
        None,
        Clock::system().now(),
    )
    .unwrap();
}

/// Edits an item's title the way the edit form does.
pub fn edit_title(conn: &mut DbConnection, slug: &str, new_title: &str) {
    use regwatch::store::items;
    let item = items::find_by_slug(conn, slug).unwrap().unwrap();
    let mut fields = items::load_fields(conn, item.id).unwrap();
    fields.title = new_title.to_owned();
    let outcome = items::update(
        conn,
        item.id,
        item.version,
        &fields,
        None,
        Clock::system().now(),
    )
    .unwrap();
    assert!(
        matches!(outcome, items::UpdateOutcome::Saved { .. }),
        "{outcome:?}"
    );
}

pub fn confirmed(
    conn: &mut DbConnection,
    email: &str,
    scope: Scope,
    frequency: Frequency,
) -> SubscriptionId {
    subscriptions::subscribe_confirmed(
        conn,
        &EmailAddress::try_from(email).unwrap(),
        &scope,
        frequency,
        Clock::system().now(),
    )
    .unwrap()
}

pub fn path_of(url: &str) -> String {
    url.strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is an absolute link to {BASE}"))
        .to_owned()
}

pub async fn post_form(app: &TestApp, path: &str, body: &str) -> (u16, String) {
    let res = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Waits (up to 15 s) until the outbox holds no delivery that is not sent.
pub async fn everything_sent(conn: &mut DbConnection) {
    use regwatch::schema::deliveries as d;
    let start = std::time::Instant::now();
    loop {
        let unsent: i64 = d::table
            .filter(d::status.ne("sent"))
            .count()
            .get_result(conn)
            .unwrap();
        if unsent == 0 {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "{unsent} deliveries still unsent"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

pub fn count_subscriptions(conn: &mut DbConnection) -> i64 {
    use regwatch::schema::subscriptions;
    subscriptions::table.count().get_result(conn).unwrap()
}

// ------------------------------------------------------------ the journey

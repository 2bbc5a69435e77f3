//! Sending a large fan-out: every alert reaches its subscriber exactly once
//! through a real SMTP server, a worker whose claim is taken over in the
//! middle of a batch sends none of what was taken, and a worker killed
//! between sending and recording leaves at most one group per sender to be
//! sent again, and no alert unsent.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use common::smtp::SmtpServer;
use common::TestApp;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{Confidence, EmailAddress, Frequency, Kind, Scope, SourceUrl, Status};
use regwatch::mail::{Worker, WorkerConfig};
use regwatch::store::deliveries::{self, DeliveryRow, DeliveryStatus};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::subscriptions;

const BASE: &str = "https://regwatch.example";
const S321: &str = "us-s321-ai-decoupling-act";
/// Emails composed and recorded per write transaction by each sender.
const GROUP: usize = 25;

/// A worker of its own on the app's database, sending through `smtp`.
fn worker(app: &TestApp, smtp: &str, adjust: impl FnOnce(&mut WorkerConfig)) -> Worker {
    let mut settings = Settings::for_database(&app.database_url);
    settings.base_url = BASE.to_owned();
    settings.smtp_url = Some(smtp.to_owned());
    adjust(&mut settings.worker);
    let pool = regwatch::db::connect(&app.database_url).expect("pool");
    Worker::new(pool, &settings).expect("worker")
}

/// `count` people following everything, then one change: an alert each.
fn alerts_for(conn: &mut DbConnection, count: usize) -> Vec<String> {
    let people: Vec<String> = (0..count).map(|n| format!("p{n}@example.org")).collect();
    let now = Clock::system().now();
    for p in &people {
        let address = EmailAddress::try_from(p.as_str()).unwrap();
        subscriptions::subscribe_confirmed(conn, &address, &Scope::All, Frequency::Immediate, now)
            .unwrap();
    }
    let item = regwatch::store::items::find_by_slug(conn, S321)
        .unwrap()
        .unwrap()
        .id;
    let event = NewEvent {
        date: "2025-08-01".parse().unwrap(),
        status: Status::parse(Kind::Bill, "referred").unwrap(),
        note: "Referred to committee.".to_owned(),
        source: SourceUrl::try_from("https://www.congress.gov/").unwrap(),
        confidence: Confidence::High,
    };
    events::record(conn, item, &event, None, now).unwrap();
    assert_eq!(all_deliveries(conn).len(), count);
    people
}

fn all_deliveries(conn: &mut DbConnection) -> Vec<DeliveryRow> {
    use regwatch::schema::deliveries as d;
    d::table
        .order(d::id.asc())
        .select(DeliveryRow::as_select())
        .load(conn)
        .unwrap()
}

/// How many messages each address received.
fn received(smtp: &SmtpServer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for m in smtp.messages() {
        assert_eq!(m.to.len(), 1, "one recipient per message");
        *counts.entry(m.to[0].clone()).or_default() += 1;
    }
    counts
}

/// 500 alerts through a real SMTP server: 500 messages, one to each
/// subscriber, each recorded sent after one attempt.
async fn every_alert_reaches_its_subscriber_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, |s| s.base_url = BASE.to_owned()).await else {
        return;
    };
    let mut conn = app.db();
    let people = alerts_for(&mut conn, 500);
    let w = worker(&app, &smtp.url(), |_| {});
    let round = w.drain(Clock::system().now()).unwrap();
    assert_eq!((round.claimed, round.sent), (500, 500));

    let counts = received(&smtp);
    assert_eq!(counts.len(), 500, "500 distinct recipients");
    for p in &people {
        assert_eq!(counts.get(p), Some(&1), "{p}");
    }
    for row in all_deliveries(&mut conn) {
        assert_eq!((row.status, row.attempts), (DeliveryStatus::Sent, 1));
        assert_eq!(row.claim_token, None);
    }
}
both_backends!(every_alert_reaches_its_subscriber_once);

/// Four senders work through 80 alerts over a slow relay when another
/// claim takes all of them over: beyond the messages already on their way
/// (one per sender), nothing more goes out, and every row stays as the new
/// claim left it.
async fn a_claim_taken_over_mid_batch_stops_every_sender(backend: Backend) {
    let smtp = SmtpServer::start_slow(StdDuration::from_millis(100));
    let Some(app) = TestApp::spawn_with(backend, |s| s.base_url = BASE.to_owned()).await else {
        return;
    };
    let mut conn = app.db();
    alerts_for(&mut conn, 80);
    let lease = Duration::minutes(2);
    let w = worker(&app, &smtp.url(), |c| {
        c.lease = lease;
        c.senders = 4;
    });
    let t0 = Clock::system().now();
    let round = std::thread::spawn(move || w.run_once(t0).unwrap());
    let start = Instant::now();
    while smtp.messages().len() < 8 {
        assert!(start.elapsed() < StdDuration::from_secs(20), "too few sent");
        actix_web::rt::time::sleep(StdDuration::from_millis(5)).await;
    }
    let later = t0 + Duration::hours(1);
    let taken = deliveries::claim(&mut conn, later, lease, 100).unwrap();
    let before = smtp.messages().len();
    let round = round.join().unwrap();
    let after = smtp.messages().len();
    assert!(
        after <= before + 4,
        "{before} messages when the claim was taken, {after} in the end"
    );
    assert!(after < 80, "the senders stopped");
    assert_eq!(round.claimed, 80);
    assert_eq!(round.sent, after);
    assert_eq!(round.taken_over, 80 - after);
    // Whatever was not yet recorded sent is now the new claim's.
    let by_id: HashMap<_, _> = taken.iter().map(|d| (d.id, d)).collect();
    let rows = all_deliveries(&mut conn);
    let recorded = rows
        .iter()
        .filter(|d| d.status == DeliveryStatus::Sent)
        .count();
    assert_eq!(recorded + taken.len(), 80);
    for row in rows.iter().filter(|d| d.status != DeliveryStatus::Sent) {
        let taken = by_id[&row.id];
        assert_eq!(row.status, DeliveryStatus::Sending);
        assert_eq!(row.claim_token, taken.claim_token);
        assert_eq!(row.lease_until, Some(later + lease));
        assert_eq!(row.attempts, 2);
    }
}
both_backends!(a_claim_taken_over_mid_batch_stops_every_sender);

/// `regwatch worker` is killed while it sends 300 alerts. The alerts it sent
/// but had not recorded (at most a group per sender, beyond the one in
/// flight) go out again, under their first Message-ID; every subscriber gets
/// the alert.
async fn a_worker_killed_mid_fan_out_loses_nothing(backend: Backend) {
    let smtp = SmtpServer::start_slow(StdDuration::from_millis(20));
    let Some(app) = TestApp::spawn_with(backend, |s| s.base_url = BASE.to_owned()).await else {
        return;
    };
    let mut conn = app.db();
    let people = alerts_for(&mut conn, 300);
    let mut child = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .arg("worker")
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", &app.database_url)
        .env("REGWATCH_SMTP_URL", smtp.url())
        .env("REGWATCH_BASE_URL", BASE)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while smtp.messages().len() < 100 {
        assert!(start.elapsed() < StdDuration::from_secs(60), "too few sent");
        std::thread::sleep(StdDuration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sent_before = smtp.messages().len();
    assert!(sent_before < 300, "killed before the end");
    let recorded = all_deliveries(&mut conn)
        .iter()
        .filter(|d| d.status == DeliveryStatus::Sent)
        .count();
    let senders = WorkerConfig::default().senders;
    assert!(
        sent_before - recorded <= senders * (GROUP + 1),
        "{sent_before} sent, {recorded} recorded"
    );

    // Once the dead worker's claims run out, another sends the rest.
    let w = worker(&app, &smtp.url(), |_| {});
    let after_lease = Clock::system().now() + WorkerConfig::default().lease;
    w.drain(after_lease + Duration::seconds(1)).unwrap();
    assert!(all_deliveries(&mut conn)
        .iter()
        .all(|d| d.status == DeliveryStatus::Sent));
    let counts = received(&smtp);
    for p in &people {
        assert!(counts.get(p).is_some_and(|&n| n >= 1), "{p} got nothing");
    }
    let again: Vec<&String> = people.iter().filter(|p| counts[*p] > 1).collect();
    assert!(again.len() <= sent_before - recorded, "{again:?}");
    assert_eq!(smtp.messages().len(), 300 + again.len());
    for p in again {
        let copies = smtp.to(p);
        assert_eq!(copies.len(), 2, "{p}");
        assert_eq!(
            copies[0].header("Message-ID"),
            copies[1].header("Message-ID"),
            "a copy sent again is the same message"
        );
    }
}
both_backends!(a_worker_killed_mid_fan_out_loses_nothing);

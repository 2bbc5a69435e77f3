//! Claims that hold: a worker keeps the deliveries it claimed for as long as
//! it works on them, however slow the relay, and a worker whose claim was
//! taken over neither sends nor records the delivery. Every message, over
//! SMTP or in the outbox, carries its own Message-ID and a Date.

mod common;

use std::collections::HashSet;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use common::smtp::SmtpServer;
use common::TestApp;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{Confidence, EmailAddress, Frequency, Kind, Scope, SourceUrl, Status};
use regwatch::mail::Worker;
use regwatch::store::deliveries::{self, AfterFailure, DeliveryRow, DeliveryStatus, RetryPolicy};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::subscriptions;

const BASE: &str = "https://regwatch.example";
const S321: &str = "us-s321-ai-decoupling-act";

async fn app(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| s.base_url = BASE.to_owned()).await
}

/// A worker of its own on the app's database.
fn worker(app: &TestApp, adjust: impl FnOnce(&mut Settings)) -> Worker {
    let mut settings = Settings::for_database(&app.database_url);
    settings.base_url = BASE.to_owned();
    adjust(&mut settings);
    let pool = regwatch::db::connect(&app.database_url).expect("pool");
    Worker::new(pool, &settings).expect("worker")
}

/// `count` people following everything, then one change: an alert each.
fn alerts_for(conn: &mut DbConnection, count: usize) -> Vec<String> {
    let people: Vec<String> = (0..count).map(|n| format!("p{n}@example.org")).collect();
    for p in &people {
        subscriptions::subscribe_confirmed(
            conn,
            &EmailAddress::try_from(p.as_str()).unwrap(),
            &Scope::All,
            Frequency::Immediate,
            Clock::system().now(),
        )
        .unwrap();
    }
    let item = regwatch::store::items::find_by_slug(conn, S321)
        .unwrap()
        .unwrap()
        .id;
    events::record(
        conn,
        item,
        &NewEvent {
            date: "2025-08-01".parse().unwrap(),
            status: Status::parse(Kind::Bill, "referred").unwrap(),
            note: "Referred to committee.".to_owned(),
            source: SourceUrl::try_from("https://www.congress.gov/").unwrap(),
            confidence: Confidence::High,
        },
        None,
        Clock::system().now(),
    )
    .unwrap();
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

/// Asserts that every message has a Date and a Message-ID of this site's
/// domain, no two the same.
fn assert_dated_and_named(messages: &[(String, Option<String>)]) {
    let mut ids = HashSet::new();
    for (id, date) in messages {
        let date = date
            .as_deref()
            .unwrap_or_else(|| panic!("{id} has no Date"));
        assert!(mailparse::dateparse(date).is_ok(), "Date: {date}");
        assert!(
            id.starts_with('<') && id.ends_with("@regwatch.example>"),
            "Message-ID: {id}"
        );
        assert!(ids.insert(id.clone()), "{id} used twice");
    }
}

/// A relay that takes 250 ms per message and a lease of 1.2 s: one worker
/// claims all twelve alerts and needs over three seconds to send them, while
/// a second one polls every 20 ms for claims that ran out. Each alert is
/// claimed once and sent once, to its subscriber.
async fn a_slow_relay_sends_each_alert_once(backend: Backend) {
    let smtp = SmtpServer::start_slow(StdDuration::from_millis(250));
    let Some(app) = app(backend).await else {
        return;
    };
    let mut conn = app.db();
    let people = alerts_for(&mut conn, 12);
    let settings = |s: &mut Settings| {
        s.smtp_url = Some(smtp.url());
        s.worker.lease = Duration::milliseconds(1200);
        s.worker.batch = 20;
        s.worker.poll = StdDuration::from_millis(20);
    };
    let a = worker(&app, settings).spawn();
    let b = worker(&app, settings).spawn();
    let start = Instant::now();
    while !all_deliveries(&mut conn)
        .iter()
        .all(|d| d.status == DeliveryStatus::Sent)
    {
        assert!(
            start.elapsed() < StdDuration::from_secs(30),
            "not all sent: {:?}",
            all_deliveries(&mut conn)
        );
        actix_web::rt::time::sleep(StdDuration::from_millis(25)).await;
    }
    a.stop();
    b.stop();

    let messages = smtp.messages();
    assert_eq!(
        messages.len(),
        people.len(),
        "{} alerts, {} messages",
        people.len(),
        messages.len()
    );
    for p in &people {
        let got = smtp.to(p);
        assert_eq!(got.len(), 1, "{p} got {} messages", got.len());
        assert_eq!(got[0].to, vec![p.clone()]);
        assert_eq!(got[0].header("To").as_deref(), Some(p.as_str()));
    }
    let attempts: Vec<i32> = all_deliveries(&mut conn)
        .iter()
        .map(|d| d.attempts)
        .collect();
    assert_eq!(
        attempts,
        vec![1; people.len()],
        "each alert claimed once: no claim ran out under the worker sending it"
    );
    let named: Vec<_> = messages
        .iter()
        .map(|m| (m.header("Message-ID").unwrap_or_default(), m.header("Date")))
        .collect();
    assert_dated_and_named(&named);
}
both_backends!(a_slow_relay_sends_each_alert_once);

/// A worker is in the middle of sending the first of its two alerts when
/// another claim takes both over: it does not send the second, and records
/// nothing over the new claim.
async fn a_worker_whose_claim_was_taken_over_neither_sends_nor_records(backend: Backend) {
    let smtp = SmtpServer::start_slow(StdDuration::from_secs(2));
    let Some(app) = app(backend).await else {
        return;
    };
    let mut conn = app.db();
    let people = alerts_for(&mut conn, 2);
    let lease = Duration::minutes(2);
    let w = worker(&app, |s| {
        s.smtp_url = Some(smtp.url());
        s.worker.lease = lease;
        // One at a time, so the second waits behind the first.
        s.worker.senders = 1;
    });
    let t0 = Clock::system().now();
    let round = std::thread::spawn(move || w.run_once(t0).unwrap());
    // The relay has the first message and makes the worker wait for its OK.
    let start = Instant::now();
    while smtp.messages().is_empty() {
        assert!(start.elapsed() < StdDuration::from_secs(10), "nothing sent");
        actix_web::rt::time::sleep(StdDuration::from_millis(5)).await;
    }
    let later = t0 + Duration::hours(1);
    let taken = deliveries::claim(&mut conn, later, lease, 10).unwrap();
    assert_eq!(taken.len(), 2, "both claims are taken over");

    let round = round.join().unwrap();
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "only the message in flight went out");
    assert_eq!(messages[0].to, vec![people[0].clone()]);
    assert_eq!((round.claimed, round.sent, round.taken_over), (2, 1, 1));
    // Both deliveries are as the new claim left them.
    let rows = all_deliveries(&mut conn);
    for (row, taken) in rows.iter().zip(&taken) {
        assert_eq!(row.status, DeliveryStatus::Sending);
        assert_eq!(row.attempts, 2);
        assert_eq!(row.claim_token, taken.claim_token);
        assert_eq!(row.lease_until, Some(later + lease));
    }
}
both_backends!(a_worker_whose_claim_was_taken_over_neither_sends_nor_records);

/// The store's side of a claim: once taken over, the old claim can no
/// longer extend, mark sent or mark failed; the new one can.
async fn a_stale_claim_changes_nothing(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let mut conn = app.db();
    alerts_for(&mut conn, 1);
    let lease = Duration::seconds(60);
    let t0 = Clock::system().now();
    let stale = deliveries::claim(&mut conn, t0, lease, 10)
        .unwrap()
        .remove(0);
    assert!(deliveries::hold(&mut conn, &stale, t0 + lease).unwrap());
    let t1 = t0 + lease;
    let fresh = deliveries::claim(&mut conn, t1, lease, 10)
        .unwrap()
        .remove(0);
    assert_eq!(fresh.id, stale.id);
    assert_ne!(fresh.claim_token, stale.claim_token);

    let token = stale.claim_token.as_deref().unwrap();
    assert_eq!(
        deliveries::renew(&mut conn, token, t1 + lease * 5).unwrap(),
        0
    );
    assert!(!deliveries::hold(&mut conn, &stale, t1 + lease * 5).unwrap());
    assert!(!deliveries::mark_sent(&mut conn, &stale, t1).unwrap());
    let failed = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    assert_eq!(
        deliveries::mark_attempt_failed(&mut conn, &stale, "refused", failed, t1).unwrap(),
        AfterFailure::NotHeld
    );
    let row = all_deliveries(&mut conn).remove(0);
    assert_eq!(
        (row.status.as_str(), row.attempts, row.lease_until),
        ("sending", 2, Some(t1 + lease))
    );
    assert_eq!(row.last_error, None);

    assert!(deliveries::hold(&mut conn, &fresh, t1 + lease * 2).unwrap());
    assert!(deliveries::mark_sent(&mut conn, &fresh, t1).unwrap());
    let row = all_deliveries(&mut conn).remove(0);
    assert_eq!((row.status.as_str(), row.sent_at), ("sent", Some(t1)));
}
both_backends!(a_stale_claim_changes_nothing);

/// The `.eml` files in the outbox folder, oldest first.
fn outbox_files(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Without SMTP every message is a file in the outbox, each with its own
/// Message-ID and a Date. A delivery sent again (as after a crash between
/// sending and recording) keeps its Message-ID, so the copy is recognisable.
async fn outbox_messages_are_named_and_dated(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let outbox = tempfile::tempdir().unwrap();
    let w = worker(&app, |s| s.outbox_dir = outbox.path().to_owned());
    let mut conn = app.db();
    alerts_for(&mut conn, 3);
    let t0 = Clock::system().now();
    assert_eq!(w.drain(t0).unwrap().sent, 3);

    let named = |files: Vec<Vec<u8>>| -> Vec<(String, Option<String>)> {
        files
            .iter()
            .map(|raw| {
                let parsed = mailparse::parse_mail(raw).unwrap();
                let header = |name: &str| {
                    parsed
                        .headers
                        .iter()
                        .find(|h| h.get_key().eq_ignore_ascii_case(name))
                        .map(|h| h.get_value())
                };
                (header("Message-ID").unwrap_or_default(), header("Date"))
            })
            .collect()
    };
    let first = named(outbox_files(outbox.path()));
    assert_eq!(first.len(), 3);
    assert_dated_and_named(&first);

    let again = all_deliveries(&mut conn).remove(0);
    {
        use regwatch::schema::deliveries as d;
        diesel::update(d::table.find(again.id))
            .set(d::status.eq("pending"))
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(w.drain(t0 + Duration::seconds(1)).unwrap().sent, 1);
    let all = named(outbox_files(outbox.path()));
    assert_eq!(all.len(), 4);
    let prefix = format!("<alert-{}.", again.id);
    let copies: Vec<_> = all
        .iter()
        .filter(|(id, _)| id.starts_with(&prefix))
        .collect();
    assert_eq!(copies.len(), 2, "{all:?}");
    assert_eq!(
        copies[0].0, copies[1].0,
        "the copy has the original's Message-ID"
    );
}
both_backends!(outbox_messages_are_named_and_dated);

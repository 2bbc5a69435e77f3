//! The outbox under faults: the SMTP server down when a change commits, a
//! worker that dies between claiming and sending, two workers sharing one
//! PostgreSQL queue, deliveries that fail for good and the operator's page.

mod common;

use chrono::Duration;
use common::smtp::SmtpServer;
use common::{texts, TestApp, PASSWORD};
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{
    Confidence, DeliveryId, EmailAddress, Frequency, Kind, Scope, SourceUrl, Status, SubscriptionId,
};
use regwatch::mail::Worker;
use regwatch::store::deliveries::{self, DeliveryRow, DeliveryStatus};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::subscriptions;
use regwatch::store::users::Role;

const BASE: &str = "https://regwatch.example";
const S321: &str = "us-s321-ai-decoupling-act";

fn configure(s: &mut Settings, smtp_url: String) {
    s.base_url = BASE.to_owned();
    s.smtp_url = Some(smtp_url);
}

async fn app(backend: Backend, smtp_url: String) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| configure(s, smtp_url)).await
}

fn worker(app: &TestApp, smtp_url: String, adjust: impl FnOnce(&mut Settings)) -> Worker {
    let mut settings = Settings::for_database(&app.database_url);
    configure(&mut settings, smtp_url);
    adjust(&mut settings);
    let pool = regwatch::db::connect(&app.database_url).expect("pool");
    Worker::new(pool, &settings).expect("worker")
}

fn follow_everything(conn: &mut DbConnection, email: &str) {
    subscriptions::subscribe_confirmed(
        conn,
        &EmailAddress::try_from(email).unwrap(),
        &Scope::All,
        Frequency::Immediate,
        Clock::system().now(),
    )
    .unwrap();
}

fn record_event(conn: &mut DbConnection, note: &str) {
    let id = regwatch::store::items::find_by_slug(conn, S321)
        .unwrap()
        .unwrap()
        .id;
    events::record(
        conn,
        id,
        &NewEvent {
            date: "2025-08-01".parse().unwrap(),
            status: Status::parse(Kind::Bill, "referred").unwrap(),
            note: note.to_owned(),
            source: SourceUrl::try_from("https://www.congress.gov/").unwrap(),
            confidence: Confidence::High,
        },
        None,
        Clock::system().now(),
    )
    .unwrap();
}

fn all_deliveries(conn: &mut DbConnection) -> Vec<DeliveryRow> {
    use regwatch::schema::deliveries as d;
    d::table
        .order(d::id.asc())
        .select(DeliveryRow::as_select())
        .load(conn)
        .unwrap()
}

async fn smtp_down_when_the_change_commits(backend: Backend) {
    let down = SmtpServer::reserve_port();
    let url = down.url();
    let Some(app) = app(backend, url.clone()).await else {
        return;
    };
    let worker = worker(&app, url, |_| {});
    let mut conn = app.db();
    follow_everything(&mut conn, "ana@example.org");
    record_event(&mut conn, "Sent while the server was down.");
    let t0 = Clock::system().now();

    // The change committed with its delivery, whatever the server does.
    let owed = all_deliveries(&mut conn);
    assert_eq!(owed.len(), 1);
    let round = worker.run_once(t0).unwrap();
    assert_eq!((round.sent, round.retrying), (0, 1));
    let d = &all_deliveries(&mut conn)[0];
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.attempts, 1);
    assert!(d.last_error.as_deref().unwrap().contains("SMTP"), "{d:?}");
    // Backoff: not due again at once.
    assert!(d.next_attempt_at > t0);
    assert_eq!(worker.run_once(t0).unwrap().claimed, 0);
    // Still down at the next attempt: the wait grows.
    let first_wait = d.next_attempt_at - t0;
    let t1 = d.next_attempt_at;
    worker.run_once(t1).unwrap();
    let d = &all_deliveries(&mut conn)[0];
    assert_eq!(d.attempts, 2);
    // Exponential with jitter: the first wait is 15-30 s (base 30 s), the
    // second 30-60 s.
    let second_wait = d.next_attempt_at - t1;
    assert!(
        first_wait >= Duration::seconds(15) && first_wait <= Duration::seconds(30),
        "{first_wait}"
    );
    assert!(
        second_wait >= Duration::seconds(30) && second_wait <= Duration::seconds(60),
        "{second_wait}"
    );

    // The server comes back: the next attempt delivers it, once.
    let smtp = SmtpServer::start_on_port(down);
    let round = worker.drain(d.next_attempt_at).unwrap();
    assert_eq!(round.sent, 1);
    let mail = smtp.to("ana@example.org");
    assert_eq!(mail.len(), 1);
    assert!(mail[0].text.contains("Sent while the server was down."));
    let d = &all_deliveries(&mut conn)[0];
    assert_eq!(d.status, DeliveryStatus::Sent);
    assert!(d.sent_at.is_some());
    worker.drain(d.next_attempt_at + Duration::days(1)).unwrap();
    assert_eq!(smtp.to("ana@example.org").len(), 1, "sent once");
}
both_backends!(smtp_down_when_the_change_commits);

async fn a_worker_dies_between_claim_and_send(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app(backend, smtp.url()).await else {
        return;
    };
    let lease = Duration::seconds(60);
    let worker = worker(&app, smtp.url(), |s| s.worker.lease = lease);
    let mut conn = app.db();
    follow_everything(&mut conn, "ben@example.org");
    record_event(&mut conn, "Claimed by a worker that died.");

    // A worker claims the delivery and dies before sending.
    let t0 = Clock::system().now();
    let claimed = deliveries::claim(&mut conn, t0, lease, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].status, DeliveryStatus::Sending);

    // While its lease holds, no other worker takes it.
    let round = worker.run_once(t0 + lease - Duration::seconds(1)).unwrap();
    assert_eq!(round.claimed, 0);
    assert!(smtp.messages().is_empty());

    // Once the lease has run out, another worker sends it.
    let round = worker.run_once(t0 + lease).unwrap();
    assert_eq!(round.sent, 1);
    let mail = smtp.to("ben@example.org");
    assert_eq!(mail.len(), 1);
    assert!(mail[0].text.contains("Claimed by a worker that died."));
    // The dead worker's claim is stale: it cannot mark the delivery again,
    // and nothing is sent twice.
    assert!(!deliveries::mark_sent(&mut conn, &claimed[0], t0).unwrap());
    worker.drain(t0 + Duration::days(1)).unwrap();
    assert_eq!(smtp.to("ben@example.org").len(), 1);
}
both_backends!(a_worker_dies_between_claim_and_send);

#[actix_web::test]
async fn two_workers_on_postgres_never_send_the_same_delivery() {
    let smtp = SmtpServer::start();
    let Some(app) = app(Backend::Postgres, smtp.url()).await else {
        return;
    };
    let mut conn = app.db();
    let people: Vec<String> = (0..60).map(|n| format!("p{n}@example.org")).collect();
    for p in &people {
        follow_everything(&mut conn, p);
    }
    record_event(&mut conn, "One change, sixty alerts.");
    assert_eq!(all_deliveries(&mut conn).len(), 60);

    let now = Clock::system().now();
    let run = |w: Worker| {
        std::thread::spawn(move || {
            let mut sent = 0;
            loop {
                let r = w.run_once(now).unwrap();
                sent += r.sent;
                if r.claimed == 0 {
                    return sent;
                }
            }
        })
    };
    let small_batches = |s: &mut Settings| s.worker.batch = 3;
    let a = run(worker(&app, smtp.url(), small_batches));
    let b = run(worker(&app, smtp.url(), small_batches));
    let (sent_a, sent_b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!(sent_a + sent_b, 60);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 60, "sixty emails, no duplicates");
    for p in &people {
        assert_eq!(smtp.to(p).len(), 1, "{p} got exactly one");
    }
    assert!(all_deliveries(&mut conn)
        .iter()
        .all(|d| d.status == DeliveryStatus::Sent && d.attempts == 1));
}

async fn failing_deliveries_show_on_the_admin_page(backend: Backend) {
    let down = SmtpServer::reserve_port();
    let url = down.url();
    let Some(app) = app(backend, url.clone()).await else {
        return;
    };
    let worker = worker(&app, url, |s| s.worker.retry.max_attempts = 3);
    let mut conn = app.db();
    follow_everything(&mut conn, "cleo@example.org");
    record_event(&mut conn, "Never delivered on its own.");

    // Three attempts, then it is failed and left alone.
    let mut at = Clock::system().now();
    for _ in 0..3 {
        worker.run_once(at).unwrap();
        at += Duration::hours(2);
    }
    let d = all_deliveries(&mut conn).remove(0);
    assert_eq!((d.status.as_str(), d.attempts), ("failed", 3));
    assert_eq!(worker.run_once(at + Duration::days(30)).unwrap().claimed, 0);

    // Admins only: anonymous visitors are sent to sign in, editors refused.
    let anonymous = app.browser();
    let res = anonymous.get("/admin/deliveries").await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap().starts_with("/login"));
    let editor = app.editor("ed@example.org").await;
    assert_eq!(editor.get("/admin/deliveries").await.status, 403);
    let res = editor
        .post(
            &format!("/admin/deliveries/{}/retry", d.id),
            &[("csrf_token", "x")],
        )
        .await;
    assert_eq!(res.status, 403);

    app.create_user("root@example.org", PASSWORD, Role::Admin);
    let admin = app.browser();
    assert_eq!(
        admin.sign_in("root@example.org", PASSWORD).await.status,
        303
    );
    let page = admin.get("/admin/deliveries").await;
    assert_eq!(page.status, 200);
    let row = texts(&page.body, "tr.delivery");
    assert_eq!(row.len(), 1, "{}", page.body);
    assert!(row[0].contains("failed"), "{row:?}");
    assert!(
        row[0].contains("c***@example.org"),
        "addresses are masked: {row:?}"
    );
    assert!(texts(&page.body, ".last-error")[0].contains("SMTP"));
    // The retry form needs the session's CSRF token.
    let retry = format!("/admin/deliveries/{}/retry", d.id);
    assert_eq!(
        admin.post(&retry, &[("csrf_token", "forged")]).await.status,
        403
    );
    assert_eq!(all_deliveries(&mut conn)[0].status, DeliveryStatus::Failed);

    // Retry from the page once the server is back.
    let smtp = SmtpServer::start_on_port(down);
    let token = admin.csrf("/admin/deliveries").await;
    let res = admin.post(&retry, &[("csrf_token", &token)]).await;
    assert_eq!(res.status, 303);
    let page = admin.get("/admin/deliveries").await;
    assert!(page.body.contains("is queued again"));
    let d2 = all_deliveries(&mut conn).remove(0);
    assert_eq!((d2.status.as_str(), d2.attempts), ("pending", 0));
    worker
        .drain(Clock::system().now() + Duration::seconds(1))
        .unwrap();
    assert_eq!(smtp.to("cleo@example.org").len(), 1);
    let page = admin.get("/admin/deliveries").await;
    assert!(texts(&page.body, "tr.delivery").is_empty());
    assert!(page.body.contains("Every email has been sent."));
    // Retrying what is sent, or nothing, is a 404.
    for id in [d.id.to_string(), "999999".to_owned(), "x".to_owned()] {
        let res = admin
            .post(
                &format!("/admin/deliveries/{id}/retry"),
                &[("csrf_token", &token)],
            )
            .await;
        assert_eq!(res.status, 404, "{id}");
    }
}
both_backends!(failing_deliveries_show_on_the_admin_page);

/// Without an SMTP server configured, mail goes to the outbox folder.
#[actix_web::test]
async fn without_smtp_emails_are_written_to_the_outbox_folder() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_owned();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.base_url = BASE.to_owned();
        s.outbox_dir = dir.clone();
        s.run_worker = true;
        s.worker.poll = std::time::Duration::from_millis(20);
    })
    .await
    else {
        return;
    };
    let res = app
        .client
        .post(app.url("/subscriptions"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("email=dora%40example.org&scope=kind%3Abill&frequency=immediate")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let start = std::time::Instant::now();
    let file = loop {
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        if let Some(f) = files.first() {
            break f.clone();
        }
        assert!(start.elapsed().as_secs() < 10, "no .eml file appeared");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    let raw = std::fs::read(&file).unwrap();
    let parsed = mailparse::parse_mail(&raw).unwrap();
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(text.contains("dora@example.org"));
    assert!(text.contains(&format!("{BASE}/subscriptions/confirm/")));
    let mut conn = app.db();
    let d = all_deliveries(&mut conn).remove(0);
    assert_eq!(d.status, DeliveryStatus::Sent);
}

/// The claim itself, hammered by four workers at once: every delivery is
/// claimed by exactly one of them.
#[actix_web::test]
async fn concurrent_claims_on_postgres_are_disjoint() {
    let Some(app) = app(Backend::Postgres, "smtp://127.0.0.1:9?tls=none".to_owned()).await else {
        return;
    };
    let mut conn = app.db();
    follow_everything(&mut conn, "queue@example.org");
    let subscription: SubscriptionId = {
        use regwatch::schema::subscriptions as s;
        s::table.select(s::id).first(&mut conn).unwrap()
    };
    let now = Clock::system().now();
    conn.transaction(|c| {
        for _ in 0..400 {
            deliveries::enqueue_confirmation(c, subscription, now)?;
        }
        Ok::<_, regwatch::db::DbError>(())
    })
    .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = app.database_url.clone();
            std::thread::spawn(move || {
                let mut conn = DbConnection::open(&url).unwrap();
                let mut ids = Vec::new();
                loop {
                    let got = deliveries::claim(&mut conn, now, Duration::minutes(5), 2).unwrap();
                    if got.is_empty() {
                        return ids;
                    }
                    ids.extend(got.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let mut all: Vec<DeliveryId> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!(claimed, 400, "each delivery claimed once, none twice");
    assert_eq!(all.len(), 400);
}

async fn unconfirmed_subscriptions_are_forgotten_after_a_week(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    let t0 = Clock::system().now();
    subscriptions::subscribe(
        &mut conn,
        &EmailAddress::try_from("late@example.org").unwrap(),
        &Scope::All,
        Frequency::Immediate,
        "127.0.0.1",
        Default::default(),
        t0,
    )
    .unwrap();
    follow_everything(&mut conn, "kept@example.org");
    worker.drain(t0).unwrap();
    let mail = smtp.to("late@example.org");
    assert_eq!(mail.len(), 1);
    let confirm = mail[0]
        .link(&format!("{BASE}/subscriptions/confirm/"))
        .trim_start_matches(BASE)
        .to_owned();
    let count = |conn: &mut DbConnection| -> i64 {
        use regwatch::schema::subscriptions as s;
        s::table.count().get_result(conn).unwrap()
    };

    worker.run_once(t0 + Duration::days(6)).unwrap();
    assert_eq!(count(&mut conn), 2, "a week to confirm");
    app.page(&confirm, 200).await;

    worker.run_once(t0 + Duration::days(8)).unwrap();
    assert_eq!(count(&mut conn), 1, "the unconfirmed one is forgotten");
    assert_eq!(app.get(&confirm).await.status().as_u16(), 404);

    // Records of sent emails are kept for 90 days.
    record_event(&mut conn, "An alert for the one who stayed.");
    worker.drain(t0 + Duration::days(8)).unwrap();
    assert_eq!(smtp.to("kept@example.org").len(), 1);
    assert_eq!(all_deliveries(&mut conn).len(), 1);
    worker.run_once(t0 + Duration::days(97)).unwrap();
    assert_eq!(all_deliveries(&mut conn).len(), 1);
    worker.run_once(t0 + Duration::days(99)).unwrap();
    assert!(all_deliveries(&mut conn).is_empty());
}
both_backends!(unconfirmed_subscriptions_are_forgotten_after_a_week);

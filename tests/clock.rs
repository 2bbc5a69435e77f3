//! The application's clock: one precision on both backends, and a fixed
//! clock a test moves on to see what the real app does a day later.

mod common;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::smtp::SmtpServer;
use common::TestApp;
use regwatch::clock::Clock;
use regwatch::db::Backend;
use regwatch::domain::{EmailAddress, Frequency, Scope};
use regwatch::store::deliveries;
use regwatch::store::subscriptions;

/// A Monday morning years from now, to the microsecond: a time the
/// system clock does not reach while the tests run.
fn monday() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2031, 3, 3)
        .unwrap()
        .and_hms_micro_opt(9, 0, 0, 123_456)
        .unwrap()
}

/// A delivery queued at a time is due at that very microsecond, not one
/// before, and reads back with the time it was stored with.
async fn a_stored_time_reads_back_and_compares_to_the_microsecond(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut conn = app.db();
    let now = Clock::fixed(monday()).now();
    let jane = EmailAddress::try_from("jane@example.org").unwrap();
    subscriptions::subscribe(
        &mut conn,
        &jane,
        &Scope::All,
        Frequency::Immediate,
        "127.0.0.1",
        Default::default(),
        now,
    )
    .unwrap();
    let lease = Duration::minutes(1);
    let early = deliveries::claim(&mut conn, now - Duration::microseconds(1), lease, 10).unwrap();
    assert!(early.is_empty(), "claimed a microsecond early: {early:?}");
    let due = deliveries::claim(&mut conn, now, lease, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].created_at, now);
    assert_eq!(due[0].next_attempt_at, now);
    assert_eq!(due[0].lease_until, Some(now + lease));
}
both_backends!(a_stored_time_reads_back_and_compares_to_the_microsecond);

/// The app and its worker keep the time the test sets: an event recorded
/// through the site on Monday is in the daily digest once the clock has
/// moved on to Tuesday, dated Monday.
async fn a_daily_digest_goes_out_when_the_app_clock_reaches_the_next_day(backend: Backend) {
    let smtp = SmtpServer::start();
    let clock = Clock::fixed(monday());
    let app_clock = clock.clone();
    let smtp_url = smtp.url();
    let Some(app) = TestApp::spawn_with(backend, move |s| {
        s.clock = app_clock;
        s.smtp_url = Some(smtp_url);
        s.run_worker = true;
        s.worker.poll = std::time::Duration::from_millis(20);
    })
    .await
    else {
        return;
    };
    subscriptions::subscribe_confirmed(
        &mut app.db(),
        &EmailAddress::try_from("ana@example.org").unwrap(),
        &Scope::All,
        Frequency::Daily,
        clock.now(),
    )
    .unwrap();
    let editor = app.editor("editor@example.org").await;
    let recorded = editor
        .submit(
            "/items/us-s321-ai-decoupling-act/events/new",
            &[
                ("date", "2025-03-01"),
                ("precision", "day"),
                ("status", "referred"),
                ("note", "Referred to the Committee on Commerce."),
                ("source_url", "https://www.congress.gov/"),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);

    // Monday still: a few worker rounds pass and no digest is due.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(smtp.to("ana@example.org").is_empty());

    clock.advance(Duration::days(1));
    let mail = smtp.wait_for("ana@example.org", 1).await;
    assert_eq!(
        mail[0].subject,
        "Your daily regwatch digest: 1 change to 1 item"
    );
    assert!(
        mail[0]
            .text
            .contains("from 3 March 2031 09:00 UTC to 4 March 2031 09:00 UTC"),
        "{}",
        mail[0].text
    );
    assert!(
        mail[0]
            .text
            .contains("New status event (3 March 2031 09:00 UTC)"),
        "{}",
        mail[0].text
    );
}
both_backends!(a_daily_digest_goes_out_when_the_app_clock_reaches_the_next_day);

//! Digests and HTML mail: a digest holds each change of its period once,
//! and item fields are escaped in HTML mail.

mod common;

use chrono::Duration;
use common::alerts::{app_without_worker, confirmed, edit_title, record_event, worker};
use common::smtp::{Mail, SmtpServer};
use regwatch::clock::Clock;
use regwatch::db::Backend;
use regwatch::domain::{Frequency, Kind, Scope};

const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";

async fn a_digest_holds_each_change_of_its_period_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_without_worker(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    let start = Clock::system().now();
    confirmed(
        &mut conn,
        "daily@example.org",
        Scope::Tag("ai".try_into().unwrap()),
        Frequency::Daily,
    );
    confirmed(
        &mut conn,
        "weekly@example.org",
        Scope::Jurisdiction("CN".try_into().unwrap()),
        Frequency::Weekly,
    );

    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-06-01",
        "referred",
        "First change.",
    );
    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-06-02",
        "under-review",
        "Second change.",
    );
    edit_title(&mut conn, S321, "Third change title");
    // Before the period ends, nothing is sent.
    worker.drain(start + Duration::hours(23)).unwrap();
    assert!(smtp.to("daily@example.org").is_empty());

    worker
        .drain(start + Duration::days(1) + Duration::seconds(1))
        .unwrap();
    let first = smtp.to("daily@example.org");
    assert_eq!(first.len(), 1, "one digest for the first day");
    let digest = &first[0];
    assert_eq!(
        digest.subject,
        "Your daily regwatch digest: 3 changes to 2 items"
    );
    // The edited title also heads its item's section, so count the change
    // itself.
    for note in ["First change.", "Second change.", "now: Third change title"] {
        assert_eq!(
            digest.text.matches(note).count(),
            1,
            "{note} once in:\n{}",
            digest.text
        );
    }
    for note in [
        "First change.",
        "Second change.",
        "<ins>Third change title</ins>",
    ] {
        assert_eq!(
            digest.html.matches(note).count(),
            1,
            "{note} once in the HTML"
        );
    }
    assert!(digest.header("List-Unsubscribe").is_some());

    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-06-03",
        "announced",
        "Fourth change.",
    );
    worker
        .drain(start + Duration::days(2) + Duration::seconds(2))
        .unwrap();
    let second = smtp.to("daily@example.org");
    assert_eq!(second.len(), 2, "one digest for the second day");
    assert_eq!(
        second[1].subject,
        "Your daily regwatch digest: 1 change to 1 item"
    );
    assert!(second[1].text.contains("Fourth change."));
    for note in ["First change.", "Second change.", "now: Third change title"] {
        assert!(
            !second[1].text.contains(note),
            "{note} was in the first digest already"
        );
    }
    // A day without changes sends nothing.
    worker
        .drain(start + Duration::days(3) + Duration::seconds(3))
        .unwrap();
    assert_eq!(smtp.to("daily@example.org").len(), 2);

    // The weekly subscriber gets its week at once: the Apple changes only.
    assert!(smtp.to("weekly@example.org").is_empty());
    worker
        .drain(start + Duration::days(7) + Duration::seconds(4))
        .unwrap();
    let weekly = smtp.to("weekly@example.org");
    assert_eq!(weekly.len(), 1);
    assert_eq!(
        weekly[0].subject,
        "Your weekly regwatch digest: 2 changes to 1 item"
    );
    assert!(weekly[0].text.contains("Second change.") && weekly[0].text.contains("Fourth change."));
    assert!(!weekly[0].text.contains("First change."));
}
both_backends!(a_digest_holds_each_change_of_its_period_once);

// ----------------------------------------------------------- HTML escaping

async fn item_fields_are_escaped_in_html_mail(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_without_worker(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    confirmed(
        &mut conn,
        "esc@example.org",
        Scope::All,
        Frequency::Immediate,
    );
    let hostile = "<script>alert('x')</script> & <b>bold</b>";
    edit_title(&mut conn, APPLE, hostile);
    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-07-01",
        "announced",
        "<img src=x onerror=alert(1)>",
    );
    worker.drain(Clock::system().now()).unwrap();
    let mails: Vec<Mail> = smtp.to("esc@example.org");
    assert_eq!(mails.len(), 2);
    for m in &mails {
        assert!(!m.html.contains("<script>"), "{}", m.html);
        assert!(!m.html.contains("<b>bold"), "{}", m.html);
        assert!(!m.html.contains("<img"), "{}", m.html);
        assert!(m.html.contains("&lt;script&gt;"));
        // The text body is not HTML: it shows the characters as typed.
        assert!(m.text.contains(hostile), "{}", m.text);
    }
    assert!(mails[1].html.contains("&lt;img src"), "{}", mails[1].html);
    assert!(mails[1].text.contains("<img src=x onerror=alert(1)>"));
}
both_backends!(item_fields_are_escaped_in_html_mail);

//! Milestones as editors and readers meet them: the add, correct and remove
//! forms with their validation, revisions and alerts; the starter data's
//! milestones; the item page's "What's next".

mod common;

use chrono::{Days, NaiveDate, NaiveDateTime};
use common::smtp::SmtpServer;
use common::{form_fields, texts, with, TestApp};
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::db::Backend;
use regwatch::domain::{EmailAddress, Frequency, Scope};
use regwatch::store::subscriptions;

const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";
const BIS: &str = "us-bis-ai-diffusion-rule";
const SOURCE: &str = "https://www.federalregister.gov/documents/2026/11/01/example";

/// The day the app's clock stands on: before the starter data's
/// milestones ahead (3 January and 13 March 2027), after the BIS rule's
/// compliance date (15 May 2025).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn now() -> NaiveDateTime {
    today().and_hms_opt(9, 0, 0).unwrap()
}

/// The app on a clock fixed at [`now`].
async fn app(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| s.clock = Clock::fixed(now())).await
}

fn in_days(days: u64) -> String {
    (today() + Days::new(days)).to_string()
}

fn milestone<'a>(kind: &'a str, date: &'a str, precision: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", kind),
        ("date", date),
        ("precision", precision),
        ("note", "Hearing set by the committee chair."),
        ("source_url", SOURCE),
        ("confidence", "high"),
    ]
}

/// The ids of the item page's "What's next" entries, and their texts.
fn whats_next(html: &str) -> Vec<String> {
    texts(html, "ul.milestones:not(.passed) li.milestone")
}

async fn editors_add_correct_and_remove_milestones(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let editor = app.editor("ed@example.org").await;
    let new = format!("/items/{OUTBOUND}/milestones/new");
    let before = app.count("milestones");

    // Bad input: each wrong field says why, the input is kept, nothing stored.
    let bad = editor
        .submit(
            &new,
            &[
                ("kind", "deadline"),
                ("date", "2027-02-30"),
                ("precision", "day"),
                ("note", "Kept as typed"),
                ("source_url", "ftp://example.org"),
                ("confidence", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let errors = texts(&bad.body, "p.error");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("milestone kind \"deadline\"; expected one of")),
        "{errors:?}"
    );
    assert_eq!(
        errors.len(),
        4,
        "kind, date, source and confidence: {errors:?}"
    );
    assert!(bad.body.contains("Kept as typed"));
    assert_eq!(app.count("milestones"), before);

    // A hearing in ten days.
    let date = in_days(10);
    let added = editor
        .submit(&new, &milestone("hearing", &date, "day"))
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = editor.get(&format!("/items/{OUTBOUND}")).await.body;
    assert!(page.contains("Milestone added: Hearing on"), "flash");
    let next = whats_next(&page);
    let hearing = next
        .iter()
        .find(|t| t.contains("Hearing"))
        .unwrap_or_else(|| panic!("the hearing is listed: {next:?}"));
    assert!(hearing.contains("in 10 days"), "{hearing}");
    assert!(hearing.contains("Hearing set by the committee chair."));

    // Corrected: moved to a month only; the form comes filled in.
    let id: i32 = {
        use regwatch::schema::milestones as m;
        m::table
            .filter(m::kind.eq("hearing"))
            .select(m::id)
            .first(&mut app.db())
            .unwrap()
    };
    let edit = format!("/items/{OUTBOUND}/milestones/{id}/edit");
    let form = editor.get(&edit).await.body;
    let fields = form_fields(&form, &edit);
    assert!(
        fields.contains(&("date".to_owned(), date.clone())),
        "{fields:?}"
    );
    let month = "2031-05";
    let moved = editor
        .post_fields(
            &edit,
            &with(with(fields.clone(), "date", month), "precision", "month"),
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let page = editor.get(&format!("/items/{OUTBOUND}")).await.body;
    let next = whats_next(&page);
    let hearing = next.iter().find(|t| t.contains("Hearing")).unwrap();
    assert!(hearing.contains("May 2031"), "{hearing}");
    assert!(hearing.contains("month only"), "{hearing}");
    assert!(
        hearing.contains("known only to the month"),
        "the countdown says the day is not known: {hearing}"
    );

    // A wrong correction is refused like a wrong addition.
    let refused = editor
        .post_fields(&edit, &with(fields, "date", "2031-13-01"))
        .await;
    assert_eq!(refused.status, 422);

    // Removed with a reason: gone from the page, kept in the history.
    let remove = format!("/items/{OUTBOUND}/milestones/{id}/remove");
    let no_reason = editor.submit(&remove, &[("reason", "")]).await;
    assert_eq!(no_reason.status, 422);
    let removed = editor
        .submit(&remove, &[("reason", "Hearing postponed indefinitely.")])
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    let page = editor.get(&format!("/items/{OUTBOUND}")).await.body;
    assert!(!whats_next(&page).iter().any(|t| t.contains("Hearing")));
    assert_eq!(
        editor.get(&edit).await.status,
        404,
        "a removed milestone is gone"
    );

    let history = editor.get(&format!("/items/{OUTBOUND}/history")).await.body;
    for said in [
        "Added a milestone",
        "Corrected a milestone",
        "Removed a milestone",
        "Hearing postponed indefinitely.",
    ] {
        assert!(history.contains(said), "history says {said}");
    }
}

both_backends!(editors_add_correct_and_remove_milestones);

async fn readers_see_no_milestone_controls_and_cannot_post(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let reader = app.browser();
    let page = reader.get(&format!("/items/{S321}")).await.body;
    assert!(!page.contains("Add milestone"));
    let before = app.count("milestones");
    let answer = reader
        .post(
            &format!("/items/{S321}/milestones/new"),
            &milestone("vote", "2027-01-01", "day"),
        )
        .await;
    assert_eq!(answer.status, 303);
    assert!(answer.location.unwrap().starts_with("/login"));
    assert_eq!(app.count("milestones"), before);
    assert_eq!(
        reader
            .get(&format!("/items/{S321}/milestones/9999/edit"))
            .await
            .status,
        303
    );
}

both_backends!(readers_see_no_milestone_controls_and_cannot_post);

async fn the_starter_milestones_are_loaded_and_shown(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    // S.321 dies with the 119th Congress.
    let page = app.page(&format!("/items/{S321}"), 200).await;
    let next = whats_next(&page);
    assert!(
        next.iter()
            .any(|t| t.contains("3 January 2027") && t.contains("End of session")),
        "{next:?}"
    );
    // The COINS Act deadline, with how it was computed.
    let page = app.page(&format!("/items/{OUTBOUND}"), 200).await;
    let next = whats_next(&page);
    assert!(
        next.iter().any(|t| t.contains("13 March 2027")
            && t.contains("Statutory deadline")
            && t.contains("2025-12-18 + 450 days")),
        "{next:?}"
    );
    // The BIS rule's compliance date has passed: a scheduled point, listed
    // apart from the events, and it does not change the status.
    let page = app.page(&format!("/items/{BIS}"), 200).await;
    let passed = texts(&page, "ul.milestones.passed li");
    assert!(
        passed
            .iter()
            .any(|t| t.contains("15 May 2025") && t.contains("scheduled; date passed")),
        "{passed:?}"
    );
    let status = texts(&page, ".current strong");
    assert!(
        !status.iter().any(|s| s.contains("Compliance")),
        "{status:?}"
    );

    // Loading the data again adds nothing.
    let before = app.count("milestones");
    let report = regwatch::seed::load(&mut app.db(), regwatch::seed::STARTER_DATA, now()).unwrap();
    assert_eq!(
        (report.milestones_added, report.milestones_corrected),
        (0, 0)
    );
    assert_eq!(app.count("milestones"), before);
}

both_backends!(the_starter_milestones_are_loaded_and_shown);

async fn subscribed_app(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let url = smtp.url();
    let app = TestApp::spawn_with(backend, |s| {
        s.clock = Clock::fixed(now());
        s.base_url = "https://regwatch.example".to_owned();
        s.smtp_url = Some(url);
        s.worker.poll = std::time::Duration::from_millis(20);
        s.run_worker = true;
    })
    .await?;
    let mut conn = app.db();
    let item = regwatch::store::items::find_by_slug(&mut conn, OUTBOUND)
        .unwrap()
        .unwrap();
    subscriptions::subscribe_confirmed(
        &mut conn,
        &EmailAddress::try_from("jane@example.org").unwrap(),
        &Scope::Item(item.id),
        Frequency::Immediate,
        now(),
    )
    .unwrap();
    Some(app)
}

async fn milestone_changes_alert_subscribers(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = subscribed_app(backend, &smtp).await else {
        return;
    };
    let editor = app.editor("ed@example.org").await;
    let added = editor
        .submit(
            &format!("/items/{OUTBOUND}/milestones/new"),
            &milestone("comment-deadline", "2031-06", "month"),
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let mail = smtp.wait_for("jane@example.org", 1).await.remove(0);
    assert!(
        mail.subject.contains("Comment deadline"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text
            .contains("Scheduled: Comment deadline, June 2031 (known to the month)."),
        "{}",
        mail.text
    );

    let id: i32 = {
        use regwatch::schema::milestones as m;
        m::table
            .filter(m::kind.eq("comment-deadline"))
            .select(m::id)
            .first(&mut app.db())
            .unwrap()
    };
    let edit = format!("/items/{OUTBOUND}/milestones/{id}/edit");
    let fields = form_fields(&editor.get(&edit).await.body, &edit);
    let moved = editor
        .post_fields(
            &edit,
            &with(with(fields, "date", "2031-07-15"), "precision", "day"),
        )
        .await;
    assert_eq!(moved.status, 303);
    let mail = smtp.wait_for("jane@example.org", 2).await.remove(1);
    assert!(
        mail.text.contains("Now: Comment deadline, 15 July 2031."),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("was: 2031-06"), "{}", mail.text);

    let removed = editor
        .submit(
            &format!("/items/{OUTBOUND}/milestones/{id}/remove"),
            &[("reason", "Comment period withdrawn.")],
        )
        .await;
    assert_eq!(removed.status, 303);
    let mail = smtp.wait_for("jane@example.org", 3).await.remove(2);
    assert!(
        mail.text
            .contains("Removed: Comment deadline, 15 July 2031."),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("Reason: Comment period withdrawn."));
}

both_backends!(milestone_changes_alert_subscribers);

async fn upcoming_lists_what_is_ahead_by_month_with_filters(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let html = app.page("/upcoming", 200).await;
    let months = texts(&html, "section.month h2");
    assert_eq!(
        months,
        ["January 2027", "March 2027"],
        "passed ones are left out"
    );
    let entries = texts(&html, "li.milestone");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries[0].contains("End of session") && entries[0].contains("S.321"));
    assert!(entries[0].contains("33 days left"), "{}", entries[0]);
    assert!(entries[1].contains("Statutory deadline"));
    assert_eq!(
        common::attrs(&html, ".calendar-link a", "href"),
        ["/calendar.ics"]
    );

    // The timeline's filters.
    let html = app.page("/upcoming?kind=regulation", 200).await;
    let entries = texts(&html, "li.milestone");
    assert_eq!(entries.len(), 1);
    assert!(entries[0].contains("Treasury Outbound Investment Rule"));
    assert_eq!(
        common::attrs(&html, ".calendar-link a", "href"),
        ["/calendar.ics?kind=regulation"]
    );
    let html = app.page("/upcoming?tag=quantum", 200).await;
    assert_eq!(texts(&html, "li.milestone").len(), 1);
    let html = app.page("/upcoming?jurisdiction=CN", 200).await;
    assert!(texts(&html, "li.milestone").is_empty());
    assert!(html.contains("No milestones ahead match these filters."));
    let html = app.page("/upcoming?q=decoupling", 200).await;
    assert_eq!(texts(&html, "li.milestone").len(), 1);
    app.page("/upcoming?kind=treaty", 400).await;

    // "Coming up" on `/`, filtered alike.
    let html = app.page("/", 200).await;
    let box_ = texts(&html, ".coming-up li");
    assert_eq!(box_.len(), 2, "{box_:?}");
    assert!(box_[0].contains("3 January 2027") && box_[0].contains("End of session"));
    assert_eq!(
        common::attrs(&html, ".coming-up p a", "href"),
        ["/upcoming"]
    );
    let html = app.page("/?jurisdiction=CN", 200).await;
    assert!(texts(&html, ".coming-up li").is_empty());

    // The item page draws its milestones as flags beyond the events.
    let html = app.page(&format!("/items/{OUTBOUND}"), 200).await;
    let flags = texts(&html, ".timeline-chart .milestone-flag title");
    assert_eq!(flags, ["Scheduled: Statutory deadline, 13 March 2027"]);
    assert!(html.contains("Milestone: a scheduled date, not an event"));
}

both_backends!(upcoming_lists_what_is_ahead_by_month_with_filters);

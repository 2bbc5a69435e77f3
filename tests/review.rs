//! The review queue through the running app: editors see what the
//! official sources propose with what it would change, accept it (recorded
//! and alerted once, through the real SMTP sink), edit then accept it, or
//! reject it (never proposed again); readers see none of it.

mod common;

use common::alerts::everything_sent;
use common::smtp::SmtpServer;
use common::sources::{official_sources, sources_config};
use common::{attrs, form_fields, texts, with, TestApp};
use regwatch::clock::Clock;
use regwatch::connectors::sync::{self, SyncOptions};
use regwatch::connectors::SourcesConfig;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{EmailAddress, Frequency, ProposalState, Scope};
use regwatch::store::proposals::{self, ProposalRow};
use regwatch::store::{items, subscriptions};

const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";

async fn app_with_worker(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let url = smtp.url();
    TestApp::spawn_with(backend, |s| {
        s.base_url = "https://regwatch.example".to_owned();
        s.smtp_url = Some(url);
        s.worker.poll = std::time::Duration::from_millis(20);
        s.run_worker = true;
    })
    .await
}

async fn sync_all(conn: &mut DbConnection, config: &SourcesConfig) {
    let report = sync::run(conn, config, &SyncOptions::default(), Clock::system().now())
        .await
        .unwrap();
    assert_eq!(report.failures(), 0, "{report:?}");
}

fn proposals_of(conn: &mut DbConnection, slug: &str) -> Vec<ProposalRow> {
    let item = items::find_by_slug(conn, slug).unwrap().unwrap();
    proposals::for_item(conn, item.id).unwrap()
}

async fn accepting_records_and_alerts_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_worker(backend, &smtp).await else {
        return;
    };
    let server = official_sources().await;
    let mut conn = app.db();
    let s321 = items::find_by_slug(&mut conn, S321).unwrap().unwrap();
    subscriptions::subscribe_confirmed(
        &mut conn,
        &EmailAddress::try_from("jane@example.org").unwrap(),
        &Scope::Item(s321.id),
        Frequency::Immediate,
        Clock::system().now(),
    )
    .unwrap();
    sync_all(&mut conn, &sources_config(&server)).await;

    let editor = app.editor("ed@example.org").await;
    let page = editor.get("/review").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        texts(&page.body, "nav a[href=\"/review\"]"),
        ["Review (5 pending)"]
    );
    let referral = proposals_of(&mut conn, S321).remove(0);
    let card = format!("#proposal-{}", referral.id);
    assert_eq!(texts(&page.body, &format!("{card} h2")), vec![s321.title]);
    assert_eq!(
        texts(&page.body, &format!("{card} .proposed")),
        ["Congress.gov proposes a status event: Referred to committee on 29 January 2025"]
    );
    assert_eq!(
        texts(&page.body, &format!("{card} .change")),
        ["Introduced → Referred to committee"]
    );
    assert_eq!(
        texts(&page.body, &format!("{card} .raw")),
        ["Read twice and referred to the Committee on the Judiciary."]
    );
    assert_eq!(
        attrs(&page.body, &format!("{card} .official a"), "href"),
        ["https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions"]
    );
    // A milestone proposal says the status stays.
    let effective = proposals_of(&mut conn, OUTBOUND).remove(0);
    assert_eq!(
        texts(&page.body, &format!("#proposal-{} .change", effective.id)),
        ["A milestone ahead: the status does not change"]
    );

    let token = editor.csrf("/review").await;
    let accept = format!("/review/{}/accept", referral.id);
    let events_before = app.count("status_events");
    let a = editor.post(&accept, &[("csrf_token", &token)]).await;
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/review")));
    let page = editor.get("/review").await.body;
    assert!(page.contains("Accepted: recorded on the item"), "{page}");
    assert!(!page.contains(&format!("proposal-{}\"", referral.id)));
    assert_eq!(
        texts(&page, "nav a[href=\"/review\"]"),
        ["Review (4 pending)"]
    );
    assert_eq!(app.count("status_events"), events_before + 1);
    let item_page = app.page(&format!("/items/{S321}"), 200).await;
    assert!(item_page.contains("Referred to committee"));
    let history = app.page(&format!("/items/{S321}/history"), 200).await;
    assert!(history.contains("Read twice and referred to the Committee on the Judiciary."));

    // Accepting again records nothing and alerts no one.
    let a = editor.post(&accept, &[("csrf_token", &token)]).await;
    assert_eq!(a.status, 303);
    assert!(editor
        .get("/review")
        .await
        .body
        .contains("already accepted"));
    assert_eq!(app.count("status_events"), events_before + 1);
    let mails = smtp.wait_for("jane@example.org", 1).await;
    everything_sent(&mut conn).await;
    assert_eq!(smtp.to("jane@example.org").len(), 1);
    assert!(
        mails[0].text.contains("Referred to committee"),
        "{}",
        mails[0].text
    );
    let row = proposals::find(&mut conn, referral.id).unwrap().unwrap().0;
    assert_eq!(row.state, ProposalState::Accepted);
    assert!(row.decided_by.is_some() && row.decided_at.is_some());
}
both_backends!(accepting_records_and_alerts_once);

both_backends!(a_rejected_proposal_leaves_the_queue_for_good, |app| {
    let server = official_sources().await;
    let config = sources_config(&server);
    let mut conn = app.db();
    sync_all(&mut conn, &config).await;
    let referral = proposals_of(&mut conn, S321).remove(0);
    let editor = app.editor("ed@example.org").await;
    let token = editor.csrf("/review").await;
    let a = editor
        .post(
            &format!("/review/{}/reject", referral.id),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(a.status, 303);
    let events = app.count("status_events");
    sync_all(&mut conn, &config).await;
    let page = editor.get("/review").await.body;
    assert!(!page.contains(&format!("proposal-{}\"", referral.id)));
    assert!(!page.contains("Read twice and referred"), "{page}");
    assert_eq!(app.count("proposals"), 5);
    assert_eq!(app.count("status_events"), events);
    // Accepting a rejected proposal records nothing.
    let a = editor
        .post(
            &format!("/review/{}/accept", referral.id),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(app.count("status_events"), events);
});

both_backends!(edit_then_accept_records_what_the_editor_wrote, |app| {
    let server = official_sources().await;
    let mut conn = app.db();
    sync_all(&mut conn, &sources_config(&server)).await;
    let editor = app.editor("ed@example.org").await;

    // An event: the normal form, prefilled from the proposal.
    let referral = proposals_of(&mut conn, S321).remove(0);
    let path = format!("/review/{}/event", referral.id);
    let page = editor.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Record a status event"));
    let fields = form_fields(&page.body, &path);
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(value("date"), "2025-01-29");
    assert_eq!(value("status"), "referred");
    assert_eq!(value("confidence"), "high");
    assert_eq!(
        value("source_url"),
        "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions"
    );
    // A wrong field is refused beside it, nothing stored.
    let bad = with(fields.clone(), "date", "2025-02-30");
    let a = editor.post_fields(&path, &bad).await;
    assert_eq!(a.status, 422);
    assert_eq!(
        proposals::find(&mut conn, referral.id)
            .unwrap()
            .unwrap()
            .0
            .state,
        ProposalState::Pending
    );
    let note =
        "Referred to the Senate Judiciary Committee (checked against the Congressional Record).";
    let a = editor.post_fields(&path, &with(fields, "note", note)).await;
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/review")));
    assert!(app
        .page(&format!("/items/{S321}"), 200)
        .await
        .contains(note));
    assert_eq!(
        proposals::find(&mut conn, referral.id)
            .unwrap()
            .unwrap()
            .0
            .state,
        ProposalState::Accepted
    );
    assert_eq!(editor.get(&path).await.status, 404);

    // A milestone, the same way.
    let effective = proposals_of(&mut conn, OUTBOUND).remove(0);
    let path = format!("/review/{}/milestone", effective.id);
    let page = editor.get(&path).await;
    assert_eq!(page.status, 200);
    let fields = form_fields(&page.body, &path);
    let a = editor.post_fields(&path, &fields).await;
    assert_eq!(a.status, 303);
    let item = app.page(&format!("/items/{OUTBOUND}"), 200).await;
    assert!(item.contains("Effective date of 89 FR 90398"), "{item}");
    // The event form is not the milestone proposal's.
    assert_eq!(
        editor
            .get(&format!("/review/{}/event", effective.id))
            .await
            .status,
        404
    );
});

both_backends!(only_editors_review_and_only_with_the_form_token, |app| {
    let server = official_sources().await;
    let mut conn = app.db();
    sync_all(&mut conn, &sources_config(&server)).await;
    let referral = proposals_of(&mut conn, S321).remove(0);
    let reader = app.browser();
    for path in ["/review", "/review/mapping"] {
        let a = reader.get(path).await;
        assert_eq!(a.status, 303, "{path}");
        assert!(a.location.unwrap().starts_with("/login"));
    }
    let page = reader.get(&format!("/items/{S321}")).await.body;
    assert!(
        !page.contains("href=\"/review\""),
        "readers see no review link"
    );
    let editor = app.editor("ed@example.org").await;
    let a = editor
        .post(
            &format!("/review/{}/accept", referral.id),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(
        proposals::find(&mut conn, referral.id)
            .unwrap()
            .unwrap()
            .0
            .state,
        ProposalState::Pending
    );
    assert_eq!(editor.get("/review/999999/event").await.status, 404);

    // The mapping table, as analysts read it.
    let page = editor.get("/review/mapping").await;
    assert_eq!(page.status, 200);
    let rows = texts(&page.body, "table.mapping tbody tr");
    assert!(
        rows.contains(
            &"text contains “referred to the Committee” referred Referred to committee (moves the status; phase pending)"
                .to_owned()
        ),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("any action or activity no rule matches statement")),
        "{rows:?}"
    );
    assert!(page.body.contains("[[congress.actions]]"));
});

// Proposals show only to editors: a sync and a rejection keep the pages
// kept for readers; accepting records an event, which the next reader sees.
both_backends!(syncing_and_rejecting_keep_readers_pages, |app| {
    let kept = |res: &reqwest::Response| res.headers().contains_key(reqwest::header::AGE);
    // Adding the editor's account is a change pages may show (who wrote
    // what), so it comes first.
    let editor = app.editor("ed@example.org").await;
    let item = format!("/items/{S321}");
    let first = app.get(&item).await;
    assert_eq!(first.status(), 200);
    assert!(!kept(&first), "rendered the first time");
    assert!(kept(&app.get(&item).await), "kept the second time");

    let server = official_sources().await;
    let mut conn = app.db();
    sync_all(&mut conn, &sources_config(&server)).await;
    assert_eq!(app.count("proposals"), 5);
    assert!(kept(&app.get(&item).await), "a sync leaves it kept");

    let token = editor.csrf("/review").await;
    let effective = proposals_of(&mut conn, OUTBOUND).remove(0);
    let rejected = editor
        .post(
            &format!("/review/{}/reject", effective.id),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(rejected.status, 303);
    assert!(kept(&app.get(&item).await), "a rejection leaves it kept");

    let referral = proposals_of(&mut conn, S321).remove(0);
    let accepted = editor
        .post(
            &format!("/review/{}/accept", referral.id),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(accepted.status, 303);
    let fresh = app.get(&item).await;
    assert!(!kept(&fresh), "an accepted proposal drops the kept page");
    let body = fresh.text().await.unwrap();
    assert!(body.contains("Read twice and referred to the Committee on the Judiciary."));
});

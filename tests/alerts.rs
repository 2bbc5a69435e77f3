//! Email alerts end to end: subscribing through the forms, the mail a real
//! SMTP server on loopback receives, editing and unsubscribing, and which
//! scopes are mailed. Digests and HTML escaping are in `alert_digests.rs`;
//! the subscribe, manage and unsubscribe pages' refusals in
//! `subscription_pages.rs`.

mod common;

use common::alerts::{
    app_with_worker, app_without_worker, confirmed, count_subscriptions, everything_sent, item_id,
    path_of, post_form, record_event, worker, BASE,
};
use common::smtp::SmtpServer;
use common::{attrs, form_fields, texts, with};
use regwatch::clock::Clock;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{Frequency, Kind, Scope};

const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";
const APPLE: &str = "apple-alibaba-china-ai";

async fn subscribe_confirm_alert_edit_unsubscribe(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_worker(backend, &smtp).await else {
        return;
    };
    let mut conn = app.db();
    // Someone else follows everything: their mail shows when the worker has
    // caught up.
    confirmed(
        &mut conn,
        "control@example.org",
        Scope::All,
        Frequency::Immediate,
    );

    // The item page offers the subscribe box; subscribe to this item.
    let page = app.page(&format!("/items/{S321}"), 200).await;
    let scopes = attrs(&page, ".subscribe input[name=scope]", "value");
    assert!(scopes.contains(&format!("item:{S321}")), "{scopes:?}");
    assert!(scopes.contains(&"tag:export-controls".to_owned()));
    assert!(scopes.contains(&"jurisdiction:US".to_owned()));
    assert!(scopes.contains(&"kind:bill".to_owned()));
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        &format!("email=jane%40example.org&scope=item%3A{S321}&frequency=immediate"),
    )
    .await;
    assert_eq!(status, 303);
    app.page("/subscriptions/pending", 200).await;

    // The confirmation email arrives; following its link shows a button
    // and confirms nothing by itself.
    let mail = smtp.wait_for("jane@example.org", 1).await.remove(0);
    assert!(
        mail.subject.starts_with("Confirm your regwatch alerts"),
        "{}",
        mail.subject
    );
    assert_eq!(mail.content_type, "multipart/alternative");
    // It also links to the address's subscriptions (to remove an unwanted one).
    let manage = path_of(&mail.link(&format!("{BASE}/subscriptions/manage/")));
    let page = app.page(&manage, 200).await;
    assert_eq!(
        texts(&page, ".subscription p"),
        [format!(
            "the item “{}” (waiting for confirmation)",
            full_title(&mut conn, S321)
        )]
    );
    let confirm = path_of(&mail.link(&format!("{BASE}/subscriptions/confirm/")));
    let page = app.page(&confirm, 200).await;
    assert_eq!(texts(&page, "form button"), ["Confirm my subscription"]);
    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-02-03",
        "referred",
        "Before confirming.",
    );
    smtp.wait_for("control@example.org", 1).await;
    let (status, page) = post_form(&app, &confirm, "").await;
    assert_eq!(status, 200);
    assert!(page.contains("Subscription confirmed"));

    // An editor records a status event through the form: the alert shows
    // its date, status and source.
    let editor = app.editor("ed@example.org").await;
    let answer = editor
        .submit(
            &format!("/items/{S321}/events/new"),
            &[
                ("date", "2025-03"),
                ("precision", "month"),
                ("status", "reported"),
                ("note", "Reported favourably by the committee."),
                (
                    "source_url",
                    "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
                ),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let mails = smtp.wait_for("jane@example.org", 2).await;
    let alert = &mails[1];
    assert_eq!(
        alert.subject,
        format!(
            "{}: Reported by committee (March 2025)",
            short_name(&mut conn, S321)
        )
    );
    for body in [&alert.text, &alert.html] {
        assert!(body.contains("March 2025"), "{body}");
        assert!(body.contains("Reported by committee"), "{body}");
        assert!(
            body.contains("Reported favourably by the committee."),
            "{body}"
        );
        assert!(body
            .contains("https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions"));
        assert!(body.contains("Bill"));
        assert!(body.contains("US"));
    }
    assert!(alert.text.contains("known to the month"));
    assert!(alert.text.contains(&format!("{BASE}/items/{S321}")));
    assert!(alert
        .text
        .contains(&format!("{BASE}/subscriptions/manage/")));
    let unsubscribe = alert.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        alert.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = unsubscribe
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(unsubscribe.starts_with(&format!("{BASE}/subscriptions/unsubscribe/")));

    // The editor edits a field through the edit form: the alert shows
    // old → new.
    let old_title = regwatch::store::items::find_by_slug(&mut conn, S321)
        .unwrap()
        .unwrap()
        .title;
    let path = format!("/items/{S321}/edit");
    let form = editor.get(&path).await;
    let fields = with(
        form_fields(&form.body, &path),
        "title",
        "Decoupling Act (as amended)",
    );
    let answer = editor.post_fields(&path, &fields).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let mails = smtp.wait_for("jane@example.org", 3).await;
    let edit = &mails[2];
    assert!(edit.subject.ends_with("title edited"), "{}", edit.subject);
    assert!(
        edit.text.contains(&format!(
            "Title:\n  was: {old_title}\n  now: Decoupling Act (as amended)"
        )),
        "{}",
        edit.text
    );
    assert!(edit.html.contains("<del>") && edit.html.contains("Decoupling Act (as amended)"));

    // The manage link shows the subscription.
    let manage = path_of(&edit.link(&format!("{BASE}/subscriptions/manage/")));
    let page = app.page(&manage, 200).await;
    assert!(page.contains("jane@example.org"));
    assert_eq!(
        texts(&page, ".subscription strong"),
        ["the item “Decoupling Act (as amended)”"]
    );

    // One-click unsubscribe: a POST with only the token.
    let res = app
        .client
        .post(app.url(&path_of(&unsubscribe)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // No more mail: the control subscriber gets the next change, Jane not.
    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-04-01",
        "stalled",
        "No floor time.",
    );
    let control = smtp.wait_for("control@example.org", 4).await;
    assert!(control[3].text.contains("No floor time."));
    // Once the worker has sent all it owes, a straggler would be in.
    everything_sent(&mut conn).await;
    assert_eq!(
        smtp.to("jane@example.org").len(),
        3,
        "no mail after unsubscribing"
    );
    assert_eq!(count_subscriptions(&mut conn), 1);
}
both_backends!(subscribe_confirm_alert_edit_unsubscribe);

fn full_title(conn: &mut DbConnection, slug: &str) -> String {
    regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap()
        .title
}

fn short_name(conn: &mut DbConnection, slug: &str) -> String {
    let item = regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap();
    item.short_title.unwrap_or(item.title)
}

// ---------------------------------------------------------- scope matching

async fn scopes_decide_who_is_mailed(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_without_worker(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    let apple = item_id(&mut conn, APPLE);
    confirmed(
        &mut conn,
        "tag@example.org",
        Scope::Tag("export-controls".try_into().unwrap()),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "cn@example.org",
        Scope::Jurisdiction("CN".try_into().unwrap()),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "deals@example.org",
        Scope::Kind(Kind::Deal),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "apple@example.org",
        Scope::Item(apple),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "filter@example.org",
        Scope::filter("?kind=regulation&jurisdiction=US").unwrap(),
        Frequency::Immediate,
    );
    // Saved filters that depend on what the change itself derives: the
    // item's new phase, and its search document (event notes are indexed).
    confirmed(
        &mut conn,
        "inforce@example.org",
        Scope::filter("?kind=bill&phase=in-force").unwrap(),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "search@example.org",
        Scope::filter("?q=moved").unwrap(),
        Frequency::Immediate,
    );
    // Asked through the form, never confirmed.
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        "email=shy%40example.org&scope=all&frequency=immediate",
    )
    .await;
    assert_eq!(status, 303);

    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-05-01",
        "referred",
        "S321 moved.",
    );
    record_event(
        &mut conn,
        OUTBOUND,
        Kind::Regulation,
        "2025-05-02",
        "effective",
        "Outbound moved.",
    );
    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-05-03",
        "under-review",
        "Apple deal moved.",
    );
    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2026-11-20",
        "enacted",
        "S321 enacted.",
    );
    worker.drain(Clock::system().now()).unwrap();

    let notes = |who: &str| -> Vec<String> {
        let mut notes: Vec<String> = smtp
            .to(who)
            .iter()
            .filter(|m| !m.subject.starts_with("Confirm"))
            .map(|m| {
                [
                    "S321 moved.",
                    "Outbound moved.",
                    "Apple deal moved.",
                    "S321 enacted.",
                ]
                .into_iter()
                .find(|n| m.text.contains(n))
                .unwrap_or("?")
                .to_owned()
            })
            .collect();
        notes.sort();
        notes
    };
    // S321 is tagged export-controls, the outbound rule is not.
    assert_eq!(notes("tag@example.org"), ["S321 enacted.", "S321 moved."]);
    assert_eq!(notes("cn@example.org"), ["Apple deal moved."]);
    assert_eq!(notes("deals@example.org"), ["Apple deal moved."]);
    assert_eq!(notes("apple@example.org"), ["Apple deal moved."]);
    assert_eq!(notes("filter@example.org"), ["Outbound moved."]);
    // Only the enactment puts the bill in force.
    assert_eq!(notes("inforce@example.org"), ["S321 enacted."]);
    // Each note is searchable as soon as its change is announced.
    assert_eq!(
        notes("search@example.org"),
        [
            "Apple deal moved.",
            "Outbound moved.",
            "S321 enacted.",
            "S321 moved."
        ]
    );
    // The unconfirmed address got its confirmation and nothing else.
    let shy = smtp.to("shy@example.org");
    assert_eq!(shy.len(), 1);
    assert!(shy[0].subject.starts_with("Confirm"));
}
both_backends!(scopes_decide_who_is_mailed);

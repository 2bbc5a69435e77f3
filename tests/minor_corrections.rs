//! Minor corrections (a typo, a better source link), through the event and
//! milestone correction forms and the API: revised and shown in the
//! history, marked minor, told in digests, never alerted at once; a
//! material correction alerts, saying so.

mod common;

use common::smtp::SmtpServer;
use common::{form_fields, texts, with, TestApp};
use regwatch::clock::Clock;
use regwatch::db::Backend;
use regwatch::domain::{EmailAddress, Frequency, Scope};
use regwatch::store::{events, items, milestones, subscriptions};
use serde_json::json;

const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";

async fn minor_corrections_are_told_only_in_digests(backend: Backend) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.smtp_url = Some(url);
        s.worker.poll = std::time::Duration::from_millis(20);
        s.run_worker = true;
    })
    .await
    else {
        return;
    };
    let mut conn = app.db();
    let now = Clock::system().now();
    for (address, frequency) in [
        ("jane@example.org", Frequency::Immediate),
        ("ana@example.org", Frequency::Daily),
    ] {
        let address = EmailAddress::try_from(address).unwrap();
        subscriptions::subscribe_confirmed(&mut conn, &address, &Scope::All, frequency, now)
            .unwrap();
    }
    let s321 = items::find_by_slug(&mut conn, S321).unwrap().unwrap();
    let event = events::for_item(&mut conn, s321.id).unwrap().remove(0);
    let editor = app.editor("ed@example.org").await;

    // The event correction form offers the box; ticked, no alert.
    let path = format!("/items/{S321}/events/{}/edit", event.id);
    let page = editor.get(&path).await.body;
    assert_eq!(
        texts(&page, "label[for=event-minor]"),
        ["Minor correction (typo, better source link): no immediate alert"]
    );
    let fields = form_fields(&page, &path);
    let typo = with(
        fields.clone(),
        "note",
        &format!("{} (typo fixed)", event.note),
    );
    let a = editor.post_fields(&path, &with(typo, "minor", "yes")).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let (deliveries, digest) = (app.count("deliveries"), app.count("digest_entries"));
    assert_eq!((deliveries, digest), (0, 1), "digest only");
    let history = app.page(&format!("/items/{S321}/history"), 200).await;
    assert!(history.contains("Corrected a status event (minor correction)"));
    assert!(history.contains("(typo fixed)"));

    // The milestone correction form, the same.
    let outbound = items::find_by_slug(&mut conn, OUTBOUND).unwrap().unwrap();
    let milestone = milestones::for_item(&mut conn, outbound.id)
        .unwrap()
        .remove(0);
    let path = format!("/items/{OUTBOUND}/milestones/{}/edit", milestone.id);
    let page = editor.get(&path).await.body;
    let fields = with(
        form_fields(&page, &path),
        "note",
        "Computed from the statute (checked).",
    );
    let a = editor
        .post_fields(&path, &with(fields, "minor", "yes"))
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(
        (app.count("deliveries"), app.count("digest_entries")),
        (0, 2)
    );
    let history = app.page(&format!("/items/{OUTBOUND}/history"), 200).await;
    assert!(history.contains("Corrected a milestone (minor correction)"));

    // The API's correct-event operation takes `minor`.
    let tokens = editor
        .submit("/account/tokens", &[("name", "corrections")])
        .await;
    let token = texts(&tokens.body, "#new-token code").remove(0);
    let res = app
        .client
        .put(app.url(&format!("/api/v1/items/{S321}/events/{}", event.id)))
        .bearer_auth(&token)
        .json(&json!({
            "date": event.date().iso(),
            "status": event.status,
            "note": format!("{} (typo fixed twice)", event.note),
            "source": event.source_url,
            "confidence": "high",
            "minor": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        (app.count("deliveries"), app.count("digest_entries")),
        (0, 3)
    );

    // Unticked, the correction is material: an alert that says so.
    let path = format!("/items/{S321}/events/{}/edit", event.id);
    let page = editor.get(&path).await.body;
    assert!(
        common::attrs(&page, "input[name=minor][checked]", "value").is_empty(),
        "unticked by default"
    );
    let fields = form_fields(&page, &path);
    assert!(!fields.iter().any(|(n, _)| n == "minor"));
    let a = editor
        .post_fields(&path, &with(fields, "date", "2025-01-30"))
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let mail = smtp.wait_for("jane@example.org", 1).await.remove(0);
    assert!(
        mail.text
            .contains("Status event corrected (material change)"),
        "{}",
        mail.text
    );
    assert!(mail
        .text
        .contains("Marked by the editor as a material change."));
    assert_eq!(app.count("digest_entries"), 4);
    assert_eq!(smtp.to("jane@example.org").len(), 1);
}
both_backends!(minor_corrections_are_told_only_in_digests);

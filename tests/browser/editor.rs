//! Journeys 2 to 4: an editor adds an item (after a mistake the form
//! points out) and records a status change; a reader subscribes to it,
//! confirms from the email, gets an alert and unsubscribes; two editors
//! save the same item and the second is told.

use regwatch::store::users::Role;

use crate::common::smtp::SmtpServer;
use crate::driver::Session;
use crate::support::eventually;

/// Where the app says it lives, in the links of its emails.
const BASE: &str = "https://regwatch.example";
const PASSWORD: &str = "a long enough passphrase";

async fn sign_in(session: &Session, email: &str) {
    session.goto("/login").await;
    session.fill("#login-email", email).await;
    session.fill("#login-password", PASSWORD).await;
    session.follow("main form button[type=submit]").await;
    eventually("signed in", || async {
        !session.all(".account .meta").await.is_empty()
    })
    .await;
}

/// Records a status event through the form on the item page.
async fn record_event(editor: &Session, slug: &str, date: &str, status: &str, note: &str) {
    editor.goto(&format!("/items/{slug}")).await;
    editor
        .follow(&format!("a[href=\'/items/{slug}/events/new\']"))
        .await;
    editor
        .find("#event-precision")
        .await
        .select_by_value("day")
        .await
        .unwrap();
    editor.fill("#event-date", date).await;
    editor
        .find("#event-status")
        .await
        .select_by_value(status)
        .await
        .unwrap();
    editor.fill("#event-note", note).await;
    editor
        .fill("#event-source", "https://example.org/eu-chips-review")
        .await;
    editor
        .find("#event-confidence")
        .await
        .select_by_value("high")
        .await
        .unwrap();
    editor.follow("main form.form button[type=submit]").await;
    eventually("back on the item page", || async {
        editor.path().await == format!("/items/{slug}")
    })
    .await;
}

/// The path of a link in an email (which names the public address).
fn path_of(link: &str) -> String {
    link.strip_prefix(BASE).unwrap_or(link).to_owned()
}

#[actix_web::test]
async fn editor_adds_an_item_and_a_reader_follows_it() {
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let Some(run) = crate::start("editor_adds_an_item_and_a_reader_follows_it", |s| {
        s.base_url = BASE.to_owned();
        s.smtp_url = Some(smtp_url);
        s.run_worker = true;
        s.worker.poll = std::time::Duration::from_millis(20);
    })
    .await
    else {
        return;
    };
    run.app
        .create_user("ed@example.org", PASSWORD, Role::Editor);
    let editor = run.driver.session(&run.app.base).await;
    sign_in(&editor, "ed@example.org").await;

    // A mistake: the message sits beside the field, the rest is kept.
    editor.goto("/items/new").await;
    editor
        .find("#item-kind")
        .await
        .select_by_value("regulation")
        .await
        .unwrap();
    editor.fill("#item-title", "EU chips export review").await;
    editor.fill("#item-jurisdiction", "Europe!").await;
    editor
        .fill("#item-summary", "A review of chip exports from the EU.")
        .await;
    editor.follow("main form.form button[type=submit]").await;
    let error = editor.text("#item-jurisdiction-error").await;
    assert!(!error.is_empty(), "a message beside the field");
    let described = editor.find("#item-jurisdiction").await;
    assert!(described
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("item-jurisdiction-error"));
    assert_eq!(
        editor
            .find("#item-title")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("EU chips export review")
    );
    assert_eq!(
        editor
            .find("#item-summary")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("A review of chip exports from the EU.")
    );
    editor.screenshots("form-error").await;

    editor.fill("#item-jurisdiction", "EU").await;
    editor.follow("main form.form button[type=submit]").await;
    let slug = "eu-chips-export-review";
    eventually("the new item's page", || async {
        editor.path().await == format!("/items/{slug}")
    })
    .await;
    record_event(
        &editor,
        slug,
        "2026-11-20",
        "published",
        "Published for comment.",
    )
    .await;
    editor.goto("/").await;
    let first = editor.text(".events .event").await;
    assert!(first.contains("EU chips export review"), "{first}");
    assert!(first.contains("20 November 2026"), "{first}");

    // A reader subscribes to the item and confirms from the email.
    let reader = run.driver.session(&run.app.base).await;
    reader.goto(&format!("/items/{slug}")).await;
    reader.fill("#subscribe-email", "rea@example.org").await;
    reader.follow(".subscribe button[type=submit]").await;
    let mails = smtp.wait_for("rea@example.org", 1).await;
    let confirm = path_of(&mails[0].link(&format!("{BASE}/subscriptions/confirm/")));
    reader.goto(&confirm).await;
    assert_eq!(reader.text("h1").await, "Confirm your subscription");
    reader.follow("main form button[type=submit]").await;
    eventually("confirmed", || async {
        reader.text("h1").await == "Subscription confirmed"
    })
    .await;

    // The editor records another change; the alert says what changed.
    record_event(&editor, slug, "2026-11-23", "effective", "In effect.").await;
    let mails = smtp.wait_for("rea@example.org", 2).await;
    let alert = &mails[1];
    assert!(
        alert.text.contains("EU chips export review"),
        "{}",
        alert.text
    );
    assert!(alert.text.contains("In effect"), "{}", alert.text);

    // One click ends it: no alert for the next change.
    let unsubscribe = path_of(&alert.link(&format!("{BASE}/subscriptions/unsubscribe/")));
    reader.goto(&unsubscribe).await;
    reader.follow("main form button[type=submit]").await;
    eventually("unsubscribed", || async {
        reader.text("h1").await == "Unsubscribed"
    })
    .await;
    reader.screenshots("unsubscribed").await;
    record_event(&editor, slug, "2026-11-24", "published", "Republished.").await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        smtp.to("rea@example.org").len(),
        2,
        "nothing after unsubscribing"
    );
    reader.quit().await;
    editor.quit().await;
}

#[actix_web::test]
async fn second_editor_saving_the_same_item_gets_the_conflict_page() {
    let Some(run) = crate::start(
        "second_editor_saving_the_same_item_gets_the_conflict_page",
        |_| {},
    )
    .await
    else {
        return;
    };
    run.app
        .create_user("ana@example.org", PASSWORD, Role::Editor);
    run.app
        .create_user("ben@example.org", PASSWORD, Role::Editor);
    let ana = run.driver.session(&run.app.base).await;
    let ben = run.driver.session(&run.app.base).await;
    sign_in(&ana, "ana@example.org").await;
    sign_in(&ben, "ben@example.org").await;
    let edit = "/items/us-s321-ai-decoupling-act/edit";
    ana.goto(edit).await;
    ben.goto(edit).await;

    ana.fill(
        "#item-status-summary",
        "Referred to committee; no hearing yet.",
    )
    .await;
    ana.follow("main form.form button[type=submit]").await;
    eventually("Ana's save", || async {
        ana.path().await == "/items/us-s321-ai-decoupling-act"
    })
    .await;

    ben.fill("#item-short-title", "Decoupling Act (S.321)")
        .await;
    ben.follow("main form.form button[type=submit]").await;
    eventually("the conflict page", || async {
        ben.text("h1").await == "Someone else saved this item"
    })
    .await;
    let conflict = ben.text(".conflict").await;
    assert!(conflict.contains("Nothing was saved"), "{conflict}");
    assert!(
        conflict.contains("Referred to committee"),
        "Ana's change is shown: {conflict}"
    );
    assert_eq!(
        ben.find("#item-short-title")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Decoupling Act (S.321)"),
        "Ben's input is kept"
    );
    ben.screenshots("conflict").await;
    ana.quit().await;
    ben.quit().await;
}

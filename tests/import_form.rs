//! `/import` as an editor uses it: the form is for editors only, carries
//! a CSRF token, shows a dry run's plan without storing, imports a good
//! file, refuses a file with errors whole (422, each listed), and refuses
//! a file over 20 MB (413) with a message saying so.

mod common;

use common::{texts, Browser};
use reqwest::multipart::{Form, Part};

const GOOD: &str = r#"{"items": [
  {"slug": "form-imported", "title": "Imported through the form", "kind": "bill",
   "jurisdiction": "US", "events": [{"date": "2025-06", "status": "introduced",
   "confidence": "high", "source": "https://example.org/bill"}]}
]}"#;

const WITH_ERROR: &str = r#"{"items": [
  {"slug": "form-good", "title": "Good", "kind": "bill", "jurisdiction": "US"},
  {"slug": "form-bad", "title": "Bad", "kind": "bill", "jurisdiction": "US",
   "events": [{"date": "2025-13", "status": "introduced", "confidence": "high",
               "source": "https://example.org/"}]}
]}"#;

struct Posted {
    status: u16,
    location: Option<String>,
    body: String,
}

async fn post(
    b: &Browser,
    csrf: &str,
    name: &str,
    file: Vec<u8>,
    extra: &[(&str, &str)],
) -> Posted {
    let mut form = Form::new()
        .text("csrf_token", csrf.to_owned())
        .part("file", Part::bytes(file).file_name(name.to_owned()));
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = b
        .client
        .post(b.url("/import"))
        .multipart(form)
        .send()
        .await
        .expect("POST /import");
    Posted {
        status: res.status().as_u16(),
        location: res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: res.text().await.unwrap_or_default(),
    }
}

both_backends!(only_editors_import_and_with_the_forms_token, |app| {
    let anonymous = app.browser();
    let page = anonymous.get("/import").await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("/login"));
    let posted = post(&anonymous, "", "items.json", GOOD.into(), &[]).await;
    assert_eq!(posted.status, 303, "anonymous posts are sent to sign in");
    assert!(posted.location.unwrap().starts_with("/login"));
    let items = app.page("/items", 200).await;
    assert!(
        !items.contains("href=\"/import\""),
        "no import link for readers"
    );

    let editor = app.editor("form-editor@example.org").await;
    let items = editor.get("/items").await;
    assert!(
        items.body.contains("href=\"/import\""),
        "editors are linked to it"
    );
    let posted = post(&editor, "not-the-token", "items.json", GOOD.into(), &[]).await;
    assert_eq!(posted.status, 403);
    assert_eq!(app.count("items WHERE slug = 'form-imported'"), 0);
});

both_backends!(a_dry_run_shows_the_plan_then_the_import_stores_it, |app| {
    let editor = app.editor("form-editor@example.org").await;
    let csrf = editor.csrf("/import").await;
    let page = editor.get("/import").await.body;
    assert_eq!(texts(&page, "label[for=import-file]"), ["File (required)"]);

    let dry = post(
        &editor,
        &csrf,
        "items.json",
        GOOD.into(),
        &[("dry_run", "on")],
    )
    .await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    let records = texts(&dry.body, ".records > li");
    assert_eq!(records.len(), 1);
    assert!(
        records[0].starts_with("items[0] form-imported: new item"),
        "{records:?}"
    );
    assert!(
        records[0].contains("event added: 2025-06 introduced"),
        "{records:?}"
    );
    assert!(dry.body.contains("Dry run: nothing was stored."));
    assert_eq!(app.count("items WHERE slug = 'form-imported'"), 0);

    let done = post(&editor, &csrf, "items.json", GOOD.into(), &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        texts(&done.body, ".import-report .summary"),
        ["1 imported, 0 unchanged, 0 failed"]
    );
    assert_eq!(app.count("items WHERE slug = 'form-imported'"), 1);
    let history = app.page("/items/form-imported/history", 200).await;
    assert!(
        history.contains("form-editor@example.org (import)"),
        "the history names who imported"
    );
});

both_backends!(bad_and_oversized_files_are_refused_whole, |app| {
    let editor = app.editor("form-editor@example.org").await;
    let csrf = editor.csrf("/import").await;
    let refused = post(&editor, &csrf, "items.json", WITH_ERROR.into(), &[]).await;
    assert_eq!(refused.status, 422);
    let failed = texts(&refused.body, ".records > li.failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("items[1] form-bad: failed"),
        "{failed:?}"
    );
    assert!(failed[0].contains("events[0].date"), "{failed:?}");
    assert!(refused.body.contains("Nothing was stored"));
    assert_eq!(
        app.count("items WHERE slug IN ('form-good', 'form-bad')"),
        0,
        "a file with errors stores nothing"
    );

    let unknown = post(&editor, &csrf, "items.txt", GOOD.into(), &[]).await;
    assert_eq!(unknown.status, 422);
    assert!(texts(&unknown.body, "#import-format-error")[0].contains("format"));

    let huge = vec![b' '; 21 * 1024 * 1024];
    let too_big = post(&editor, &csrf, "items.json", huge, &[]).await;
    assert_eq!(too_big.status, 413);
    assert!(
        texts(&too_big.body, "#import-file-error")[0].contains("larger than 20 MB"),
        "{}",
        too_big.body
    );
});

//! Pages kept for anonymous readers: served again with validators (`ETag`,
//! `Last-Modified`, `304 Not Modified`), never stale after a write through
//! a form, the API or the command line, never an editor's page given to a
//! reader nor a reader's to an editor, and renewed when the day moves on.
//! (What editors share: `tests/editor_pages.rs`.)

mod common;

use chrono::{Duration, NaiveDate};
use common::{forms, texts, TestApp};
use regwatch::clock::Clock;
use reqwest::header::{HeaderMap, AGE, CACHE_CONTROL, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use reqwest::header::{LAST_MODIFIED, SET_COOKIE};
use serde_json::json;

const S321: &str = "us-s321-ai-decoupling-act";

struct Got {
    status: u16,
    headers: HeaderMap,
    body: String,
}

async fn fetch(app: &TestApp, path: &str, headers: &[(reqwest::header::HeaderName, &str)]) -> Got {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    let res = req.send().await.expect("GET");
    Got {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.text().await.expect("body"),
    }
}

fn header<'a>(got: &'a Got, name: &reqwest::header::HeaderName) -> &'a str {
    got.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

both_backends!(pages_come_back_with_validators_and_304, |app| {
    for path in [
        "/",
        "/items?sort=title&dir=asc",
        &format!("/items/{S321}"),
        "/api/v1/items",
    ] {
        let first = fetch(&app, path, &[]).await;
        assert_eq!(first.status, 200, "{path}");
        let etag = header(&first, &ETAG).to_owned();
        assert!(etag.starts_with('"') && etag.len() > 2, "{path}: {etag:?}");
        assert_eq!(header(&first, &CACHE_CONTROL), "no-cache", "{path}");
        assert!(!header(&first, &LAST_MODIFIED).is_empty(), "{path}");
        assert!(
            first.headers.get(AGE).is_none(),
            "{path}: rendered, not kept"
        );

        let again = fetch(&app, path, &[]).await;
        assert_eq!(again.body, first.body, "{path}");
        assert_eq!(header(&again, &ETAG), etag, "{path}");
        assert!(
            again.headers.get(AGE).is_some(),
            "{path}: served from the cache"
        );

        let revalidated = fetch(&app, path, &[(IF_NONE_MATCH, &etag)]).await;
        assert_eq!(revalidated.status, 304, "{path}");
        assert!(revalidated.body.is_empty());
        assert_eq!(header(&revalidated, &ETAG), etag);
        let other = fetch(&app, path, &[(IF_NONE_MATCH, "\"something-else\"")]).await;
        assert_eq!(other.status, 200, "{path}");
    }
    // The same parameters in another order are the same page.
    let a = fetch(&app, "/items?sort=title&dir=asc", &[]).await;
    let b = fetch(&app, "/items?dir=asc&sort=title", &[]).await;
    assert_eq!(header(&a, &ETAG), header(&b, &ETAG));
    assert!(b.headers.get(AGE).is_some());
    // HEAD answers from the same kept page, without a body.
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let first = fetch(&app, "/", &[]).await;
    assert_eq!(head.headers().get(ETAG).unwrap(), header(&first, &ETAG));
    assert!(head.text().await.unwrap().is_empty());
    // What must be asked every time is never kept.
    let health = fetch(&app, "/healthz", &[]).await;
    assert_eq!(header(&health, &CACHE_CONTROL), "no-store");
    assert!(fetch(&app, "/healthz", &[])
        .await
        .headers
        .get(AGE)
        .is_none());
});

both_backends!(a_form_write_shows_on_the_very_next_request, |app| {
    let item = format!("/items/{S321}");
    let before = fetch(&app, &item, &[]).await;
    fetch(&app, &item, &[]).await;
    fetch(&app, "/", &[]).await;
    let old_etag = header(&before, &ETAG).to_owned();
    let old_date = header(&before, &LAST_MODIFIED).to_owned();

    let editor = app.editor("ed@example.org").await;
    forms::record_on_s321(&editor, "Cache check: referred again.").await;

    let after = fetch(&app, &item, &[(IF_NONE_MATCH, &old_etag)]).await;
    assert_eq!(after.status, 200, "the kept copy is no longer current");
    assert!(after.body.contains("Cache check: referred again."));
    assert_ne!(header(&after, &ETAG), old_etag);
    assert!(after.headers.get(AGE).is_none(), "rendered afresh");
    let timeline = fetch(&app, "/", &[]).await;
    assert!(timeline.body.contains("Cache check: referred again."));
    let since = fetch(&app, &item, &[(IF_MODIFIED_SINCE, &old_date)]).await;
    assert_eq!(since.status, 200);
});

both_backends!(an_api_write_shows_on_the_very_next_request, |app| {
    let path = format!("/api/v1/items/{S321}");
    let page = format!("/items/{S321}");
    fetch(&app, &path, &[]).await;
    fetch(&app, &page, &[]).await;
    let kept = fetch(&app, &page, &[]).await;
    assert!(kept.headers.get(AGE).is_some());

    let browser = app.editor("api@example.org").await;
    let created = browser
        .submit("/account/tokens", &[("name", "cache check")])
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token = texts(&created.body, "#new-token code")[0].clone();
    let res = app
        .client
        .post(app.url(&format!("{path}/events")))
        .bearer_auth(&token)
        .json(&json!({
            "date": "2026-11", "status": "referred", "confidence": "high",
            "source": "https://www.congress.gov/bill/119th-congress/senate-bill/321",
            "note": "Recorded through the API.",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    assert!(fetch(&app, &page, &[])
        .await
        .body
        .contains("Recorded through the API."));
    assert!(fetch(&app, &path, &[])
        .await
        .body
        .contains("Recorded through the API."));
});

both_backends!(
    editors_never_get_a_readers_copy_nor_readers_an_editors,
    |app| {
        let item = format!("/items/{S321}");
        let reader = fetch(&app, &item, &[]).await;
        assert!(
            !reader.body.contains("/edit\""),
            "no edit controls for readers"
        );
        let editor = app.editor("ed@example.org").await;
        let page = editor.get(&item).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains(&format!("{item}/edit")),
            "the editor's controls"
        );
        assert!(
            page.body.contains("csrf_token"),
            "the editor's own form token"
        );
        let again = fetch(&app, &item, &[]).await;
        assert!(!again.body.contains(&format!("{item}/edit")));
        assert!(again.headers.get(SET_COOKIE).is_none());
    }
);

async fn the_day_moving_on_renews_days_left(backend: regwatch::db::Backend) {
    let start = NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(23, 0, 0))
        .unwrap();
    let clock = Clock::fixed(start);
    let moved = clock.clone();
    let Some(app) = TestApp::spawn_with(backend, |s| s.clock = clock).await else {
        return;
    };
    let first = fetch(&app, "/upcoming", &[]).await;
    assert_eq!(fetch(&app, "/upcoming", &[]).await.body, first.body);
    moved.advance(Duration::hours(2));
    let next_day = fetch(&app, "/upcoming", &[]).await;
    assert!(
        next_day.headers.get(AGE).is_none(),
        "rendered for the new day"
    );
    assert_ne!(
        header(&next_day, &LAST_MODIFIED),
        header(&first, &LAST_MODIFIED)
    );
}
both_backends!(the_day_moving_on_renews_days_left);

// Every table pages show moves the data's version on, except the
// bookkeeping no page shows: a table added later gets the trigger when the
// database is migrated.
both_backends!(every_table_pages_show_moves_the_version_on, |app| {
    let silent = regwatch::store::watch::silent_tables(&mut app.db()).unwrap();
    let quiet: Vec<&str> = regwatch::store::watch::QUIET_TABLES.to_vec();
    for table in &silent {
        assert!(
            quiet.contains(&table.as_str()),
            "{table} leaves the version alone"
        );
    }
    assert!(silent.contains(&"user_sessions".to_owned()));
    assert!(!silent.contains(&"items".to_owned()));
});

// Signing in writes only bookkeeping: the kept pages stay.
both_backends!(signing_in_keeps_the_pages, |app| {
    app.create_user(
        "ed@example.org",
        common::PASSWORD,
        regwatch::store::users::Role::Editor,
    );
    fetch(&app, "/", &[]).await;
    let editor = app.browser();
    assert_eq!(
        editor
            .sign_in("ed@example.org", common::PASSWORD)
            .await
            .status,
        303
    );
    editor.get("/").await;
    assert!(fetch(&app, "/", &[]).await.headers.get(AGE).is_some());
});

both_backends!(a_command_line_write_shows_on_the_very_next_request, |app| {
    let search = "/items?q=synthetic";
    fetch(&app, search, &[]).await;
    let kept = fetch(&app, search, &[]).await;
    assert!(kept.headers.get(AGE).is_some());
    assert!(!kept.body.contains("/items/generated-"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["gen", "--items", "3", "--events-per-item", "2"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch gen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = fetch(&app, search, &[]).await;
    assert!(after.headers.get(AGE).is_none());
    assert!(after.body.contains("/items/generated-"), "{}", after.body);
});

both_backends!(an_import_shows_on_the_very_next_request, |app| {
    let item = format!("/items/{S321}");
    fetch(&app, &item, &[]).await;
    assert!(fetch(&app, &item, &[]).await.headers.get(AGE).is_some());
    app.create_user(
        "importer@example.org",
        common::PASSWORD,
        regwatch::store::users::Role::Editor,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("retitle.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"items": [{{"slug": "{S321}", "title": "Decoupling Act (imported title)",
                "kind": "bill", "jurisdiction": "US"}}]}}"#
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args([
            "import",
            file.to_str().unwrap(),
            "--user",
            "importer@example.org",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch import");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = fetch(&app, &item, &[]).await;
    assert!(after.headers.get(AGE).is_none());
    assert!(after.body.contains("Decoupling Act (imported title)"));
});

// After a write, readers who all miss the same page at once get the new
// page, rendered once for all of them.
both_backends!(readers_right_after_a_write_share_one_rendering, |app| {
    fetch(&app, "/", &[]).await;
    let editor = app.editor("ed@example.org").await;
    forms::record_on_s321(&editor, "Seen by every reader at once.").await;

    let rendered = app.page_counts.rendered();
    let readers = (0..32).map(|_| fetch(&app, "/", &[]));
    let pages = futures_util::future::join_all(readers).await;
    for page in &pages {
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Seen by every reader at once."));
        assert_eq!(page.body, pages[0].body);
    }
    assert_eq!(app.page_counts.rendered() - rendered, 1, "rendered once");
});

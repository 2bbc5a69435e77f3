//! Signed-in readers: the part of a page every reader shares is rendered
//! once and kept, their own layout (name, sign-out token, one-time
//! message) is rendered for them around it; editors' controls and form
//! tokens stay theirs; answers that are the same for everyone (feeds,
//! calendars) are served to them from the cache. Nothing is stale after a
//! write.

mod common;

use common::{attrs, forms, texts};
use reqwest::header::AGE;

const S321: &str = "us-s321-ai-decoupling-act";

/// What lies inside the layout, without the one-time message.
fn own_part(html: &str) -> String {
    let start = html.find("<main id=\"main\">").expect("main");
    let end = html.find("</main>").expect("end of main");
    html[start..end]
        .lines()
        .filter(|l| !l.contains("class=\"flash\"") && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The token of the sign-out form in the page's header.
fn sign_out_token(html: &str) -> String {
    attrs(
        html,
        "form[action='/logout'] input[name=csrf_token]",
        "value",
    )
    .into_iter()
    .next()
    .expect("a sign-out form")
}

both_backends!(
    editors_pages_share_their_part_and_keep_their_own_layout,
    |app| {
        let counts = app.page_counts.clone();
        let ada = app.editor("ada@example.org").await;
        let grace = app.editor("grace@example.org").await;
        let reader = app.page("/?kind=bill", 200).await;

        let before = counts.parts_reused();
        let ada_page = ada.get("/?kind=bill").await;
        assert_eq!(ada_page.status, 200);
        assert_eq!(counts.parts_reused(), before + 1, "the reader's rendering");
        assert_eq!(own_part(&ada_page.body), own_part(&reader));
        assert_eq!(
            texts(&ada_page.body, ".account .meta"),
            ["Signed in as ada@example.org"]
        );
        let ada_token = sign_out_token(&ada_page.body);
        let grace_page = grace.get("/?kind=bill").await;
        assert_eq!(
            texts(&grace_page.body, ".account .meta"),
            ["Signed in as grace@example.org"]
        );
        assert_ne!(sign_out_token(&grace_page.body), ada_token);
        assert_eq!(counts.parts_reused(), before + 2);
        // Ada's token signs her out: it is her session's, not a kept one.
        let out = ada.post("/logout", &[("csrf_token", &ada_token)]).await;
        assert_eq!(out.status, 303, "{}", out.body);

        // A write: the next page of every reader shows it, and the one-time
        // message comes once, around a part kept for everyone.
        forms::record_on_s321(&grace, "Seen by editors at once.").await;
        let after = grace.get("/?kind=bill").await;
        assert!(after.body.contains("Seen by editors at once."));
        assert_eq!(texts(&after.body, ".flash").len(), 1, "the message once");
        let again = grace.get("/?kind=bill").await;
        assert!(again.body.contains("Seen by editors at once."));
        assert!(texts(&again.body, ".flash").is_empty());
        let reader = app.page("/?kind=bill", 200).await;
        assert_eq!(own_part(&reader), own_part(&again.body));
    }
);

both_backends!(editors_controls_and_tokens_stay_with_each_editor, |app| {
    let item = format!("/items/{S321}");
    let counts = app.page_counts.clone();
    // A link to remove, so the page carries a form with the session's token.
    let ada = app.editor("ada@example.org").await;
    let grace = app.editor("grace@example.org").await;
    let linked = ada
        .submit(
            &format!("{item}/links/new"),
            &[
                ("target", "cn-ai-content-labelling-measures"),
                ("relation", "compare with"),
            ],
        )
        .await;
    assert!(linked.status == 303, "{}", linked.body);

    let reader = app.page(&item, 200).await;
    assert!(!reader.contains("Edit item"), "no controls for readers");
    let first = ada.get(&item).await;
    let before = counts.parts_reused();
    let second = ada.get(&item).await;
    assert_eq!(counts.parts_reused(), before + 1, "Ada's part kept for her");
    assert!(own_part(&first.body) == own_part(&second.body));
    let remove = format!("form[action^='{item}/links/'] input[name=csrf_token]");
    let ada_tokens = attrs(&second.body, &remove, "value");
    assert!(!ada_tokens.is_empty(), "Ada can remove the link");
    assert!(second.body.contains("Edit item"));

    let grace_page = grace.get(&item).await;
    let grace_tokens = attrs(&grace_page.body, &remove, "value");
    assert!(!grace_tokens.is_empty());
    assert!(
        grace_tokens.iter().all(|t| !ada_tokens.contains(t)),
        "never another session's token"
    );
    let reader = app.page(&item, 200).await;
    assert!(!reader.contains("Edit item"));
    assert!(!reader.contains("csrf_token"));

    // The item table's editor paragraph, for editors only.
    assert!(ada
        .get("/items")
        .await
        .body
        .contains("Import items from a file"));
    assert!(!app
        .page("/items", 200)
        .await
        .contains("Import items from a file"));
    assert!(grace
        .get("/items")
        .await
        .body
        .contains("Import items from a file"));
});

both_backends!(signed_in_readers_get_kept_feeds_and_calendars, |app| {
    let ada = app.editor("ada@example.org").await;
    for path in ["/feed.atom", "/calendar.ics", "/api/v1/items"] {
        let anonymous = app.page(path, 200).await;
        let res = ada.client.get(ada.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers().get(AGE).is_some(), "{path}: the kept answer");
        assert_eq!(res.text().await.unwrap(), anonymous, "{path}");
    }
    forms::record_on_s321(&ada, "Fed to every reader.").await;
    let res = ada.client.get(ada.url("/feed.atom")).send().await.unwrap();
    assert!(res.headers().get(AGE).is_none(), "rendered after the write");
    assert!(res.text().await.unwrap().contains("Fed to every reader."));
});

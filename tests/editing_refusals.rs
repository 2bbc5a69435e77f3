//! What the store refuses, as editors see it through the forms: a slug
//! another item has, a link that cannot be, each with its message beside
//! the field and nothing stored; and the history naming who made each
//! change.

mod common;

use common::{attrs, form_fields, texts, with};

const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";
const APPLE_TITLE: &str =
    "Apple–Alibaba partnership to power Apple Intelligence on iPhones sold in mainland China";

both_backends!(a_taken_slug_is_refused_beside_the_slug_field, |app| {
    let ed = app.editor("ed@example.org").await;
    let taken = format!("Another item already uses the slug \"{S321}\"; choose another.");

    // A new item.
    let items = app.count("items");
    let a = ed
        .submit(
            "/items/new",
            &[
                ("kind", "bill"),
                ("title", "Another AI Decoupling Act"),
                ("slug", S321),
                ("jurisdiction", "US"),
            ],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(texts(&a.body, "#item-slug-error"), vec![taken.clone()]);
    assert!(a.body.contains("Another AI Decoupling Act"), "input kept");
    assert_eq!(app.count("items"), items);

    // An edit of another item.
    let path = format!("/items/{APPLE}/edit");
    let fields = form_fields(&ed.get(&path).await.body, &path);
    let revisions = app.count("revisions");
    let a = ed.post_fields(&path, &with(fields, "slug", S321)).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(texts(&a.body, "#item-slug-error"), vec![taken]);
    assert_eq!(app.count("revisions"), revisions);
    assert_eq!(
        app.browser().get(&format!("/items/{APPLE}")).await.status,
        200
    );

    // Keeping its own slug is no conflict.
    let fields = form_fields(&ed.get(&path).await.body, &path);
    let a = ed
        .post_fields(&path, &with(fields, "status_summary", "Under review."))
        .await;
    assert_eq!(
        (a.status, a.location.as_deref()),
        (303, Some(format!("/items/{APPLE}").as_str()))
    );
});

both_backends!(refused_links_say_why_beside_the_field, |app| {
    let ed = app.editor("ed@example.org").await;
    let path = format!("/items/{S321}/links/new");
    let links = app.count("item_links");
    for (target, relation, field, message) in [
        (
            "no-such-item",
            "amends",
            "target",
            "No item has the slug \"no-such-item\".".to_owned(),
        ),
        (
            S321,
            "amends",
            "target",
            "An item cannot be linked to itself.".to_owned(),
        ),
        // The starter data has this link.
        (
            APPLE,
            "could restrict",
            "relation",
            format!("This item already could restrict {APPLE_TITLE}."),
        ),
    ] {
        let a = ed
            .submit(&path, &[("target", target), ("relation", relation)])
            .await;
        assert_eq!(a.status, 422, "{target} {relation}: {}", a.body);
        assert_eq!(
            texts(&a.body, &format!("#link-{field}-error")),
            [message],
            "{target} {relation}"
        );
    }
    assert_eq!(app.count("item_links"), links);
});

both_backends!(the_history_names_who_made_each_change, |app| {
    let ed = app.editor("ed@example.org").await;
    let jo = app.editor("jo@example.org").await;
    let path = format!("/items/{S321}/edit");
    let fields = form_fields(&ed.get(&path).await.body, &path);
    let a = ed
        .post_fields(&path, &with(fields, "status_summary", "Referred."))
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let a = jo
        .submit(
            &format!("/items/{S321}/links/new"),
            &[("target", APPLE), ("relation", "would restrict")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);

    let history = app.browser().get(&format!("/items/{S321}/history")).await;
    assert_eq!(history.status, 200);
    let revisions = texts(&history.body, ".revision");
    assert!(
        revisions[0].starts_with("Added a link · jo@example.org"),
        "{}",
        revisions[0]
    );
    assert!(
        revisions[1].starts_with("Edited fields · ed@example.org"),
        "{}",
        revisions[1]
    );
    assert!(revisions[2..]
        .iter()
        .all(|r| r.contains("· regwatch (starter data) ·")));
});

both_backends!(ids_in_addresses_that_name_nothing_get_a_404, |app| {
    let ed = app.editor("ed@example.org").await;
    for path in [
        format!("/items/{S321}/events/abc/edit"),
        format!("/items/{S321}/events/-1/retract"),
        format!("/items/{S321}/events/99999/edit"),
        format!("/items/{S321}/events/2147483648/edit"),
    ] {
        let a = ed.get(&path).await;
        assert_eq!(a.status, 404, "{path}");
        assert!(a.body.contains("Not found"), "{path}: the error page");
    }
    // An event of another item is not this item's.
    let apple = ed.get(&format!("/items/{APPLE}")).await;
    let event = attrs(&apple.body, ".history .event", "id").remove(0);
    let event = event.trim_start_matches("event-");
    assert_eq!(
        ed.get(&format!("/items/{APPLE}/events/{event}/edit"))
            .await
            .status,
        200
    );
    assert_eq!(
        ed.get(&format!("/items/{S321}/events/{event}/edit"))
            .await
            .status,
        404
    );
    let token = ed.csrf(&format!("/items/{S321}/links/new")).await;
    for path in [
        format!("/items/{S321}/links/abc/delete"),
        format!("/items/{S321}/links/99999/delete"),
    ] {
        let a = ed.post(&path, &[("csrf_token", &token)]).await;
        assert_eq!(a.status, 404, "{path}");
    }
});

//! What is refused, as editors see it through the forms: invalid fields,
//! a slug another item has, a link that cannot be, each with its message
//! beside the field and nothing stored; forms without the right token or
//! too large, refused whole; and the history naming who made each change.

mod common;

use common::forms::new_item;
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

both_backends!(invalid_items_are_refused_field_by_field, |app| {
    let ed = app.editor("ed@example.org").await;
    let before = (
        app.count("items"),
        app.count("revisions"),
        app.count("changes"),
    );
    let long = "x".repeat(301);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("title", "", "title"),
        ("title", &long, "title"),
        ("kind", "", "kind"),
        ("kind", "treaty", "kind"),
        ("slug", S321, "slug"),
        ("slug", "Not A Slug", "slug"),
        ("slug", "new", "slug"),
        ("jurisdiction", "", "jurisdiction"),
        ("jurisdiction", "usa!", "jurisdiction"),
        ("tags", "ai, Export Controls", "tags"),
    ];
    for (field, value, error_field) in cases {
        let fields: Vec<(String, String)> = new_item()
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_owned(),
                    if k == field {
                        value.to_owned()
                    } else {
                        v.to_owned()
                    },
                )
            })
            .collect();
        let token = ed.csrf("/items/new").await;
        let a = ed
            .post_fields("/items/new", &with(fields, "csrf_token", &token))
            .await;
        assert_eq!(a.status, 422, "{field}={value:?}");
        let id = format!("#item-{}-error", error_field.replace('_', "-"));
        assert_eq!(
            texts(&a.body, &id).len(),
            1,
            "{field}={value:?}: message beside the field"
        );
        // What the user typed is still there.
        assert_eq!(
            attrs(&a.body, "#item-short-title", "value"),
            ["Chip Security Act (S.1705)"]
        );
        assert!(a.body.contains("Would require location verification"));
        assert!(a.body.contains("Nothing was saved."));
    }
    assert_eq!(
        (
            app.count("items"),
            app.count("revisions"),
            app.count("changes")
        ),
        before
    );
});

both_backends!(invalid_events_and_links_are_refused, |app| {
    let ed = app.editor("ed@example.org").await;
    let events = app.count("status_events");
    let path = format!("/items/{S321}/events/new");
    let good = [
        ("date", "2025-03-01"),
        ("precision", "day"),
        ("status", "referred"),
        ("note", "Referred."),
        ("source_url", "https://www.congress.gov/"),
        ("confidence", "high"),
    ];
    for (field, value) in [
        ("date", ""),
        ("date", "2025-02-30"),
        ("date", "2025-03"),
        ("precision", "week"),
        ("status", "final-rule"),
        ("status", ""),
        ("source_url", "ftp://example.org/x"),
        ("source_url", "javascript:alert(1)"),
        ("source_url", ""),
        ("confidence", "certain"),
    ] {
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|&(k, v)| (k, if k == field { value } else { v }))
            .collect();
        let a = ed.submit(&path, &fields).await;
        assert_eq!(a.status, 422, "{field}={value:?}");
        let error_field = if field == "source_url" {
            "source"
        } else {
            field
        };
        assert_eq!(
            texts(&a.body, &format!("#event-{error_field}-error")).len(),
            1,
            "{field}={value:?}: message beside the field"
        );
        assert!(a.body.contains("Referred."), "input kept");
    }
    assert_eq!(app.count("status_events"), events);

    let links = app.count("item_links");
    let link_path = format!("/items/{S321}/links/new");
    for (target, relation, field) in [
        (S321, "amends", "target"),
        ("no-such-item", "amends", "target"),
        ("apple-alibaba-china-ai", "could restrict", "relation"),
        ("apple-alibaba-china-ai", "", "relation"),
        ("Bad Slug", "amends", "target"),
    ] {
        let a = ed
            .submit(&link_path, &[("target", target), ("relation", relation)])
            .await;
        assert_eq!(a.status, 422, "{target} {relation}");
        assert_eq!(
            texts(&a.body, &format!("#link-{field}-error")).len(),
            1,
            "{target} {relation}: {}",
            a.body
        );
    }
    assert_eq!(app.count("item_links"), links);
});

both_backends!(forms_without_the_right_token_change_nothing, |app| {
    let ed = app.editor("ed@example.org").await;
    let before = app.count("items");
    let a = ed.post("/items/new", &new_item()).await;
    assert_eq!(a.status, 403);
    let mut wrong = new_item();
    wrong.push(("csrf_token", "0000"));
    let a = ed.post("/items/new", &wrong).await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("Reload the page"));
    // A token from another session is no good either.
    let other = app.editor("other@example.org").await;
    let foreign = other.csrf("/items/new").await;
    let mut stolen = new_item();
    stolen.push(("csrf_token", &foreign));
    assert_eq!(ed.post("/items/new", &stolen).await.status, 403);
    let event = [
        ("csrf_token", "nope"),
        ("date", "2025-03-01"),
        ("status", "referred"),
        ("source_url", "https://x.org/"),
        ("confidence", "high"),
    ];
    assert_eq!(
        ed.post(&format!("/items/{S321}/events/new"), &event)
            .await
            .status,
        403
    );
    assert_eq!(
        ed.post("/logout", &[("csrf_token", "nope")]).await.status,
        403
    );
    assert_eq!(
        ed.get("/items/new").await.status,
        200,
        "still signed in after a forged sign-out"
    );
    assert_eq!(app.count("items"), before);
    assert_eq!(app.count("status_events"), 28);
});

both_backends!(oversized_forms_get_413, |app| {
    let ed = app.editor("ed@example.org").await;
    let huge = "x".repeat(200 * 1024);
    let token = ed.csrf("/items/new").await;
    let a = ed
        .post(
            "/items/new",
            &[
                ("csrf_token", &token),
                ("kind", "bill"),
                ("title", "T"),
                ("jurisdiction", "US"),
                ("summary", &huge),
            ],
        )
        .await;
    assert_eq!(a.status, 413);
    assert_eq!(app.count("items"), 7);
});

//! Atom feeds as a feed reader sees them: parsed with feed-rs, an entry per
//! change with an id that never changes, the change's time, the item's
//! link and the alert emails' "what changed" text; and every page with a
//! feed announces it for autodiscovery and shows a link to it.

mod common;

use common::{attrs, form_fields, with};

const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";

async fn feed(app: &common::TestApp, path: &str) -> feed_rs::model::Feed {
    let res = app.get(path).await;
    assert_eq!(res.status().as_u16(), 200, "GET {path}");
    assert_eq!(
        res.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let body = res.bytes().await.unwrap();
    feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

fn content(entry: &feed_rs::model::Entry) -> String {
    entry.content.as_ref().unwrap().body.clone().unwrap()
}

both_backends!(an_item_feed_has_an_entry_per_change, |app| {
    let before = feed(&app, &format!("/items/{S321}/feed.atom")).await;
    assert_eq!(
        before.id,
        format!("tag:127.0.0.1,2025:feed/item/{S321}"),
        "a tag: id from the site's host"
    );
    assert!(!before.entries.is_empty(), "the starter data's own changes");

    let ed = app.editor("ed@example.org").await;
    let event = ed
        .submit(
            &format!("/items/{S321}/events/new"),
            &[
                ("date", "2025-10"),
                ("precision", "month"),
                ("status", "referred"),
                ("note", "Referred to committee."),
                (
                    "source_url",
                    "https://www.congress.gov/bill/119th-congress/senate-bill/321",
                ),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(event.status, 303, "{}", event.body);
    let edit = format!("/items/{S321}/edit");
    let fields = form_fields(&ed.get(&edit).await.body, &edit);
    let fields = with(fields, "status_summary", "In committee.");
    assert_eq!(ed.post_fields(&edit, &fields).await.status, 303);
    let link = ed
        .submit(
            &format!("/items/{S321}/links/new"),
            &[("relation", "responds to"), ("target", APPLE)],
        )
        .await;
    assert_eq!(link.status, 303, "{}", link.body);

    let after = feed(&app, &format!("/items/{S321}/feed.atom")).await;
    assert_eq!(after.entries.len(), before.entries.len() + 3);
    // Newest first; the entries seen before keep their ids and dates.
    assert_eq!(ids(&after)[3..], ids(&before)[..]);
    for (old, new) in before.entries.iter().zip(&after.entries[3..]) {
        assert_eq!(old.updated, new.updated);
    }
    for id in ids(&after) {
        let number = id.strip_prefix("tag:127.0.0.1,2025:change/").unwrap();
        assert!(number.parse::<u32>().is_ok(), "{id}");
    }
    let [linked, edited, recorded] = &after.entries[..3] else {
        unreachable!()
    };
    let title = |e: &feed_rs::model::Entry| e.title.as_ref().unwrap().content.clone();
    assert_eq!(
        title(recorded),
        "AI Decoupling Act (S.321): New status event"
    );
    assert_eq!(title(edited), "AI Decoupling Act (S.321): Fields edited");
    assert_eq!(
        title(linked),
        "AI Decoupling Act (S.321): Related item added"
    );
    // The alert emails' text, the date at its precision.
    let told = content(recorded);
    assert!(
        told.contains("Date: October 2025 (known to the month)")
            && told.contains("Note: Referred to committee."),
        "{told}"
    );
    assert!(content(edited).contains("now: In committee."));
    assert!(content(linked).contains("This item responds to"));
    assert_eq!(recorded.authors[0].name.as_deref(), Some("ed@example.org"));
    assert!(recorded.links[0].href.ends_with(&format!("/items/{S321}")));
    let updated = recorded.updated.unwrap();
    assert!((chrono::Utc::now() - updated).num_minutes().abs() < 5);
    assert!(recorded.updated <= edited.updated && edited.updated <= linked.updated);
    assert_eq!(after.updated, linked.updated, "the newest entry's time");

    // The timeline feed shows the same changes under the same ids; the
    // link is a change of each item, the other's entry newest.
    let all = feed(&app, "/feed.atom").await;
    assert_eq!(all.id, "tag:127.0.0.1,2025:feed/all");
    assert_eq!(ids(&all)[1..4], ids(&after)[..3]);
    let apple = feed(&app, &format!("/items/{APPLE}/feed.atom")).await;
    assert_eq!(apple.entries[0].id, all.entries[0].id);
    assert!(content(&apple.entries[0]).contains("responds to this item"));
});

both_backends!(the_timeline_feed_takes_the_timeline_filters, |app| {
    let deals = feed(&app, "/feed.atom?kind=deal").await;
    assert!(!deals.entries.is_empty());
    for e in &deals.entries {
        assert!(
            e.links[0].href.ends_with(&format!("/items/{APPLE}")),
            "{}",
            e.links[0].href
        );
    }
    assert_eq!(deals.id, "tag:127.0.0.1,2025:feed/timeline?kind=deal");
    let searched = feed(&app, "/feed.atom?q=Alibaba&kind=deal&page=3").await;
    assert_eq!(ids(&searched), ids(&deals), "the page is not a filter");
    let none = feed(&app, "/feed.atom?kind=bill&jurisdiction=CN").await;
    assert!(none.entries.is_empty());
    assert!(none.updated.is_some());

    let res = app.get("/feed.atom?kind=spaceship").await;
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(
        app.get("/items/no-such-item/feed.atom")
            .await
            .status()
            .as_u16(),
        404
    );
    let head = app.client.head(app.url("/feed.atom")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
});

both_backends!(pages_with_feeds_announce_them, |app| {
    for (page, href) in [
        ("/", "/feed.atom"),
        ("/?kind=deal&page=1", "/feed.atom?kind=deal"),
        ("/items?tag=ai&sort=title", "/feed.atom?tag=ai"),
        (
            &format!("/items/{S321}") as &str,
            &format!("/items/{S321}/feed.atom") as &str,
        ),
        (
            &format!("/items/{S321}/history"),
            &format!("/items/{S321}/feed.atom"),
        ),
    ] {
        let html = app.page(page, 200).await;
        assert_eq!(
            attrs(
                &html,
                "head link[rel=alternate][type='application/atom+xml']",
                "href"
            ),
            [href],
            "{page}"
        );
        assert_eq!(
            attrs(&html, "main a[type='application/atom+xml']", "href"),
            [href],
            "{page}: a visible link"
        );
        // And the link leads to a feed.
        feed(&app, href).await;
    }
    let login = app.page("/login", 200).await;
    assert!(attrs(&login, "link[rel=alternate]", "href").is_empty());
});

//! An item refiled under another kind or jurisdiction moves on the timeline:
//! its events are found under the new filter, and no longer the old one.

mod common;

use common::{attrs, form_fields, with};

const S321: &str = "us-s321-ai-decoupling-act";

/// How many of the timeline's event rows belong to `slug`.
fn rows_of(html: &str, slug: &str) -> usize {
    attrs(html, ".events .event-item a", "href")
        .iter()
        .filter(|h| h.trim_start_matches("/items/") == slug)
        .count()
}

both_backends!(an_edited_kind_and_jurisdiction_move_the_events, |app| {
    // The starter data files S321 as a US bill with two events.
    assert_eq!(rows_of(&app.page("/?kind=bill", 200).await, S321), 2);
    assert_eq!(rows_of(&app.page("/?jurisdiction=US", 200).await, S321), 2);
    assert_eq!(rows_of(&app.page("/?kind=regulation", 200).await, S321), 0);
    assert_eq!(rows_of(&app.page("/?jurisdiction=EU", 200).await, S321), 0);

    let ed = app.editor("ed@example.org").await;
    let path = format!("/items/{S321}/edit");
    let fields = form_fields(&ed.get(&path).await.body, &path);
    let fields = with(with(fields, "kind", "regulation"), "jurisdiction", "EU");
    let saved = ed.post_fields(&path, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    for (query, seen) in [
        ("/?kind=bill", 0),
        ("/?jurisdiction=US", 0),
        ("/?kind=regulation", 2),
        ("/?jurisdiction=EU", 2),
        ("/?kind=regulation&jurisdiction=EU", 2),
        ("/?kind=bill&jurisdiction=US", 0),
        ("/?kind=regulation&jurisdiction=US", 0),
        ("/", 2),
    ] {
        let html = app.page(query, 200).await;
        assert_eq!(rows_of(&html, S321), seen, "{query}");
    }
    // The rows under the new filter show the item as it now is.
    let html = app.page("/?kind=regulation&jurisdiction=EU", 200).await;
    let dates = attrs(&html, ".events time", "datetime");
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "still newest first");
});

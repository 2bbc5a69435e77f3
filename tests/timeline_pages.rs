//! The timeline a page at a time: fifty events a page with links to the
//! next and previous ones, the filter kept across pages, and the same rows
//! newest first whichever query plan a filter takes.

mod common;

use common::{attrs, texts};
use regwatch::clock::Clock;

both_backends!(pages_of_events, |app| {
    use regwatch::domain::{Confidence, Kind, SourceUrl, Status};
    use regwatch::store::events::{self, NewEvent};
    let mut conn = app.db();
    let item = regwatch::store::items::find_by_slug(&mut conn, "alibaba-qwen2-5-max")
        .unwrap()
        .unwrap();
    let many: Vec<NewEvent> = (1..=60)
        .map(|day| NewEvent {
            date: format!("2024-{:02}-{:02}", 1 + day / 28, 1 + day % 28)
                .parse()
                .unwrap(),
            status: Status::parse(Kind::Product, "press-report").unwrap(),
            note: format!("Report number {day}"),
            source: SourceUrl::try_from("https://example.org/report").unwrap(),
            confidence: Confidence::Low,
        })
        .collect();
    events::insert_many(&mut conn, item.id, &many, None, Clock::system().now()).unwrap();

    let first = app.page("/", 200).await;
    assert_eq!(texts(&first, ".events .event").len(), 50);
    let next = attrs(&first, ".pagination a[rel=next]", "href");
    assert_eq!(next, ["/?page=2"]);
    let second = app.page("/?page=2", 200).await;
    assert_eq!(texts(&second, ".events .event").len(), 38);
    assert!(attrs(&second, ".pagination a[rel=next]", "href").is_empty());
    assert_eq!(attrs(&second, ".pagination a[rel=prev]", "href"), ["/"]);
    // Low-confidence reports are flagged.
    assert!(second.contains("secondary report only"));
    // A filter most items match takes the other query plan on SQLite (walk
    // the events newest first); the rows are the same.
    let all_items = app.page("/?tag=ai", 200).await;
    assert_eq!(
        attrs(&all_items, ".events .event-item a", "href"),
        attrs(&first, ".events .event-item a", "href")
    );
    assert_eq!(
        texts(&app.page("/?tag=ai&page=2", 200).await, ".events .event"),
        texts(&second, ".events .event")
    );
    // The filter survives paging.
    let filtered = app.page("/?kind=product", 200).await;
    assert_eq!(
        attrs(&filtered, ".pagination a[rel=next]", "href"),
        ["/?kind=product&page=2"]
    );

    // Many more events on a CN item: CN items now hold most events, so on
    // SQLite the jurisdiction filter also walks the events newest first.
    let more: Vec<NewEvent> = (1..=200)
        .map(|n| NewEvent {
            date: format!("2023-{:02}-{:02}", 1 + n % 12, 1 + n % 28)
                .parse()
                .unwrap(),
            status: Status::parse(Kind::Product, "press-report").unwrap(),
            note: format!("Later report {n}"),
            source: SourceUrl::try_from("https://example.org/later").unwrap(),
            confidence: Confidence::Medium,
        })
        .collect();
    events::insert_many(&mut conn, item.id, &more, None, Clock::system().now()).unwrap();
    for query in ["/?jurisdiction=CN", "/?jurisdiction=CN&tag=ai"] {
        let cn = app.page(query, 200).await;
        let rows = texts(&cn, ".events .event");
        assert_eq!(rows.len(), 50, "{query}");
        assert!(rows.iter().all(|r| r.contains("CN")), "{query}");
        let dates = attrs(&cn, ".events time", "datetime");
        assert_eq!(
            dates[..6],
            [
                "2026-03-30",
                "2025-10",
                "2025-09-01",
                "2025-06-04",
                "2025-05-17",
                "2025-03-14"
            ],
            "{query}: the newest Apple–Alibaba and labelling measures events"
        );
        let mut sorted = dates.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(dates, sorted, "{query}");
    }
});

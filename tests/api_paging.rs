//! Keyset paging of `/api/v1/items` and `/api/v1/events`: walking the
//! `next` links with a small `limit` gives every row once, in the list's
//! order, for every sort of the item table (items without a status, phase
//! or event included); rows added before and after the cursor between two
//! pages never make a row that stayed put repeat or go missing; a cursor
//! that is malformed, altered or from another list, sort or filter is a
//! 400 naming `cursor`.

mod common;

use chrono::NaiveDate;
use common::TestApp;
use regwatch::clock::Clock;
use regwatch::domain::{
    Confidence, EventDate, ItemId, Jurisdiction, Kind, Slug, SourceUrl, Status, Tag,
};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::items::{self, ItemFields};
use serde_json::Value;

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Adds an item tagged `paging` (titles: one lowercase word, so both
/// databases' collations agree with byte order), with an event at `date`
/// (`YYYY`, `YYYY-MM` or a day) of `status`, or none.
fn add(app: &TestApp, slug: &str, title: &str, kind: Kind, event: Option<(&str, &str)>) -> ItemId {
    let mut conn = app.db();
    let fields = ItemFields {
        kind,
        slug: Slug::try_from(slug).unwrap(),
        title: title.to_owned(),
        short_title: None,
        original_title: None,
        jurisdiction: Jurisdiction::try_from(if kind == Kind::Bill { "US" } else { "EU" }).unwrap(),
        summary: String::new(),
        status_summary: None,
        identifiers: Vec::new(),
        parties: Vec::new(),
        tags: vec![Tag::try_from("paging").unwrap()],
    };
    let now = Clock::system().now();
    let id = items::create(&mut conn, &fields, None, now).unwrap();
    if let Some((date, status)) = event {
        let event = NewEvent {
            date: date.parse::<EventDate>().unwrap(),
            status: Status::parse(kind, status).unwrap(),
            note: format!("Event of {slug}"),
            source: SourceUrl::try_from("https://example.org/paging").unwrap(),
            confidence: Confidence::High,
        };
        events::record(&mut conn, id, &event, None, now).unwrap();
    }
    id
}

/// Slug, title, kind, and the date and status of its event if any.
type Seed = (
    &'static str,
    &'static str,
    Kind,
    Option<(&'static str, &'static str)>,
);

/// Items whose sort values tie, differ in precision on one first day, or
/// are missing.
fn seed(app: &TestApp) {
    let rows: [Seed; 12] = [
        (
            "p-01",
            "pagingalpha",
            Kind::Bill,
            Some(("2025-06", "introduced")),
        ),
        (
            "p-02",
            "pagingalpha",
            Kind::Bill,
            Some(("2025-06-01", "passed")),
        ),
        ("p-03", "pagingbravo", Kind::Bill, Some(("2025", "enacted"))),
        ("p-04", "pagingbravo", Kind::Other, None),
        (
            "p-05",
            "pagingcharlie",
            Kind::Bill,
            Some(("2025-06", "introduced")),
        ),
        ("p-06", "pagingdelta", Kind::Other, None),
        (
            "p-07",
            "pagingecho",
            Kind::Bill,
            Some(("2024-02-29", "stalled")),
        ),
        ("p-08", "pagingalpha", Kind::Other, None),
        (
            "p-09",
            "pagingfoxtrot",
            Kind::Bill,
            Some(("2025-06-01", "introduced")),
        ),
        ("p-10", "pagingecho", Kind::Bill, Some(("2026", "referred"))),
        (
            "p-11",
            "paginggolf",
            Kind::Bill,
            Some(("2025-06-01", "enacted")),
        ),
        ("p-12", "paginghotel", Kind::Other, None),
    ];
    for (slug, title, kind, event) in rows {
        add(app, slug, title, kind, event);
    }
}

/// Follows `next` from `first` to the end; the rows under `field`.
async fn walk(app: &TestApp, first: &str, field: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let (status, page) = get(app, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        rows.extend(page[field].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.contains("cursor=") && !n.contains("page="), "{n}");
        }
        pages += 1;
        assert!(pages < 100, "the walk ends");
    }
    rows
}

fn slugs(rows: &[Value], field: &str) -> Vec<String> {
    rows.iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect()
}

/// The last event as something that sorts by period: first day, then the
/// coarser precision first.
fn period(row: &Value) -> Option<(NaiveDate, u8)> {
    let last = &row["last_event"];
    let date = last["date"].as_str()?;
    let (first, rank) = match last["precision"].as_str()? {
        "year" => (format!("{date}-01-01"), 0),
        "month" => (format!("{date}-01"), 1),
        _ => (date.to_owned(), 2),
    };
    Some((first.parse().unwrap(), rank))
}

/// Whether `a` may come right before `b` in the item table sorted by
/// `sort`/`dir`: by the column (missing values last), then title A to Z.
fn in_order(a: &Value, b: &Value, sort: &str, desc: bool) -> bool {
    use std::cmp::Ordering;
    let flip = |o: Ordering| if desc { o.reverse() } else { o };
    let text = |r: &Value, f: &str| r[f].as_str().map(str::to_owned);
    let primary = match sort {
        "title" => return flip(text(a, "title").cmp(&text(b, "title"))) != Ordering::Greater,
        "last-event" => match (period(a), period(b)) {
            (Some(x), Some(y)) => flip(x.cmp(&y)),
            (x, y) => x.is_none().cmp(&y.is_none()),
        },
        _ => match (text(a, sort), text(b, sort)) {
            (Some(x), Some(y)) => flip(x.cmp(&y)),
            (x, y) => x.is_none().cmp(&y.is_none()),
        },
    };
    match primary {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => sort == "last-event" || text(a, "title") <= text(b, "title"),
    }
}

both_backends!(walking_every_sort_gives_every_item_once_in_order, |app| {
    seed(&app);
    for sort in [
        "title",
        "kind",
        "jurisdiction",
        "status",
        "phase",
        "last-event",
    ] {
        for dir in ["asc", "desc"] {
            let query = format!("tag=paging&sort={sort}&dir={dir}");
            let (status, whole) = get(&app, &format!("/api/v1/items?{query}&limit=200")).await;
            assert_eq!(status, 200, "{whole}");
            assert!(whole["next"].is_null(), "one page holds all");
            let whole = whole["items"].as_array().unwrap().clone();
            assert_eq!(whole.len(), 12);
            assert!(
                whole
                    .windows(2)
                    .all(|w| in_order(&w[0], &w[1], sort, dir == "desc")),
                "{query}: {:?}",
                slugs(&whole, "slug")
            );
            for limit in [1, 2, 5] {
                let walked = walk(
                    &app,
                    &format!("/api/v1/items?{query}&limit={limit}"),
                    "items",
                )
                .await;
                assert_eq!(
                    slugs(&walked, "slug"),
                    slugs(&whole, "slug"),
                    "{query}, limit {limit}"
                );
            }
        }
    }
    // The timeline, newest first, a few events at a time.
    let (_, whole) = get(&app, "/api/v1/events?tag=paging&limit=200").await;
    let whole = whole["events"].as_array().unwrap().clone();
    assert_eq!(whole.len(), 8);
    let walked = walk(&app, "/api/v1/events?tag=paging&limit=3", "events").await;
    assert_eq!(slugs(&walked, "item"), slugs(&whole, "item"));
    // The whole timeline (starter data too), unfiltered and by phase.
    for query in ["", "phase=pending&"] {
        let (_, whole) = get(&app, &format!("/api/v1/events?{query}limit=200")).await;
        let whole = whole["events"].as_array().unwrap().clone();
        let walked = walk(&app, &format!("/api/v1/events?{query}limit=4"), "events").await;
        assert_eq!(walked, whole, "{query}");
    }
});

both_backends!(
    rows_added_around_the_cursor_neither_repeat_nor_vanish,
    |app| {
        seed(&app);
        // By title: after the first page, items land before and after the
        // cursor, and one ties with the cursor's title.
        let (_, before) = get(
            &app,
            "/api/v1/items?tag=paging&sort=title&dir=asc&limit=200",
        )
        .await;
        let before = slugs(before["items"].as_array().unwrap(), "slug");
        let (_, first) = get(&app, "/api/v1/items?tag=paging&sort=title&dir=asc&limit=4").await;
        let mut seen = slugs(first["items"].as_array().unwrap(), "slug");
        assert_eq!(seen, before[..4]);
        add(&app, "n-early", "pagingaardvark", Kind::Other, None);
        add(&app, "n-tie", "pagingbravo", Kind::Other, None);
        add(&app, "n-late", "pagingzulu", Kind::Other, None);
        let rest = walk(&app, first["next"].as_str().unwrap(), "items").await;
        seen.extend(slugs(&rest, "slug"));
        let kept: Vec<&String> = seen.iter().filter(|s| s.starts_with("p-")).collect();
        assert_eq!(
            kept,
            before.iter().collect::<Vec<_>>(),
            "each once, in order"
        );
        assert!(!seen.contains(&"n-early".to_owned()), "before the cursor");
        assert!(seen.contains(&"n-late".to_owned()), "after the cursor");
        assert!(
            seen.contains(&"n-tie".to_owned()),
            "level with it, a higher id"
        );

        // Newest event first: a new newest item goes before the cursor, a new
        // old one after it, an item without events at the end.
        let (_, before) = get(&app, "/api/v1/items?tag=paging&limit=200").await;
        let before = slugs(before["items"].as_array().unwrap(), "slug");
        let (_, first) = get(&app, "/api/v1/items?tag=paging&limit=3").await;
        let mut seen = slugs(first["items"].as_array().unwrap(), "slug");
        add(
            &app,
            "e-new",
            "pagingnew",
            Kind::Bill,
            Some(("2027-01-05", "introduced")),
        );
        add(
            &app,
            "e-old",
            "pagingold",
            Kind::Bill,
            Some(("2019-03", "introduced")),
        );
        add(&app, "e-none", "pagingnone", Kind::Other, None);
        let rest = walk(&app, first["next"].as_str().unwrap(), "items").await;
        seen.extend(slugs(&rest, "slug"));
        let kept: Vec<&String> = seen.iter().filter(|s| before.contains(s)).collect();
        assert_eq!(
            kept,
            before.iter().collect::<Vec<_>>(),
            "each once, in order"
        );
        assert_eq!(seen.len(), before.len() + 2, "{seen:?}");
        assert!(!seen.contains(&"e-new".to_owned()), "before the cursor");
        assert!(seen.contains(&"e-old".to_owned()) && seen.contains(&"e-none".to_owned()));

        // The timeline: a new newest event before the cursor, an old one after.
        let (_, before) = get(&app, "/api/v1/events?tag=paging&limit=200").await;
        let before = before["events"].as_array().unwrap().clone();
        let (_, first) = get(&app, "/api/v1/events?tag=paging&limit=2").await;
        let mut seen = first["events"].as_array().unwrap().clone();
        add(
            &app,
            "t-new",
            "pagingtnew",
            Kind::Bill,
            Some(("2028", "introduced")),
        );
        add(
            &app,
            "t-old",
            "pagingtold",
            Kind::Bill,
            Some(("2001-01-01", "introduced")),
        );
        seen.extend(walk(&app, first["next"].as_str().unwrap(), "events").await);
        let kept: Vec<&Value> = seen.iter().filter(|e| before.contains(e)).collect();
        assert_eq!(
            kept,
            before.iter().collect::<Vec<_>>(),
            "each once, in order"
        );
        let items = slugs(&seen, "item");
        assert!(!items.contains(&"t-new".to_owned()));
        assert_eq!(items.last().map(String::as_str), Some("t-old"));
    }
);

both_backends!(bad_cursors_are_refused_naming_the_parameter, |app| {
    seed(&app);
    let (_, page) = get(&app, "/api/v1/items?tag=paging&sort=title&limit=2").await;
    let next = page["next"].as_str().unwrap().to_owned();
    let cursor = next.split("cursor=").nth(1).unwrap().to_owned();
    let (_, events) = get(&app, "/api/v1/events?limit=2").await;
    let event_cursor = events["next"]
        .as_str()
        .unwrap()
        .split("cursor=")
        .nth(1)
        .unwrap()
        .to_owned();
    let mut altered = cursor.clone().into_bytes();
    altered[2] = if altered[2] == b'x' { b'y' } else { b'x' };
    let altered = String::from_utf8(altered).unwrap();
    for path in [
        "/api/v1/items?cursor=nonsense".to_owned(),
        "/api/v1/events?cursor=%00%ff".to_owned(),
        format!("/api/v1/items?tag=paging&sort=title&limit=2&cursor={altered}"),
        format!(
            "/api/v1/items?tag=paging&sort=title&limit=2&cursor={}",
            &cursor[1..]
        ),
        // Another sort, direction or filter than the cursor's.
        format!("/api/v1/items?tag=paging&sort=kind&limit=2&cursor={cursor}"),
        format!("/api/v1/items?tag=paging&sort=title&dir=desc&limit=2&cursor={cursor}"),
        format!("/api/v1/items?tag=other&sort=title&limit=2&cursor={cursor}"),
        // Another list's cursor.
        format!("/api/v1/events?cursor={cursor}"),
        format!("/api/v1/items?cursor={event_cursor}"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status().as_u16(), 400, "{path}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{path}"
        );
        let body: Value = res.json().await.unwrap();
        assert!(
            body["detail"].as_str().unwrap().contains("\"cursor\""),
            "{path}: {body}"
        );
    }
    for path in ["/api/v1/items?limit=0", "/api/v1/events?limit=201"] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            body["detail"].as_str().unwrap().contains("\"limit\""),
            "{body}"
        );
    }
    // The cursor as given still works (the limit may change).
    let (status, page) = get(&app, &next.replace("limit=2", "limit=3")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
});

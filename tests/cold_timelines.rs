//! The timeline filtered by tag, phase or text reads index ranges kept by
//! triggers; these tests hold it to what a plain query over the same data
//! gives, page after page and cursor after cursor, and follow the writes
//! that move events in and out of a filter.

mod common;

use std::collections::{HashMap, HashSet};

use common::{attrs, form_fields, generated, with};
use diesel::prelude::*;
use regwatch::domain::{Filter, SearchQuery};
use regwatch::store::timeline::TextPlan;
use regwatch::store::DbConnection;

/// Whether an event (its item, its phase) belongs on the timeline.
type Keep = Box<dyn Fn(i32, Option<&str>) -> bool>;

const S321: &str = "us-s321-ai-decoupling-act";

/// Standing events of the items `keep` accepts, newest first: the
/// reference the indexed timeline must equal.
fn reference(conn: &mut DbConnection, keep: &dyn Fn(i32, Option<&str>) -> bool) -> Vec<i32> {
    use regwatch::schema::status_events::dsl as e;
    let rows: Vec<(i32, i32, chrono::NaiveDate, Option<String>)> = e::status_events
        .filter(e::retracted.eq(false))
        .select((e::id, e::item_id, e::event_date, e::phase))
        .load(conn)
        .unwrap();
    let mut rows: Vec<_> = rows
        .into_iter()
        .filter(|(_, item, _, phase)| keep(*item, phase.as_deref()))
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse((r.2, r.0)));
    rows.into_iter().map(|r| r.0).collect()
}

/// The items with each tag.
fn tagged(conn: &mut DbConnection) -> HashMap<String, HashSet<i32>> {
    use regwatch::schema::{item_tags, tags};
    let rows: Vec<(String, i32)> = item_tags::table
        .inner_join(tags::table)
        .select((tags::name, item_tags::item_id))
        .load(conn)
        .unwrap();
    let mut out: HashMap<String, HashSet<i32>> = HashMap::new();
    for (tag, item) in rows {
        out.entry(tag).or_default().insert(item);
    }
    out
}

/// The items a search finds, asked of the item table (no timeline code).
fn found(conn: &mut DbConnection, q: &str) -> HashSet<i32> {
    let filter = Filter {
        q: SearchQuery::parse(q),
        ..Default::default()
    };
    let backend = conn.backend();
    let query = regwatch::store::timeline::filter_item_table(
        regwatch::schema::items::table
            .select(regwatch::schema::items::id)
            .into_boxed(),
        &filter,
        backend,
    );
    query
        .load::<regwatch::domain::ItemId>(conn)
        .unwrap()
        .into_iter()
        .map(|i| i.0)
        .collect()
}

both_backends!(filtered_timelines_equal_a_plain_query, |app| {
    let mut conn = app.db();
    generated::fill(&mut conn, 1200, 5, 7);
    let tags = tagged(&mut conn);
    let cases: Vec<(&str, Filter, Keep)> = {
        let chips = tags["chips"].clone();
        let rare = tags["rare"].clone();
        let quantum = found(&mut conn, "quantum");
        let export_licence = found(&mut conn, "export licence");
        let one = found(&mut conn, "gen 500");
        assert!(quantum.len() > 100 && !one.is_empty() && one.len() < 5);
        assert!(rare.len() == 1, "one item in a thousand");
        let chips2 = chips.clone();
        let quantum2 = quantum.clone();
        vec![
            (
                "tag=chips",
                Filter {
                    tag: Some("chips".try_into().unwrap()),
                    ..Default::default()
                },
                Box::new(move |i, _| chips.contains(&i)),
            ),
            (
                "tag=rare",
                Filter {
                    tag: Some("rare".try_into().unwrap()),
                    ..Default::default()
                },
                Box::new(move |i, _| rare.contains(&i)),
            ),
            (
                "tag=nothing",
                Filter {
                    tag: Some("nothing".try_into().unwrap()),
                    ..Default::default()
                },
                Box::new(|_, _| false),
            ),
            (
                "phase=stalled",
                Filter {
                    phase: Some("stalled".parse().unwrap()),
                    ..Default::default()
                },
                Box::new(|_, p| p == Some("stalled")),
            ),
            (
                "q=quantum",
                Filter {
                    q: SearchQuery::parse("quantum"),
                    ..Default::default()
                },
                Box::new(move |i, _| quantum.contains(&i)),
            ),
            (
                "q=export licence",
                Filter {
                    q: SearchQuery::parse("export licence"),
                    ..Default::default()
                },
                Box::new(move |i, _| export_licence.contains(&i)),
            ),
            (
                "q=gen 500",
                Filter {
                    q: SearchQuery::parse("gen 500"),
                    ..Default::default()
                },
                Box::new(move |i, _| one.contains(&i)),
            ),
            (
                "tag=chips, q=quantum, phase=pending",
                Filter {
                    tag: Some("chips".try_into().unwrap()),
                    q: SearchQuery::parse("quantum"),
                    phase: Some("pending".parse().unwrap()),
                    ..Default::default()
                },
                Box::new(move |i, p| {
                    chips2.contains(&i) && quantum2.contains(&i) && p == Some("pending")
                }),
            ),
        ]
    };
    for (label, filter, keep) in &cases {
        let expected = reference(&mut conn, keep.as_ref());
        for plan in [TextPlan::Auto, TextPlan::Walk, TextPlan::Collect] {
            let (paged, cursored) = generated::all_pages(&mut conn, filter, plan);
            assert_eq!(paged.len(), expected.len(), "{label} {plan:?}: pages");
            assert!(paged == expected, "{label} {plan:?}: pages differ");
            assert!(cursored == expected, "{label} {plan:?}: cursor differs");
        }
    }
});

/// How many of the timeline's event rows belong to `slug`.
fn rows_of(html: &str, slug: &str) -> usize {
    attrs(html, ".events .event-item a", "href")
        .iter()
        .filter(|h| h.trim_start_matches("/items/") == slug)
        .count()
}

both_backends!(
    edited_tags_and_retractions_move_events_on_the_tag_timeline,
    |app| {
        // The filter menu offers each jurisdiction in use once, in order.
        let menu = attrs(&app.page("/", 200).await, "#f-jurisdiction option", "value");
        assert_eq!(menu, ["", "CN", "US"]);
        // The starter data tags S321 export-controls, with two events.
        assert_eq!(
            rows_of(&app.page("/?tag=export-controls", 200).await, S321),
            2
        );
        assert_eq!(rows_of(&app.page("/?tag=lidar", 200).await, S321), 0);

        let ed = app.editor("ed@example.org").await;
        let path = format!("/items/{S321}/edit");
        let fields = form_fields(&ed.get(&path).await.body, &path);
        let saved = ed
            .post_fields(&path, &with(fields, "tags", "ai, lidar"))
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(
            rows_of(&app.page("/?tag=export-controls", 200).await, S321),
            0
        );
        assert_eq!(rows_of(&app.page("/?tag=lidar", 200).await, S321), 2);
        assert_eq!(rows_of(&app.page("/?tag=ai", 200).await, S321), 2);

        // An event recorded now takes the item's tags.
        let recorded = ed
            .submit(
                &format!("/items/{S321}/events/new"),
                &[
                    ("date", "2025-03-01"),
                    ("precision", "day"),
                    ("status", "referred"),
                    ("note", "Referred."),
                    ("source_url", "https://www.congress.gov/"),
                    ("confidence", "high"),
                ],
            )
            .await;
        assert_eq!(recorded.status, 303, "{}", recorded.body);
        assert_eq!(rows_of(&app.page("/?tag=lidar", 200).await, S321), 3);

        // Retracting one of its events takes it off the tag's timeline.
        let page = ed.get(&format!("/items/{S321}")).await;
        let edits = attrs(&page.body, ".event-actions a[href$='/edit']", "href");
        let retract = edits[0].replace("/edit", "/retract");
        let a = ed.submit(&retract, &[("reason", "Misreported.")]).await;
        assert_eq!(a.status, 303, "{}", a.body);
        assert_eq!(rows_of(&app.page("/?tag=lidar", 200).await, S321), 2);
        let api = app.page("/api/v1/events?tag=lidar", 200).await;
        assert_eq!(
            api.matches(&format!("\"item\":\"{S321}\"")).count(),
            2,
            "{api}"
        );
    }
);

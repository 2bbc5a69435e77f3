//! The "Coming up" box, the item table and the filtered feed choose how to
//! find the items of a tag or a search (walk in order checking each one,
//! or read the matches and sort); these tests hold every plan to what a
//! plain query over the same data gives, on both backends.

mod common;

use common::generated;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use regwatch::domain::{Countdown, Filter, SearchQuery, Sort, SortColumn};
use regwatch::store::change_feed::{self, FeedScope, FEED_LENGTH};
use regwatch::store::milestones::MilestoneRow;
use regwatch::store::timeline::{self, TextPlan};
use regwatch::store::upcoming;
use regwatch::store::DbConnection;

const PLANS: [TextPlan; 3] = [TextPlan::Auto, TextPlan::Walk, TextPlan::Collect];

/// Whether an item (its id, its current phase) is in the filter.
type Keep = Box<dyn Fn(i32, Option<&str>) -> bool>;

/// Every item's current phase.
fn phases(conn: &mut DbConnection) -> HashMap<i32, Option<String>> {
    use regwatch::schema::items::dsl as i;
    i::items
        .select((i::id, i::current_phase))
        .load::<(i32, Option<String>)>(conn)
        .unwrap()
        .into_iter()
        .collect()
}

/// The items carrying `tag`.
fn tagged(conn: &mut DbConnection, tag: &str) -> HashSet<i32> {
    use regwatch::schema::{item_tags, tags};
    item_tags::table
        .inner_join(tags::table)
        .filter(tags::name.eq(tag))
        .select(item_tags::item_id)
        .load::<i32>(conn)
        .unwrap()
        .into_iter()
        .collect()
}

/// The items a search finds, asked of the item table's own filter.
fn found(conn: &mut DbConnection, q: &str) -> HashSet<i32> {
    let filter = Filter {
        q: SearchQuery::parse(q),
        ..Default::default()
    };
    let backend = conn.backend();
    timeline::filter_item_table(
        regwatch::schema::items::table
            .select(regwatch::schema::items::id)
            .into_boxed(),
        &filter,
        backend,
    )
    .load::<regwatch::domain::ItemId>(conn)
    .unwrap()
    .into_iter()
    .map(|i| i.0)
    .collect()
}

/// Filters whose items are many, few and none, with the plain test of
/// each item.
fn cases(conn: &mut DbConnection) -> Vec<(&'static str, Filter, Keep)> {
    let chips = tagged(conn, "chips");
    let rare = tagged(conn, "rare");
    let quantum = found(conn, "quantum");
    let one = found(conn, "gen 500");
    assert!(chips.len() > 500, "enough for the feed to walk");
    assert!(quantum.len() > 100 && !one.is_empty() && one.len() < 5);
    assert!(!rare.is_empty() && rare.len() < 5);
    let (chips2, quantum2) = (chips.clone(), quantum.clone());
    let tag = |t: &str| Some(t.try_into().unwrap());
    vec![
        (
            "tag=chips",
            Filter {
                tag: tag("chips"),
                ..Default::default()
            },
            Box::new(move |i, _| chips.contains(&i)),
        ),
        (
            "tag=rare",
            Filter {
                tag: tag("rare"),
                ..Default::default()
            },
            Box::new(move |i, _| rare.contains(&i)),
        ),
        (
            "tag=nothing",
            Filter {
                tag: tag("nothing"),
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
                tag: tag("chips"),
                q: SearchQuery::parse("quantum"),
                phase: Some("pending".parse().unwrap()),
                ..Default::default()
            },
            Box::new(move |i, p| {
                chips2.contains(&i) && quantum2.contains(&i) && p == Some("pending")
            }),
        ),
    ]
}

both_backends!(coming_up_equals_a_plain_query, |app| {
    let mut conn = app.db();
    let now = generated::fill(&mut conn, 2400, 2, 11);
    let phases = phases(&mut conn);
    let all: Vec<MilestoneRow> = regwatch::schema::milestones::table
        .select(MilestoneRow::as_select())
        .load(&mut conn)
        .unwrap();
    // Later days, so that some milestones have passed and are skipped.
    for days in [0, 300] {
        let today = now.date() + chrono::Duration::days(days);
        for (label, filter, keep) in cases(&mut conn) {
            let mut expected: Vec<&MilestoneRow> = all
                .iter()
                .filter(|m| {
                    !m.cancelled
                        && keep(m.item_id.0, phases[&m.item_id.0].as_deref())
                        && Countdown::of(&m.date(), today).is_ahead()
                })
                .collect();
            expected.sort_by_key(|m| (m.milestone_date, m.id));
            let expected: Vec<i32> = expected.iter().map(|m| m.id.0).collect();
            for limit in [5, 60, 1000] {
                let want = &expected[..expected.len().min(limit)];
                for plan in PLANS {
                    let got: Vec<i32> =
                        upcoming::upcoming_planned(&mut conn, &filter, today, limit, plan)
                            .unwrap()
                            .iter()
                            .map(|(m, _)| m.id.0)
                            .collect();
                    assert_eq!(got, want, "{label}, {limit}, {plan:?}, {days} days on");
                }
            }
        }
    }
});

both_backends!(item_tables_equal_a_plain_query, |app| {
    let mut conn = app.db();
    generated::fill(&mut conn, 2400, 2, 11);
    let phases = phases(&mut conn);
    let sorts = [
        (SortColumn::LastEvent, true),
        (SortColumn::LastEvent, false),
        (SortColumn::Title, false),
        (SortColumn::Title, true),
        (SortColumn::Phase, false),
    ];
    for (label, filter, keep) in cases(&mut conn) {
        let mut expected: Vec<i32> = phases
            .iter()
            .filter(|(id, phase)| keep(**id, phase.as_deref()))
            .map(|(id, _)| *id)
            .collect();
        expected.sort_unstable();
        for (column, descending) in sorts {
            let sort = Sort { column, descending };
            let mut orders = Vec::new();
            for plan in PLANS {
                let mut rows = Vec::new();
                for page in 1.. {
                    let p = timeline::items_planned(&mut conn, &filter, sort, page, plan).unwrap();
                    rows.extend(p.rows.iter().map(|i| i.id.0));
                    if !p.has_next {
                        break;
                    }
                }
                let mut set = rows.clone();
                set.sort_unstable();
                assert_eq!(set, expected, "{label}, {sort:?}, {plan:?}: items");
                orders.push(rows);
            }
            assert!(
                orders.iter().all(|o| *o == orders[2]),
                "{label}, {sort:?}: the plans' orders differ"
            );
        }
    }
});

both_backends!(filtered_feeds_equal_a_plain_query, |app| {
    let mut conn = app.db();
    generated::fill(&mut conn, 2400, 2, 11);
    // A change on every fifth item (a copy of the starter data's first).
    diesel::sql_query(
        "INSERT INTO changes (item_id, kind, payload, user_id, created_at, origin) \
         SELECT items.id, c.kind, c.payload, NULL, c.created_at, NULL \
         FROM items, (SELECT kind, payload, created_at FROM changes ORDER BY id LIMIT 1) c \
         WHERE items.id % 5 = 0 ORDER BY items.id",
    )
    .execute(&mut conn)
    .unwrap();
    let phases = phases(&mut conn);
    let changes: Vec<(i32, i32)> = {
        use regwatch::schema::changes::dsl as c;
        c::changes
            .select((c::id, c::item_id))
            .order(c::id.desc())
            .load(&mut conn)
            .unwrap()
    };
    for (label, filter, keep) in cases(&mut conn) {
        let expected: Vec<i32> = changes
            .iter()
            .filter(|(_, item)| keep(*item, phases[item].as_deref()))
            .take(FEED_LENGTH as usize)
            .map(|(id, _)| *id)
            .collect();
        let got: Vec<i32> = change_feed::newest(&mut conn, FeedScope::Filter(&filter))
            .unwrap()
            .iter()
            .map(|c| c.change.id.0)
            .collect();
        assert_eq!(got, expected, "{label}");
    }
});

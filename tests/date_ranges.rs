//! The timeline narrowed to a date range, at a size where the plan
//! matters: every page and every cursor step equals a plain overlap check
//! of each event's period (a date known only to its month or year is in
//! when that month or year overlaps the range), on both backends.

mod common;

use chrono::NaiveDate;
use diesel::prelude::*;
use regwatch::domain::{DatePrecision, EventDate, EventKey, Filter};
use regwatch::store::generate::{analyze, generate, Size};
use regwatch::store::timeline::{self, TextPlan, TIMELINE_PAGE_SIZE};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

both_backends!(date_ranges_equal_a_plain_overlap_check, |app| {
    let mut conn = app.db();
    let size = Size {
        items: 1200,
        events_per_item: 5,
        subscribers: 0,
        seed: 11,
    };
    generate(&mut conn, size, regwatch::clock::Clock::system().now()).unwrap();
    analyze(&mut conn).unwrap();
    use regwatch::schema::status_events::dsl as e;
    let events: Vec<(i32, NaiveDate, String)> = e::status_events
        .filter(e::retracted.eq(false))
        .select((e::id, e::event_date, e::date_precision))
        .load(&mut conn)
        .unwrap();
    let precisions: Vec<&str> = events.iter().map(|(_, _, p)| p.as_str()).collect();
    assert!(precisions.contains(&"month") && precisions.contains(&"year"));

    let ranges = [
        (Some("2020-03-01"), Some("2020-03-31")),
        (Some("2021-05-10"), Some("2021-07-20")),
        (Some("2024-06-15"), None),
        (None, Some("2016-02-10")),
        (Some("2019-01-01"), Some("2019-12-31")),
    ];
    for (from, to) in ranges {
        let filter = Filter {
            from: from.map(day),
            to: to.map(day),
            ..Default::default()
        };
        let mut expected: Vec<&(i32, NaiveDate, String)> = events
            .iter()
            .filter(|(_, date, precision)| {
                let precision: DatePrecision = precision.parse().unwrap();
                let period = EventDate::from_parts(*date, precision);
                from.is_none_or(|f| period.end() >= day(f))
                    && to.is_none_or(|t| period.start() <= day(t))
            })
            .collect();
        expected.sort_by_key(|(id, date, _)| std::cmp::Reverse((*date, *id)));
        let expected: Vec<i32> = expected.iter().map(|(id, _, _)| *id).collect();
        assert!(!expected.is_empty(), "{from:?}..{to:?}");

        let mut paged = Vec::new();
        for page in 1.. {
            let p = timeline::timeline_planned(&mut conn, &filter, page, TextPlan::Auto).unwrap();
            assert!(p.rows.len() as i64 <= TIMELINE_PAGE_SIZE);
            paged.extend(p.rows.iter().map(|(e, _)| e.id.0));
            if !p.has_next {
                break;
            }
        }
        assert!(paged == expected, "{from:?}..{to:?}: pages differ");
        let mut cursored = Vec::new();
        let mut after = None;
        loop {
            let (rows, more) =
                timeline::timeline_after_planned(&mut conn, &filter, after, 37, TextPlan::Auto)
                    .unwrap();
            cursored.extend(rows.iter().map(|(e, _)| e.id.0));
            after = rows.last().map(|(e, _)| EventKey {
                date: e.event_date,
                id: e.id,
            });
            if !more {
                break;
            }
        }
        assert!(cursored == expected, "{from:?}..{to:?}: cursor differs");
    }
});

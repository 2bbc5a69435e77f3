//! The timeline narrowed to a date range, at a size where the plan
//! matters: every page and every cursor step equals a plain overlap check
//! of each event's period (a date known only to its month or year is in
//! when that month or year overlaps the range), on both backends.

mod common;

use common::generated;

use chrono::NaiveDate;
use diesel::prelude::*;
use regwatch::domain::{DatePrecision, EventDate, Filter};
use regwatch::store::timeline::TextPlan;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

both_backends!(date_ranges_equal_a_plain_overlap_check, |app| {
    let mut conn = app.db();
    generated::fill(&mut conn, 1200, 5, 11);
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

        let (paged, cursored) = generated::all_pages(&mut conn, &filter, TextPlan::Auto);
        assert!(paged == expected, "{from:?}..{to:?}: pages differ");
        assert!(cursored == expected, "{from:?}..{to:?}: cursor differs");
    }
});

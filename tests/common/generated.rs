//! A database filled by `regwatch gen`'s generator, and the timeline read
//! whole from it.

use regwatch::domain::{EventKey, Filter};
use regwatch::store::generate::{analyze, generate, Size};
use regwatch::store::timeline::{self, TextPlan, TIMELINE_PAGE_SIZE};
use regwatch::store::DbConnection;

/// Fills the database with `items` generated items (no subscribers) and
/// updates the planner's statistics; the time the data was made at.
pub fn fill(
    conn: &mut DbConnection,
    items: u32,
    events_per_item: u32,
    seed: u64,
) -> chrono::NaiveDateTime {
    let now = regwatch::clock::Clock::system().now();
    let size = Size {
        items,
        events_per_item,
        subscribers: 0,
        seed,
    };
    generate(conn, size, now).unwrap();
    analyze(conn).unwrap();
    now
}

/// Every page of the timeline, and every cursor step of the API's read,
/// as event ids.
pub fn all_pages(conn: &mut DbConnection, filter: &Filter, plan: TextPlan) -> (Vec<i32>, Vec<i32>) {
    let mut paged = Vec::new();
    for page in 1.. {
        let p = timeline::timeline_planned(conn, filter, page, plan).unwrap();
        assert!(p.rows.len() as i64 <= TIMELINE_PAGE_SIZE);
        paged.extend(p.rows.iter().map(|(e, _)| e.id.0));
        if !p.has_next {
            break;
        }
    }
    let mut cursored = Vec::new();
    let mut after = None;
    loop {
        let (rows, more) = timeline::timeline_after_planned(conn, filter, after, 37, plan).unwrap();
        cursored.extend(rows.iter().map(|(e, _)| e.id.0));
        after = rows.last().map(|(e, _)| EventKey {
            date: e.event_date,
            id: e.id,
        });
        if !more {
            break;
        }
    }
    (paged, cursored)
}

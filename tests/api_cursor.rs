//! The change cursor under concurrent writes: writers whose transactions
//! commit in a different order than they drew their change ids, while a
//! client polls `/api/v1/changes?after=CURSOR`, and every change is seen
//! exactly once, in order.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TestApp;
use regwatch::clock::Clock;
use regwatch::db::{write_transaction, Backend, DbConnection, DbError};
use regwatch::domain::{Confidence, DatePrecision, EventDate, ItemId, Kind, SourceUrl, Status};
use regwatch::store::{events, items};
use serde_json::Value;

const WRITERS: usize = 4;
const EACH: usize = 15;

both_backends!(the_change_cursor_never_skips_or_repeats_under_concurrent_writes);

fn event(n: usize) -> events::NewEvent {
    events::NewEvent {
        date: EventDate::parse_with_precision(
            &format!("2025-{:02}", n % 12 + 1),
            DatePrecision::Month,
        )
        .unwrap(),
        status: Status::parse(Kind::Deal, "reported").unwrap(),
        note: format!("Concurrent write {n}"),
        source: SourceUrl::try_from("https://example.org/report").unwrap(),
        confidence: Confidence::Medium,
    }
}

/// Records events on one item, each in a transaction held open a little
/// after its change id was drawn, so later ids often commit first.
fn writer(url: String, item: ItemId, seed: usize) -> Result<(), DbError> {
    let mut conn = DbConnection::open(&url)?;
    for n in 0..EACH {
        write_transaction(&mut conn, |conn| {
            events::record(
                conn,
                item,
                &event(seed * 100 + n),
                None,
                Clock::system().now(),
            )?;
            std::thread::sleep(Duration::from_millis(((seed * 7 + n * 13) % 20) as u64));
            Ok::<_, DbError>(())
        })?;
    }
    Ok(())
}

async fn poll(app: &TestApp, after: &str) -> (Vec<i64>, String) {
    let res = app
        .get(&format!("/api/v1/changes?after={after}&limit=7"))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    let ids = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    (ids, body["cursor"].as_str().unwrap().to_owned())
}

async fn the_change_cursor_never_skips_or_repeats_under_concurrent_writes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // Start from the end of the starter data's changes.
    let mut cursor = "0".to_owned();
    loop {
        let (ids, next) = poll(&app, &cursor).await;
        cursor = next;
        if ids.is_empty() {
            break;
        }
    }
    let start: i64 = cursor.parse().unwrap();
    let deals: Vec<ItemId> = {
        let mut conn = app.db();
        ["apple-alibaba-china-ai", "alibaba-qwen2-5-max"]
            .iter()
            .map(|s| items::find_by_slug(&mut conn, s).unwrap().unwrap().id)
            .collect()
    };
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (url, item) = (app.database_url.clone(), deals[w % deals.len()]);
            std::thread::spawn(move || writer(url, item, w))
        })
        .collect();
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            for w in writers {
                w.join().unwrap().expect("writer");
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut seen = Vec::new();
    loop {
        // Read `done` before polling: a poll that starts after every writer
        // committed and returns nothing is the end.
        let finished = done.load(Ordering::SeqCst);
        let (ids, next) = poll(&app, &cursor).await;
        let empty = ids.is_empty();
        seen.extend(ids);
        cursor = next;
        if finished && empty {
            break;
        }
        if empty {
            actix_web::rt::time::sleep(Duration::from_millis(3)).await;
        }
    }
    watcher.join().unwrap();

    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "in order, none twice: {seen:?}"
    );
    let committed: BTreeSet<i64> = {
        use diesel::prelude::*;
        use regwatch::schema::changes;
        changes::table
            .filter(changes::id.gt(start as i32))
            .select(changes::id)
            .load::<i32>(&mut app.db())
            .unwrap()
            .into_iter()
            .map(i64::from)
            .collect()
    };
    assert_eq!(committed.len(), WRITERS * EACH);
    assert_eq!(
        seen.into_iter().collect::<BTreeSet<_>>(),
        committed,
        "every change seen"
    );
}

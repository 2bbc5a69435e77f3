//! `regwatch import` commits records in batches: a file of several
//! batches, with failing records inside and at the edges of them, stores
//! every good record and nothing of a failed one, reports each record once
//! and in file order, and a second run finds everything unchanged.

mod common;

use std::process::Command;

use common::TestDatabase;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::EmailAddress;
use regwatch::import::BATCH_RECORDS;
use regwatch::store::items;
use regwatch::store::users::{self, Password, Role};

const EDITOR: &str = "batches@example.org";

fn import(url: &str, file: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["import", file.to_str().unwrap(), "--user", EDITOR])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn count(url: &str, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = DbConnection::open(url).unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(&mut conn)
        .unwrap()
        .n
}

both_backends!(records_across_batches_are_each_stored_or_refused_whole);

async fn records_across_batches_are_each_stored_or_refused_whole(backend: Backend) {
    let Some(db) = TestDatabase::create(backend) else {
        return;
    };
    let mut conn = DbConnection::open(&db.url).unwrap();
    conn.migrate().unwrap();
    users::create(
        &mut conn,
        &EmailAddress::try_from(EDITOR).unwrap(),
        &Password::try_from("correct horse battery").unwrap(),
        Role::Editor,
        Clock::system().now(),
    )
    .unwrap();
    let total = 2 * BATCH_RECORDS + 20;
    // The first record, one inside a batch, the last of the first batch
    // and the first of the second, and the last record fail.
    let bad = [0, 7, BATCH_RECORDS - 1, BATCH_RECORDS, total - 1];
    let records: Vec<String> = (0..total)
        .map(|i| {
            let kind = if bad.contains(&i) { "treaty" } else { "bill" };
            format!(
                r#"{{"slug": "batch-{i}", "title": "Batch item {i}", "kind": "{kind}",
                    "jurisdiction": "US", "tags": ["batch"],
                    "events": [{{"date": "2024-05", "status": "introduced",
                      "confidence": "high", "source": "https://example.org/b/{i}"}}]}}"#
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batches.json");
    std::fs::write(&file, format!("{{\"items\": [{}]}}", records.join(",\n"))).unwrap();

    let (ok, out) = import(&db.url, &file);
    assert!(!ok, "failed records fail the command");
    let good = total - bad.len();
    assert!(
        out.contains(&format!(
            "{good} imported, 0 unchanged, {} failed",
            bad.len()
        )),
        "{out}"
    );
    // Each record reported once, in file order.
    let reported: Vec<usize> = out
        .lines()
        .filter_map(|l| l.strip_prefix("items["))
        .map(|l| l.split(']').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(reported, (0..total).collect::<Vec<_>>());
    for i in bad {
        assert!(
            out.contains(&format!("items[{i}] batch-{i}: failed")),
            "{i}: {out}"
        );
        assert!(items::find_by_slug(&mut conn, &format!("batch-{i}"))
            .unwrap()
            .is_none());
    }
    let good = good as i64;
    assert_eq!(count(&db.url, "items"), good);
    assert_eq!(count(&db.url, "status_events"), good);
    // A change for each new item and each new event, none for the others.
    assert_eq!(count(&db.url, "changes"), 2 * good);
    let last_good = items::find_by_slug(&mut conn, &format!("batch-{}", total - 2))
        .unwrap()
        .expect("stored");
    assert_eq!(last_good.current_status.as_deref(), Some("introduced"));

    let (_, again) = import(&db.url, &file);
    assert!(
        again.contains(&format!("0 imported, {good} unchanged, 5 failed")),
        "{again}"
    );
    assert_eq!(count(&db.url, "changes"), 2 * good);
}

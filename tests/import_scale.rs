//! A 50,000-item import finishes in bounded memory: the file is generated
//! here (written as it is generated, so the test holds none of it either),
//! the real binary imports it, and its peak resident memory (`VmHWM`,
//! polled from /proc while it runs) stays far below what holding the
//! file's records would take.
//!
//! SQLite only: on PostgreSQL each record's statements are each a round
//! trip to the server, which makes 50,000 of them take minutes; the
//! reading and the bounded memory under test are the same on either
//! backend (the PostgreSQL path, batches included, is covered by
//! `tests/import.rs` and `tests/import_batches.rs`).

mod common;

use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDatabase;
use regwatch::clock::Clock;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::EmailAddress;
use regwatch::store::users::{self, Password, Role};

const ITEMS: usize = 50_000;
/// The peak resident memory allowed, in KiB. The file is about 60 MB and
/// its records, held in memory as parsed values, take several times that;
/// streaming, the importer stays near its own size (measured: see the
/// README's import section).
const PEAK_KIB: u64 = 48 * 1024;

fn write_file(path: &std::path::Path) -> u64 {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(b"{\"items\": [\n").unwrap();
    for i in 0..ITEMS {
        if i > 0 {
            out.write_all(b",\n").unwrap();
        }
        write!(
            out,
            r#"{{"slug": "bulk-item-{i}", "title": "Bulk item {i} 批量", "kind": "bill",
 "jurisdiction": "US", "tags": ["bulk", "t{t}"], "identifiers": ["H.R. {i}"],
 "summary": "{summary}",
 "events": [{{"date": "2024-{month:02}", "status": "introduced", "confidence": "high",
   "note": "Introduced as number {i}.", "source": "https://example.org/bills/{i}"}}]}}"#,
            t = i % 50,
            month = i % 12 + 1,
            summary = "A generated item for the bulk import test. ".repeat(20),
        )
        .unwrap();
    }
    out.write_all(b"\n]}\n").unwrap();
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// The process's peak resident set so far, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn fifty_thousand_items_import_in_bounded_memory() {
    let db = TestDatabase::create(Backend::Sqlite).unwrap();
    let mut conn = DbConnection::open(&db.url).unwrap();
    conn.migrate().unwrap();
    users::create(
        &mut conn,
        &EmailAddress::try_from("bulk@example.org").unwrap(),
        &Password::try_from("correct horse battery").unwrap(),
        Role::Editor,
        Clock::system().now(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bulk.json");
    let size = write_file(&file);

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["import", file.to_str().unwrap()])
        .args(["--user", "bulk@example.org", "--no-alerts"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // The report goes to a pipe that must be drained for the import to go on.
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut last = String::new();
        let mut lines = 0usize;
        for line in std::io::BufReader::new(stdout).lines() {
            last = line.unwrap();
            lines += 1;
        }
        (lines, last)
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (lines, summary) = reader.join().unwrap();
    let took = started.elapsed();
    eprintln!(
        "imported {ITEMS} items ({} MB) in {:.1} s; peak resident memory {} MiB",
        size / 1_000_000,
        took.as_secs_f64(),
        peak / 1024
    );
    assert!(status.success(), "{summary}");
    assert_eq!(summary, format!("{ITEMS} imported, 0 unchanged, 0 failed"));
    assert!(lines > ITEMS, "a report per item");
    assert!(size > 50_000_000, "the file is larger than the bound");
    assert!(peak > 0, "the peak was read");
    assert!(
        peak < PEAK_KIB,
        "peak resident memory {peak} KiB, bound {PEAK_KIB} KiB"
    );
    let mut conn = DbConnection::open(&db.url).unwrap();
    let count = regwatch::store::items::find_by_slug(&mut conn, "bulk-item-49999")
        .unwrap()
        .expect("the last item is stored");
    assert_eq!(count.current_status.as_deref(), Some("introduced"));
}

//! The worker on the command line: `regwatch worker` alone, `serve
//! --no-worker`, and mail settings checked at start.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDatabase;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{EmailAddress, Frequency, Scope};
use regwatch::store::subscriptions;

fn regwatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_regwatch"));
    c.env("RUST_LOG", "warn")
        .env_remove("REGWATCH_SMTP_URL")
        .env_remove("DATABASE_URL");
    c
}

#[test]
fn the_worker_commands_have_help() {
    let out = regwatch().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("worker"), "{text}");
    let out = regwatch().args(["worker", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Usage: regwatch worker"), "{text}");
    assert!(text.contains("REGWATCH_SMTP_URL"), "{text}");
    let out = regwatch().args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--no-worker"), "{text}");
}

#[test]
fn a_bad_smtp_url_stops_the_start_with_a_message() {
    let db = TestDatabase::create(Backend::Sqlite).unwrap();
    let out = regwatch()
        .arg("worker")
        .env("DATABASE_URL", &db.url)
        .env("REGWATCH_SMTP_URL", "http://mail.example.org")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("REGWATCH_SMTP_URL is not valid"), "{text}");
}

#[test]
fn regwatch_worker_alone_sends_what_the_web_app_queued() {
    let db = TestDatabase::create(Backend::Sqlite).unwrap();
    let mut conn = DbConnection::open(&db.url).unwrap();
    conn.migrate().unwrap();
    subscriptions::subscribe(
        &mut conn,
        &EmailAddress::try_from("eve@example.org").unwrap(),
        &Scope::All,
        Frequency::Daily,
        "127.0.0.1",
        Default::default(),
        regwatch::clock::Clock::system().now(),
    )
    .unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let mut child = regwatch()
        .arg("worker")
        .env("DATABASE_URL", &db.url)
        .env("REGWATCH_OUTBOX_DIR", outbox.path())
        .env("REGWATCH_BASE_URL", "https://regwatch.example")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let found = loop {
        let files: Vec<_> = std::fs::read_dir(outbox.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .collect();
        if !files.is_empty() || start.elapsed() > Duration::from_secs(15) {
            break files;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(found.len(), 1, "the worker wrote the confirmation");
    let text = std::fs::read_to_string(found[0].path()).unwrap();
    assert!(text.contains("To: eve@example.org"));
    assert!(text.contains("https://regwatch.example/subscriptions/confirm/"));
}

//! An imported item is found by its words: by its title and by its events'
//! notes after a bulk import, and saved filters are matched against the
//! item as each change of an alerting import leaves it (the new item by its
//! own words, each event with its note).

mod common;

use std::process::Command;

use common::TestDatabase;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{EmailAddress, Frequency, RawQuery, Scope};
use regwatch::store::users::{self, Password, Role};
use regwatch::store::{items, subscriptions, timeline};

const EDITOR: &str = "finder@example.org";

const FILE: &str = r#"{"items": [
  {"slug": "lattice-rule", "title": "Lattice accelerator rule", "kind": "regulation",
   "jurisdiction": "US", "summary": "Rules for accelerators.",
   "events": [
     {"date": "2026-01-05", "status": "proposed", "confidence": "high",
      "note": "Comments invited on the quasar clause.", "source": "https://example.org/a"},
     {"date": "2026-02-05", "status": "final-rule", "confidence": "high",
      "source": "https://example.org/b"}]}
]}"#;

/// A fresh database with the editor account and the file written out.
fn prepared(backend: Backend) -> Option<(TestDatabase, tempfile::TempDir, String)> {
    let db = TestDatabase::create(backend)?;
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
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("items.json");
    std::fs::write(&file, FILE).unwrap();
    let file = file.to_str().unwrap().to_owned();
    Some((db, dir, file))
}

fn import(url: &str, file: &str, extra: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["import", file, "--user", EDITOR])
        .args(extra)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(said.contains("1 imported"), "{said}");
}

/// Whether the items table searched for `q` lists the item.
fn found(conn: &mut DbConnection, q: &str) -> bool {
    let filter = RawQuery::parse(&format!("q={q}"))
        .unwrap()
        .filter()
        .unwrap();
    let item = items::find_by_slug(conn, "lattice-rule").unwrap().unwrap();
    timeline::item_matches(conn, &filter, item.id).unwrap()
}

async fn a_bulk_imported_item_is_found_by_its_title_and_its_event_notes(backend: Backend) {
    let Some((db, _dir, file)) = prepared(backend) else {
        return;
    };
    import(&db.url, &file, &["--no-alerts"]);
    let mut conn = DbConnection::open(&db.url).unwrap();
    assert!(found(&mut conn, "lattice"), "by a word of its title");
    assert!(found(&mut conn, "quasar"), "by a word of an event's note");
    assert!(
        !found(&mut conn, "nebula"),
        "not by a word it does not have"
    );
}

both_backends!(a_bulk_imported_item_is_found_by_its_title_and_its_event_notes);

fn alerts_to(url: &str, email: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = DbConnection::open(url).unwrap();
    diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM deliveries d \
         JOIN subscriptions s ON s.id = d.subscription_id \
         JOIN subscribers p ON p.id = s.subscriber_id \
         WHERE d.kind = 'alert' AND p.email = '{email}'"
    ))
    .get_result::<N>(&mut conn)
    .unwrap()
    .n
}

async fn saved_filters_see_an_imported_item_as_each_change_leaves_it(backend: Backend) {
    let Some((db, _dir, file)) = prepared(backend) else {
        return;
    };
    let mut conn = DbConnection::open(&db.url).unwrap();
    for (email, query) in [
        ("title@example.org", "q=lattice"),
        ("note@example.org", "q=quasar"),
    ] {
        subscriptions::subscribe_confirmed(
            &mut conn,
            &EmailAddress::try_from(email).unwrap(),
            &Scope::filter(query).unwrap(),
            Frequency::Immediate,
            Clock::system().now(),
        )
        .unwrap();
    }
    import(&db.url, &file, &[]);
    // The title is there from the start: the new item and both events.
    assert_eq!(alerts_to(&db.url, "title@example.org"), 3);
    // The note's word arrives with the first event: both events, not the
    // new item.
    assert_eq!(alerts_to(&db.url, "note@example.org"), 2);
}

both_backends!(saved_filters_see_an_imported_item_as_each_change_leaves_it);

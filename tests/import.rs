//! `regwatch import` as an operator uses it: a dry run that stores nothing,
//! records with errors reported by line or path while the rest is taken,
//! re-import that changes nothing, the export → import round trip, and
//! alerts (or none, with `--no-alerts`).

mod common;

use std::process::Command;

use common::TestDatabase;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{EmailAddress, Frequency, Scope, Tag};
use regwatch::store::users::{self, Password, Role};
use regwatch::store::{events, items, subscriptions};

const S321: &str = "us-s321-ai-decoupling-act";
const EDITOR: &str = "importer@example.org";

fn regwatch(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh database with the editor account, and the starter data if asked.
fn database(backend: Backend, starter: bool) -> Option<TestDatabase> {
    let db = TestDatabase::create(backend)?;
    let (ok, _, err) = regwatch(&db.url, &["migrate"]);
    assert!(ok, "{err}");
    if starter {
        let (ok, _, err) = regwatch(&db.url, &["seed"]);
        assert!(ok, "{err}");
    }
    let mut conn = DbConnection::open(&db.url).unwrap();
    users::create(
        &mut conn,
        &EmailAddress::try_from(EDITOR).unwrap(),
        &Password::try_from("correct horse battery").unwrap(),
        Role::Editor,
        Clock::system().now(),
    )
    .unwrap();
    Some(db)
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

fn counts(url: &str) -> Vec<i64> {
    [
        "items",
        "status_events",
        "milestones",
        "item_links",
        "revisions",
        "changes",
    ]
    .iter()
    .map(|t| count(url, t))
    .collect()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// S321 retitled, with one more event; and a new item linking to it.
const UPDATE: &str = r#"{"items": [
  {"slug": "us-s321-ai-decoupling-act", "title": "Decoupling Act (retitled)",
   "kind": "bill", "jurisdiction": "US",
   "events": [{"date": "2025-03", "status": "referred", "confidence": "medium",
               "source": "https://www.congress.gov/bill/119th-congress/senate-bill/321"}]},
  {"slug": "new-export-rule", "title": "新的出口规则", "kind": "regulation",
   "jurisdiction": "CN", "tags": ["export-controls"],
   "events": [{"date": "2024", "status": "proposed", "confidence": "low",
               "source": "https://example.org/rule", "retracted": true,
               "retraction_note": "misreported"}],
   "links": [{"relation": "answers", "to": "us-s321-ai-decoupling-act"}]}
]}"#;

async fn a_dry_run_prints_the_plan_and_stores_nothing(backend: Backend) {
    let Some(db) = database(backend, true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "update.json", UPDATE);
    let before = counts(&db.url);
    let (ok, out, err) = regwatch(&db.url, &["import", &file, "--user", EDITOR, "--dry-run"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains(&format!("items[0] {S321}: changed")), "{out}");
    assert!(
        out.contains("title: \"Decoupling America's Artificial Intelligence Capabilities from China Act of 2025\" → \"Decoupling Act (retitled)\""),
        "{out}"
    );
    assert!(out.contains("event added: 2025-03 referred"), "{out}");
    assert!(out.contains("items[1] new-export-rule: new item"), "{out}");
    assert!(
        out.contains("event added: 2024 proposed, retracted (\"misreported\")"),
        "{out}"
    );
    assert!(
        out.contains(&format!("link added: answers {S321}")),
        "{out}"
    );
    assert!(
        out.contains("2 imported, 0 unchanged, 0 failed (dry run: nothing stored)"),
        "{out}"
    );
    assert_eq!(counts(&db.url), before, "a dry run stores nothing");

    // The same file for real, then again: the second time nothing changes.
    let (ok, out, err) = regwatch(&db.url, &["import", &file, "--user", EDITOR]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("2 imported, 0 unchanged, 0 failed"), "{out}");
    let after = counts(&db.url);
    assert_eq!(after[0], before[0] + 1, "one new item");
    assert_eq!(after[1], before[1] + 2, "two new events");
    let mut conn = DbConnection::open(&db.url).unwrap();
    let rule = items::find_by_slug(&mut conn, "new-export-rule")
        .unwrap()
        .unwrap();
    let rule_events = events::for_item(&mut conn, rule.id).unwrap();
    assert!(
        rule_events[0].retracted,
        "a retracted event comes back retracted"
    );
    assert_eq!(
        rule_events[0].retraction_note.as_deref(),
        Some("misreported")
    );
    assert_eq!(
        rule.current_status, None,
        "a retracted event sets no status"
    );
    let (ok, out, err) = regwatch(&db.url, &["import", &file, "--user", EDITOR]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("items[0] {S321}: unchanged")),
        "{out}"
    );
    assert!(out.contains("0 imported, 2 unchanged, 0 failed"), "{out}");
    assert_eq!(counts(&db.url), after, "re-importing stores nothing");

    // An account that does not exist is refused before anything is read.
    let (ok, out, _) = regwatch(&db.url, &["import", &file, "--user", "nobody@example.org"]);
    assert!(!ok);
    assert!(out.is_empty(), "{out}");
}

both_backends!(a_dry_run_prints_the_plan_and_stores_nothing);

async fn records_with_errors_are_reported_and_the_rest_is_taken(backend: Backend) {
    let Some(db) = database(backend, false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        &dir,
        "items.csv",
        "slug,title,kind,jurisdiction,tags\n\
         good-one,Good one,bill,US,ai\n\
         bad-kind,Bad kind,spaceship,US,\n\
         \"multi-line\",\"A title\nover two lines\",deal,EU,\n\
         good-two,Good two,deal,EU,chips; ai\n",
    );
    let (ok, out, _) = regwatch(&db.url, &["import", &csv, "--user", EDITOR]);
    assert!(!ok, "a failed record fails the command");
    assert!(out.contains("line 3 bad-kind: failed"), "{out}");
    assert!(out.contains("kind:"), "{out}");
    assert!(out.contains("line 4 multi-line: failed"), "{out}");
    assert!(out.contains("2 imported, 0 unchanged, 2 failed"), "{out}");
    let mut conn = DbConnection::open(&db.url).unwrap();
    for (slug, stored) in [
        ("good-one", true),
        ("bad-kind", false),
        ("multi-line", false),
        ("good-two", true),
    ] {
        let found = items::find_by_slug(&mut conn, slug).unwrap();
        assert_eq!(found.is_some(), stored, "{slug}");
    }

    let json = write(
        &dir,
        "items.json",
        r#"{"items": [
  {"slug": "json-good", "title": "Good", "kind": "bill", "jurisdiction": "US"},
  {"slug": "json-bad", "title": "Bad", "kind": "bill", "jurisdiction": "US",
   "events": [{"date": "2025-02-30", "status": "introduced", "confidence": "high",
               "source": "https://example.org/"}]}
]}"#,
    );
    let (ok, out, _) = regwatch(&db.url, &["import", &json, "--user", EDITOR]);
    assert!(!ok);
    assert!(out.contains("items[1] json-bad: failed"), "{out}");
    assert!(out.contains("events[0].date"), "{out}");
    assert!(out.contains("1 imported, 0 unchanged, 1 failed"), "{out}");
    assert!(items::find_by_slug(&mut conn, "json-good")
        .unwrap()
        .is_some());
    assert!(
        items::find_by_slug(&mut conn, "json-bad")
            .unwrap()
            .is_none(),
        "nothing of a bad record is stored"
    );

    // A file that is not what its name says stops with where it broke.
    let broken = write(&dir, "broken.json", "{\"items\": [ {\"slug\": ");
    let (ok, out, _) = regwatch(&db.url, &["import", &broken, "--user", EDITOR]);
    assert!(!ok);
    assert!(out.contains("stopped: the file is not JSON"), "{out}");
    let (ok, _, err) = regwatch(&db.url, &["import", "items.txt", "--user", EDITOR]);
    assert!(!ok);
    assert!(err.contains("--format"), "{err}");
}

both_backends!(records_with_errors_are_reported_and_the_rest_is_taken);

/// Every item's fields as the CSV export writes them, without the
/// columns derived from events (status, phase, last event) and the URL.
fn csv_fields(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14]
                .iter()
                .map(|&i| r[i].to_owned())
                .collect()
        })
        .collect()
}

async fn export_then_import_into_an_empty_database_gives_back_the_data(backend: Backend) {
    let Some(source) = database(backend, true) else {
        return;
    };
    // Edits on top of the starter data: a retraction, dates known to the
    // month and the year, CJK text, a milestone and a link.
    let dir = tempfile::tempdir().unwrap();
    let edits = write(&dir, "edits.json", UPDATE);
    let (ok, out, err) = regwatch(&source.url, &["import", &edits, "--user", EDITOR]);
    assert!(ok, "{out}{err}");
    {
        let mut conn = DbConnection::open(&source.url).unwrap();
        let s321 = items::find_by_slug(&mut conn, S321).unwrap().unwrap();
        let first = &events::for_item(&mut conn, s321.id).unwrap()[0];
        let editor = users::find_by_email(&mut conn, EDITOR).unwrap().unwrap();
        let retracted = events::retract(
            &mut conn,
            s321.id,
            first.id,
            "wrong date",
            Some(editor.id),
            Clock::system().now(),
        )
        .unwrap();
        assert!(retracted);
    }
    let exported = dir.path().join("all.json");
    let (ok, _, err) = regwatch(&source.url, &["export", "-o", exported.to_str().unwrap()]);
    assert!(ok, "{err}");
    let json = std::fs::read_to_string(&exported).unwrap();
    assert!(json.contains("\"retracted\":true"));
    assert!(json.contains("\"precision\":\"year\""));
    assert!(json.contains("\"precision\":\"month\""));
    assert!(json.contains("生成式人工智能服务管理暂行办法"));
    assert!(json.contains("\"milestones\":[{"), "milestones exported");

    let Some(target) = database(backend, false) else {
        return;
    };
    let (ok, out, err) = regwatch(
        &target.url,
        &["import", exported.to_str().unwrap(), "--user", EDITOR],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("8 imported, 0 unchanged, 0 failed"), "{out}");
    let (ok, again, err) = regwatch(&target.url, &["export"]);
    assert!(ok, "{err}");
    assert!(again == json, "the same data back:\n{again}");

    // CSV carries the items' own fields.
    let (ok, csv, _) = regwatch(&source.url, &["export", "--format", "csv"]);
    assert!(ok);
    let Some(from_csv) = database(backend, false) else {
        return;
    };
    let csv_file = write(&dir, "all.csv", &csv);
    let (ok, out, err) = regwatch(&from_csv.url, &["import", &csv_file, "--user", EDITOR]);
    assert!(ok, "{out}{err}");
    let (ok, csv_again, _) = regwatch(&from_csv.url, &["export", "--format", "csv"]);
    assert!(ok);
    assert_eq!(csv_fields(&csv_again), csv_fields(&csv));
}

both_backends!(export_then_import_into_an_empty_database_gives_back_the_data);

fn alerts(url: &str) -> i64 {
    count(url, "deliveries WHERE kind = 'alert'")
}

async fn an_import_alerts_subscribers_unless_told_not_to(backend: Backend) {
    let Some(db) = database(backend, true) else {
        return;
    };
    let mut conn = DbConnection::open(&db.url).unwrap();
    subscriptions::subscribe_confirmed(
        &mut conn,
        &EmailAddress::try_from("watcher@example.org").unwrap(),
        &Scope::Tag(Tag::try_from("export-controls").unwrap()),
        Frequency::Immediate,
        Clock::system().now(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let item = |summary: &str| {
        format!(
            r#"{{"items": [{{"slug": "watched-rule", "title": "Watched rule", "kind": "regulation",
               "jurisdiction": "US", "tags": ["export-controls"], "summary": "{summary}"}}]}}"#
        )
    };
    let first = write(&dir, "first.json", &item("First."));
    let (ok, out, err) = regwatch(
        &db.url,
        &["import", &first, "--user", EDITOR, "--no-alerts"],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(alerts(&db.url), 0, "--no-alerts queues nothing");
    let quiet = count(&db.url, "changes WHERE origin = 'import-without-alerts'");
    assert_eq!(quiet, 1, "the change is recorded, as a bulk import");

    let second = write(&dir, "second.json", &item("Second."));
    let (ok, out, err) = regwatch(&db.url, &["import", &second, "--user", EDITOR]);
    assert!(ok, "{out}{err}");
    assert_eq!(alerts(&db.url), 1, "one alert for the one change");

    let app_history = {
        let rule = items::find_by_slug(&mut conn, "watched-rule")
            .unwrap()
            .unwrap();
        regwatch::store::revisions::for_item(&mut conn, rule.id).unwrap()
    };
    let origins: Vec<_> = app_history
        .iter()
        .map(|a| (a.author.clone(), a.revision.origin.map(|o| o.label())))
        .collect();
    assert_eq!(
        origins,
        [
            (Some(EDITOR.to_owned()), Some("import")),
            (Some(EDITOR.to_owned()), Some("bulk import without alerts")),
        ]
    );
}

both_backends!(an_import_alerts_subscribers_unless_told_not_to);

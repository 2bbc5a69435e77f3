//! Timeline and item-table query times at scale.
//!
//! Fills a fresh database with synthetic items and events (default 100,000
//! items and 1,000,000 events; `REGWATCH_BENCH_ITEMS` and
//! `REGWATCH_BENCH_EVENTS` override), then times the reading queries the
//! pages run. SQLite always; PostgreSQL too when `REGWATCH_TEST_POSTGRES_URL`
//! is set. Run with `cargo bench --bench timeline`.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use regwatch::db::{self, Backend, DbConnection};
use regwatch::domain::{Filter, SearchQuery, Sort, SortColumn};
use regwatch::store::{activity, timeline};

const KINDS: [&str; 5] = ["bill", "regulation", "executive-action", "deal", "product"];
const JURISDICTIONS: [&str; 6] = ["US", "CN", "EU", "UK", "JP", "IN"];
const STATUSES: [(&str, &str); 5] = [
    ("announced", "proposed"),
    ("confirmed", "pending"),
    ("launched", "in-force"),
    ("delayed", "stalled"),
    ("abandoned", "ended"),
];
const WORDS: [&str; 16] = [
    "semiconductor",
    "export",
    "quantum",
    "investment",
    "model",
    "cloud",
    "chip",
    "licence",
    "satellite",
    "battery",
    "telecom",
    "biotech",
    "sanction",
    "review",
    "merger",
    "data",
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fill(conn: &mut DbConnection, items: usize, events: usize) {
    let started = Instant::now();
    let chunk = 1000;
    conn.batch_execute("BEGIN").unwrap();
    for start in (1..=items).step_by(chunk) {
        let mut sql = String::from(
            "INSERT INTO items (id, slug, kind, title, jurisdiction, summary, version, created_at, updated_at) VALUES ",
        );
        for id in start..(start + chunk).min(items + 1) {
            if id != start {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({id}, 'item-{id}', '{}', 'Item {id} on {} {}', '{}', 'Synthetic summary about {} and {}.', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                KINDS[id % KINDS.len()],
                WORDS[id % WORDS.len()],
                WORDS[(id / 7) % WORDS.len()],
                JURISDICTIONS[id % JURISDICTIONS.len()],
                WORDS[(id / 3) % WORDS.len()],
                WORDS[(id / 11) % WORDS.len()],
            ));
        }
        conn.batch_execute(&sql).unwrap();
    }
    conn.batch_execute(
        "INSERT INTO tags (id, name) VALUES (1, 'ai'), (2, 'chips'), (3, 'telecom'), (4, 'rare')",
    )
    .unwrap();
    for start in (1..=items).step_by(chunk) {
        let mut sql = String::from("INSERT INTO item_tags (item_id, tag_id) VALUES ");
        for id in start..(start + chunk).min(items + 1) {
            if id != start {
                sql.push(',');
            }
            sql.push_str(&format!("({id}, {})", 1 + id % 3));
        }
        conn.batch_execute(&sql).unwrap();
    }
    for start in (1..=events).step_by(chunk) {
        let mut sql = String::from(
            "INSERT INTO status_events (id, item_id, event_date, date_precision, status, moves_status, phase, note, source_url, confidence, retracted, created_at, updated_at) VALUES ",
        );
        for id in start..(start + chunk).min(events + 1) {
            if id != start {
                sql.push(',');
            }
            let item = 1 + (id * 7919) % items;
            let day = (id * 31) % 3650;
            let date = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap()
                + chrono::Duration::days(day as i64);
            let (status, phase) = STATUSES[id % STATUSES.len()];
            sql.push_str(&format!(
                "({id}, {item}, '{date}', 'day', '{status}', TRUE, '{phase}', 'Note {id} on {}', 'https://example.org/{id}', 'medium', FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                WORDS[id % WORDS.len()]
            ));
        }
        conn.batch_execute(&sql).unwrap();
    }
    conn.batch_execute(
        "UPDATE items SET last_event_date = (SELECT MAX(event_date) FROM status_events e WHERE e.item_id = items.id),
                          current_phase = (SELECT phase FROM status_events e WHERE e.item_id = items.id ORDER BY event_date DESC, id DESC LIMIT 1),
                          current_status = (SELECT status FROM status_events e WHERE e.item_id = items.id ORDER BY event_date DESC, id DESC LIMIT 1)",
    )
    .unwrap();
    match conn.backend() {
        Backend::Sqlite => conn
            .batch_execute("INSERT INTO item_search (rowid, document) SELECT id, lower(title || ' ' || summary) FROM items")
            .unwrap(),
        Backend::Postgres => conn
            .batch_execute("INSERT INTO item_search (item_id, document) SELECT id, to_tsvector('simple', lower(title || ' ' || summary)) FROM items")
            .unwrap(),
    }
    conn.batch_execute("COMMIT").unwrap();
    // A tag on one item in a thousand: the very selective case.
    conn.batch_execute(
        "INSERT INTO item_tags (item_id, tag_id) SELECT id, 4 FROM items WHERE id % 1000 = 0",
    )
    .unwrap();
    conn.batch_execute("ANALYZE").unwrap();
    println!(
        "  filled {items} items and {events} events in {:.1?}",
        started.elapsed()
    );
}

fn time<T>(label: &str, mut f: impl FnMut() -> T) {
    // One warm-up, then the median of 7 runs.
    f();
    let mut runs: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    runs.sort();
    println!(
        "  {label:<52} median {:>8.2?}  max {:>8.2?}",
        runs[3], runs[6]
    );
}

fn run(url: &str) {
    let items = env_usize("REGWATCH_BENCH_ITEMS", 100_000);
    let events = env_usize("REGWATCH_BENCH_EVENTS", 1_000_000);
    let pool = db::connect(url).expect("database");
    let mut conn = pool.get().unwrap();
    fill(&mut conn, items, events);
    let f = |filter: Filter| filter;
    let cases: Vec<(&str, Filter, i64)> = vec![
        ("timeline, no filter, page 1", Filter::default(), 1),
        ("timeline, no filter, page 100", Filter::default(), 100),
        (
            "timeline, kind=deal",
            f(Filter {
                kind: Some("deal".parse().unwrap()),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, jurisdiction=CN + phase=stalled",
            f(Filter {
                jurisdiction: Some("CN".try_into().unwrap()),
                phase: Some("stalled".parse().unwrap()),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, tag=chips",
            f(Filter {
                tag: Some("chips".try_into().unwrap()),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, tag=rare (1 item in 1000)",
            f(Filter {
                tag: Some("rare".try_into().unwrap()),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, kind=deal + jurisdiction=CN + tag=chips",
            f(Filter {
                kind: Some("deal".parse().unwrap()),
                jurisdiction: Some("CN".try_into().unwrap()),
                tag: Some("chips".try_into().unwrap()),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, kind=deal, page 20",
            f(Filter {
                kind: Some("deal".parse().unwrap()),
                ..Default::default()
            }),
            20,
        ),
        (
            "timeline, from/to one month",
            f(Filter {
                from: chrono::NaiveDate::from_ymd_opt(2020, 3, 1),
                to: chrono::NaiveDate::from_ymd_opt(2020, 3, 31),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, q=quantum",
            f(Filter {
                q: SearchQuery::parse("quantum"),
                ..Default::default()
            }),
            1,
        ),
        (
            "timeline, q=\"item 4242\" (rare)",
            f(Filter {
                q: SearchQuery::parse("item 4242"),
                ..Default::default()
            }),
            1,
        ),
    ];
    for (label, filter, page) in &cases {
        time(label, || {
            timeline::timeline(&mut conn, filter, *page)
                .unwrap()
                .rows
                .len()
        });
    }
    let sorts = [
        ("items, sorted by last event", Sort::default()),
        (
            "items, sorted by title",
            Sort {
                column: SortColumn::Title,
                descending: false,
            },
        ),
        (
            "items, sorted by phase",
            Sort {
                column: SortColumn::Phase,
                descending: false,
            },
        ),
    ];
    for (label, sort) in sorts {
        time(label, || {
            timeline::items(&mut conn, &Filter::default(), sort, 1)
                .unwrap()
                .rows
                .len()
        });
    }
    let q = Filter {
        q: SearchQuery::parse("quantum"),
        kind: Some("bill".parse().unwrap()),
        ..Default::default()
    };
    time("items, q=quantum + kind=bill", || {
        timeline::items(&mut conn, &q, Sort::default(), 1)
            .unwrap()
            .rows
            .len()
    });
    time("item page (detail of one item)", || {
        regwatch::store::items::detail(&mut conn, "item-4242")
            .unwrap()
            .is_some()
    });
    // /overview: 24 months of the synthetic decade (about a fifth of the
    // events), counted per month.
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    time(
        "overview, events per month by jurisdiction and phase",
        || {
            activity::monthly(&mut conn, first, last)
                .unwrap()
                .by_jurisdiction
                .len()
        },
    );
    time("overview, events known only to the year", || {
        activity::year_only(&mut conn, first, last).unwrap().len()
    });
    // /chart: a page of 50 items with their events and milestones.
    time(
        "chart, page 1 (50 items, their events and milestones)",
        || {
            let page = timeline::items(&mut conn, &Filter::default(), Sort::default(), 1).unwrap();
            let ids: Vec<_> = page.rows.iter().map(|i| i.id).collect();
            activity::events_of(&mut conn, &ids).unwrap().len()
                + activity::milestones_of(&mut conn, &ids).unwrap().len()
        },
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("bench.db").display().to_string();
    println!("SQLite ({sqlite})");
    run(&sqlite);
    if let Ok(admin_url) = std::env::var("REGWATCH_TEST_POSTGRES_URL") {
        let name = format!("regwatch_bench_{}", std::process::id());
        let mut admin = PgConnection::establish(&admin_url).expect("PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        println!("PostgreSQL");
        run(&format!("{base}/{name}"));
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    } else {
        println!("PostgreSQL skipped: set REGWATCH_TEST_POSTGRES_URL to include it");
    }
}

//! Timeline and item-table query times at scale.
//!
//! Fills a fresh database as `regwatch gen` does (default 100,000 items
//! with 10 events each; `REGWATCH_BENCH_ITEMS` and
//! `REGWATCH_BENCH_EVENTS_PER_ITEM` override), then times the reading
//! queries the pages run: each timeline filter (pages 1 and 20, a cursor
//! step of the API, the "Coming up" box), the item table, the item page,
//! `/overview`'s counts, `/chart`, the filtered feed and the calendar by
//! kind. Prints the median of 7 runs. SQLite always; PostgreSQL too when
//! `REGWATCH_TEST_POSTGRES_URL` is set. Run with `cargo bench --bench
//! timeline`. With `REGWATCH_BENCH_KEEP` set to a directory, the SQLite
//! database is kept there (and the PostgreSQL one as `regwatch_bench_kept`)
//! and a later run with the same setting reuses it instead of filling.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use regwatch::db::{self, DbConnection};
use regwatch::domain::{Filter, SearchQuery, Sort, SortColumn};
use regwatch::store::change_feed::{self, FeedScope};
use regwatch::store::generate::{analyze, generate, Size};
use regwatch::store::search::Found;
use regwatch::store::{activity, timeline, upcoming};

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Fills the database as `regwatch gen` does: every kind, jurisdiction and
/// date precision, tags (`rare` on one item in a thousand), search text.
fn fill(conn: &mut DbConnection, items: u32, events_per_item: u32) {
    let started = Instant::now();
    let size = Size {
        items,
        events_per_item,
        subscribers: 0,
        seed: 1,
    };
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let added = generate(conn, size, now).unwrap();
    analyze(conn).unwrap();
    println!(
        "  filled {} items and {} events in {:.1?}",
        added.items,
        added.events,
        started.elapsed()
    );
}

fn time<T>(label: &str, mut f: impl FnMut() -> T) {
    // `REGWATCH_BENCH_ONLY`: comma-separated parts of the labels to time.
    if let Ok(only) = std::env::var("REGWATCH_BENCH_ONLY") {
        if !only.split(',').any(|part| label.contains(part)) {
            return;
        }
    }
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
        "  {label:<58} median {:>8.2?}  max {:>8.2?}",
        runs[3], runs[6]
    );
}

fn run(url: &str, filled: bool) {
    let items = env_u32("REGWATCH_BENCH_ITEMS", 100_000);
    let per_item = env_u32("REGWATCH_BENCH_EVENTS_PER_ITEM", 10);
    let pool = db::connect(url).expect("database");
    let mut conn = pool.get().unwrap();
    if filled {
        println!("  reusing the database filled before");
    } else {
        fill(&mut conn, items, per_item);
    }
    let tag = |t: &str| Filter {
        tag: Some(t.try_into().unwrap()),
        ..Default::default()
    };
    let q = |t: &str| Filter {
        q: SearchQuery::parse(t),
        ..Default::default()
    };
    let stalled = Filter {
        phase: Some("stalled".parse().unwrap()),
        ..Default::default()
    };
    let deal = Filter {
        kind: Some("deal".parse().unwrap()),
        ..Default::default()
    };
    let mut cases: Vec<(String, Filter)> = vec![
        ("no filter".into(), Filter::default()),
        ("kind=deal".into(), deal),
        ("tag=chips".into(), tag("chips")),
        ("tag=rare (1 item in 1000)".into(), tag("rare")),
        ("phase=stalled".into(), stalled),
        ("q=quantum".into(), q("quantum")),
        ("q=export licence".into(), q("export licence")),
        ("q=gen 50000 (one item)".into(), q("gen 50000")),
        (
            "kind=deal + jurisdiction=CN + tag=chips".into(),
            Filter {
                kind: Some("deal".parse().unwrap()),
                jurisdiction: Some("CN".try_into().unwrap()),
                tag: Some("chips".try_into().unwrap()),
                ..Default::default()
            },
        ),
        (
            "from/to one month".into(),
            Filter {
                from: chrono::NaiveDate::from_ymd_opt(2020, 3, 1),
                to: chrono::NaiveDate::from_ymd_opt(2020, 3, 31),
                ..Default::default()
            },
        ),
    ];
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    for (label, filter) in cases.drain(..) {
        for page in [1, 20] {
            time(&format!("timeline, {label}, page {page}"), || {
                timeline::timeline(&mut conn, &filter, page)
                    .unwrap()
                    .rows
                    .len()
            });
        }
        time(&format!("api events, {label}, after a cursor"), || {
            let (rows, _) = timeline::timeline_after(&mut conn, &filter, None, 50).unwrap();
            let after = rows.last().map(|(e, _)| regwatch::domain::EventKey {
                date: e.event_date,
                id: e.id,
            });
            timeline::timeline_after(&mut conn, &filter, after, 50)
                .unwrap()
                .0
                .len()
        });
        time(&format!("coming up (5), {label}"), || {
            upcoming::upcoming(&mut conn, &filter, today, 5)
                .unwrap()
                .len()
        });
        time(&format!("page: timeline and coming up, {label}"), || {
            let mut found = Found::default();
            timeline::timeline_found(&mut conn, &filter, 1, &mut found)
                .unwrap()
                .rows
                .len()
                + upcoming::upcoming_found(&mut conn, &filter, today, 5, &mut found)
                    .unwrap()
                    .len()
        });
    }
    time("upcoming (200), no filter", || {
        upcoming::upcoming(&mut conn, &Filter::default(), today, 200)
            .unwrap()
            .len()
    });
    time("filter menus (facets)", || {
        timeline::facets(&mut conn).unwrap().tags.len()
    });
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
    let by_title = Sort {
        column: SortColumn::Title,
        descending: false,
    };
    for (label, filter) in [
        ("tag=chips", tag("chips")),
        ("tag=rare", tag("rare")),
        ("q=quantum", q("quantum")),
    ] {
        time(&format!("items, {label}"), || {
            timeline::items(&mut conn, &filter, Sort::default(), 1)
                .unwrap()
                .rows
                .len()
        });
        time(&format!("items, {label}, page 20"), || {
            timeline::items(&mut conn, &filter, Sort::default(), 20)
                .unwrap()
                .rows
                .len()
        });
        time(&format!("items, {label}, by title"), || {
            timeline::items(&mut conn, &filter, by_title, 1)
                .unwrap()
                .rows
                .len()
        });
        time(&format!("feed, {label}"), || {
            change_feed::newest(&mut conn, FeedScope::Filter(&filter))
                .unwrap()
                .len()
        });
    }
    for kind in ["regulation", "deal"] {
        let filter = Filter {
            kind: Some(kind.parse().unwrap()),
            ..Default::default()
        };
        time(&format!("calendar, kind={kind}"), || {
            upcoming::for_calendar(&mut conn, &filter, None)
                .unwrap()
                .len()
        });
    }
    time("item page (detail of one item)", || {
        regwatch::store::items::detail(&mut conn, "generated-50000")
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
    let keep = std::env::var("REGWATCH_BENCH_KEEP").ok();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = match &keep {
        Some(kept) => std::path::Path::new(kept).join("bench.db"),
        None => dir.path().join("bench.db"),
    };
    let filled = keep.is_some() && sqlite.exists();
    let sqlite = sqlite.display().to_string();
    if std::env::var("REGWATCH_BENCH_SKIP_SQLITE").is_err() {
        println!("SQLite ({sqlite})");
        run(&sqlite, filled);
    }
    if let Ok(admin_url) = std::env::var("REGWATCH_TEST_POSTGRES_URL") {
        let name = match keep {
            Some(_) => "regwatch_bench_kept".to_owned(),
            None => format!("regwatch_bench_{}", std::process::id()),
        };
        let mut admin = PgConnection::establish(&admin_url).expect("PostgreSQL");
        let exists = diesel::sql_query(format!(
            "SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"
        ))
        .execute(&mut admin)
        .unwrap()
            > 0;
        if !exists {
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
        }
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        println!("PostgreSQL ({name})");
        run(&format!("{base}/{name}"), exists);
        if name != "regwatch_bench_kept" {
            admin
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .unwrap();
        }
    } else {
        println!("PostgreSQL skipped: set REGWATCH_TEST_POSTGRES_URL to include it");
    }
}

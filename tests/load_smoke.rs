//! The load benchmark at its smallest, so it never rots: every route
//! answers 200 under concurrent load, cached and not, the fan-out reaches
//! every subscriber, and events are recorded while readers read. No timing
//! is asserted (machines are noisy); `cargo bench --bench load` gives them.

#[path = "../benches/load/harness.rs"]
mod harness;

use std::time::Duration;

#[actix_web::test]
async fn the_load_benchmark_runs_at_its_smallest() {
    let config = harness::Config {
        items: 60,
        events_per_item: 3,
        subscribers: 12,
        connections: 4,
        per_route: Duration::from_millis(150),
        write_seconds: 2,
    };
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("load.db").display().to_string();
    let report = harness::run(&config, &url).await;
    let table = harness::render(&config, &report);
    println!("{table}");
    assert_eq!(report.rows.len(), harness::routes(config.items).len());
    for row in &report.rows {
        assert!(row.bytes > 0, "{table}");
        for m in [&row.warm, &row.cold, &row.single, &row.statik] {
            assert!(m.requests > 0, "{}: {table}", row.route);
            assert_eq!(m.errors, 0, "{}: {table}", row.route);
        }
    }
    assert_eq!(
        report.editor_rows.len(),
        harness::editor_routes(config.items).len()
    );
    for (route, m) in &report.editor_rows {
        assert!(m.requests > 0, "{route}: {table}");
        assert_eq!(m.errors, 0, "{route}: {table}");
    }
    assert_eq!(report.fan_out.0, u64::from(config.subscribers), "{table}");
    assert_eq!(report.writes.0, config.write_seconds, "{table}");
    assert_eq!(report.writes.2.errors, 0, "{table}");
    assert!(report.rss_warm_kb > 0 && report.rss_cold_kb > 0, "{table}");
}

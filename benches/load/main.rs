//! The load benchmark: `cargo bench --bench load`. See `harness.rs` for what
//! it does. Sizes from the environment (defaults in brackets):
//! `REGWATCH_LOAD_ITEMS` [100000], `REGWATCH_LOAD_EVENTS_PER_ITEM` [10],
//! `REGWATCH_LOAD_SUBSCRIBERS` [10000], `REGWATCH_LOAD_CONNECTIONS` [32],
//! `REGWATCH_LOAD_SECONDS` per route [3], `REGWATCH_LOAD_WRITE_SECONDS`
//! [10]; `REGWATCH_LOAD_POSTGRES_URL` (a server where databases may be
//! created) runs it on PostgreSQL instead of SQLite.

mod harness;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let config = harness::Config {
        items: env("REGWATCH_LOAD_ITEMS", 100_000),
        events_per_item: env("REGWATCH_LOAD_EVENTS_PER_ITEM", 10),
        subscribers: env("REGWATCH_LOAD_SUBSCRIBERS", 10_000),
        connections: env("REGWATCH_LOAD_CONNECTIONS", 32),
        per_route: Duration::from_secs_f64(env("REGWATCH_LOAD_SECONDS", 3.0)),
        write_seconds: env("REGWATCH_LOAD_WRITE_SECONDS", 10),
    };
    let postgres = std::env::var("REGWATCH_LOAD_POSTGRES_URL").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, dropper) = match &postgres {
        None => (dir.path().join("load.db").display().to_string(), None),
        Some(admin) => {
            let name = format!("regwatch_load_{}", std::process::id());
            let mut conn = PgConnection::establish(admin).expect("PostgreSQL");
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create database");
            let (base, _) = admin.rsplit_once('/').expect("URL names a database");
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(harness::run(&config, &url));
    println!("{}", harness::render(&config, &report));
    if let Some((admin, name)) = dropper {
        if let Ok(mut conn) = PgConnection::establish(&admin) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

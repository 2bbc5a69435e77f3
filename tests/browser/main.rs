//! The analysts' journeys in a real browser: headless Chromium driven over
//! chromedriver, against the real app (and a real SMTP server on loopback
//! where email is involved), with screenshots at desktop and phone width
//! under `target/screenshots/` and axe-core run on every page type.
//!
//! The journeys run on SQLite only: they prove what the browser sees and
//! does; the data layer under these same pages is tested on both backends
//! by the other test files (`tests/chart.rs`, `tests/reading.rs`,
//! `tests/editing.rs`, `tests/alerts.rs`...).
//!
//! The tests take turns (one browser at a time): several headless
//! Chromiums at once on a small machine make every step slow.

#[path = "../common/mod.rs"]
mod common;

mod a11y;
mod driver;
mod editor;
mod pages;
mod reader;
mod support;

use std::sync::{Mutex, MutexGuard};

use chrono::NaiveDate;
use common::TestApp;
use driver::{Driver, Tools};
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::Backend;

/// Today, for every journey.
pub const TODAY: (i32, u32, u32) = (2026, 11, 24);

static TURN: Mutex<()> = Mutex::new(());

/// A journey's app, browser driver and tools.
pub struct Run {
    pub app: TestApp,
    pub driver: Driver,
    pub tools: Tools,
    _turn: MutexGuard<'static, ()>,
}

/// Starts the app (SQLite, today fixed) and chromedriver; `None` when the
/// browser tools are missing (the test is skipped, or fails in CI).
pub async fn start(test: &str, adjust: impl FnOnce(&mut Settings)) -> Option<Run> {
    let tools = driver::tools(test)?;
    let (y, m, d) = TODAY;
    let clock = Clock::fixed(
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a valid day"),
    );
    let app = TestApp::spawn_with(Backend::Sqlite, move |s| {
        s.clock = clock;
        adjust(s);
    })
    .await?;
    let driver = Driver::start(&tools).await;
    // Browsers take turns; a failed journey must not stop the others.
    let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    Some(Run {
        app,
        driver,
        tools,
        _turn: turn,
    })
}

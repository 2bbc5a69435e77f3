//! regwatch: a tracker of the bills, regulations, executive actions and
//! corporate deals that shape geopolitical tech.
//!
//! `main.rs` only parses the command line; everything it runs lives here.

pub mod calendar;
pub mod clock;
pub mod config;
pub mod connectors;
pub mod db;
pub mod domain;
pub mod exchange;
pub mod export;
pub mod feed;
pub mod import;
pub mod mail;
pub mod schema;
pub mod seed;
pub mod store;
pub mod templates;
pub mod web;

pub use web::Application;

/// Sets up structured logs on standard output; `RUST_LOG` overrides the
/// default level. Logging is best effort: a line that cannot be written (a
/// full disk, a closed pipe) is dropped, never reported on standard error,
/// whose own failure would panic the request that logged it.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    // Colours only for a terminal: a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .log_internal_errors(false)
        .try_init();
}

//! regwatch: a tracker of the bills, regulations, executive actions and
//! corporate deals that shape geopolitical tech.
//!
//! `main.rs` only parses the command line; everything it runs lives here.

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod mail;
pub mod schema;
pub mod seed;
pub mod store;
pub mod templates;
pub mod web;

pub use web::Application;

/// Sets up structured logs; `RUST_LOG` overrides the default level.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

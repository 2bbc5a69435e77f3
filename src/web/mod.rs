//! The web server: routes, shared state and the `Application` that binds it.

pub mod account;
pub mod admin;
pub mod auth;
pub mod client;
pub mod editing;
pub mod error;
pub mod filters;
pub mod forms;
pub mod logging;
pub mod pages;
pub mod signin;
pub mod subscriptions;
pub mod svg;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use chrono::NaiveDateTime;
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::db::{self, DbConnection, DbError, Pool};
use error::AppError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Settings,
}

impl AppState {
    /// Runs blocking database work on the blocking thread pool, never on
    /// the async workers.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let result = web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?;
        Ok(result?)
    }

    /// The current time, from the application's clock.
    pub fn now(&self) -> NaiveDateTime {
        self.settings.clock.now()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot load the starter data: {0}")]
    Seed(#[from] crate::seed::SeedError),
    #[error(transparent)]
    Mail(#[from] crate::mail::transport::MailError),
    #[error("REGWATCH_SECRET must be at least 32 characters long")]
    WeakSecret,
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
}

/// Configures the routes; shared by the server and anything that embeds it.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _req| {
        AppError::BadRequest(format!("The query string is malformed: {err}")).into()
    }))
    .app_data(web::PathConfig::default().error_handler(|err, _req| {
        AppError::not_found(format!("There is no page at this address ({err}).")).into()
    }))
    .app_data(
        web::FormConfig::default()
            .limit(forms::MAX_FORM_BYTES)
            .error_handler(|err, _req| match err {
                actix_web::error::UrlencodedError::Overflow { .. } => {
                    AppError::PayloadTooLarge.into()
                }
                other => {
                    AppError::BadRequest(format!("The form data could not be read: {other}")).into()
                }
            }),
    )
    .route("/", web::get().to(pages::timeline_page))
    .route("/items", web::get().to(pages::items_page))
    .route("/items/new", web::get().to(editing::new_item_form))
    .route("/items/new", web::post().to(editing::create_item))
    .route("/items/{slug}", web::get().to(pages::item_page))
    .route("/items/{slug}/edit", web::get().to(editing::edit_item_form))
    .route("/items/{slug}/edit", web::post().to(editing::update_item))
    .route("/items/{slug}/history", web::get().to(editing::history))
    .route(
        "/items/{slug}/events/new",
        web::get().to(editing::new_event_form),
    )
    .route(
        "/items/{slug}/events/new",
        web::post().to(editing::create_event),
    )
    .route(
        "/items/{slug}/events/{id}/edit",
        web::get().to(editing::edit_event_form),
    )
    .route(
        "/items/{slug}/events/{id}/edit",
        web::post().to(editing::correct_event),
    )
    .route(
        "/items/{slug}/events/{id}/retract",
        web::get().to(editing::retract_event_form),
    )
    .route(
        "/items/{slug}/events/{id}/retract",
        web::post().to(editing::retract_event),
    )
    .route(
        "/items/{slug}/links/new",
        web::get().to(editing::new_link_form),
    )
    .route(
        "/items/{slug}/links/new",
        web::post().to(editing::create_link),
    )
    .route(
        "/items/{slug}/links/{id}/delete",
        web::post().to(editing::remove_link),
    )
    .route("/healthz", web::get().to(pages::healthz))
    .route("/static/{file}", web::get().to(pages::static_file))
    .configure(signin::routes)
    .configure(account::routes)
    .configure(subscriptions::routes)
    .configure(admin::routes);
}

/// The web application, bound to its listener and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    worker: Option<crate::mail::WorkerHandle>,
}

impl Application {
    /// Connects to the database (migrating it, and loading the starter data
    /// into a new one), then binds `settings.bind`; port 0 picks a free port.
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        crate::templates::check();
        let pool = db::connect(&settings.database_url)?;
        if settings.seed_on_start {
            let mut conn = pool.get().map_err(DbError::from)?;
            if let Some(report) = crate::seed::load_on_first_start(&mut conn, settings.clock.now())?
            {
                tracing::info!(
                    items = report.items_added,
                    events = report.events_added,
                    links = report.links_added,
                    "loaded the starter data into a new database"
                );
            }
        }
        let secret = match &settings.secret {
            Some(s) if s.len() < 32 => return Err(StartError::WeakSecret),
            Some(s) => s.clone(),
            None => {
                // Generated once and kept in the database, so every process
                // sharing it signs sessions with the same key.
                let mut conn = pool.get().map_err(DbError::from)?;
                let fresh = hex::encode(rand::random::<[u8; 64]>());
                crate::store::settings::get_or_insert(&mut conn, "secret", &fresh)?
            }
        };
        let key = actix_web::cookie::Key::derive_from(secret.as_bytes());
        let secure_cookies = settings.base_url.starts_with("https://");
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartError::Bind {
            address: settings.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                address: settings.bind.clone(),
                source,
            })?
            .port();
        let worker = if settings.run_worker {
            Some(crate::mail::Worker::new(pool.clone(), &settings)?.spawn())
        } else {
            // Still check the mail settings, so a typo stops the start.
            crate::mail::Mailer::from_settings(&settings)?;
            None
        };
        let state = AppState { pool, settings };
        let server = HttpServer::new(move || {
            App::new()
                .wrap(auth::session_middleware(key.clone(), secure_cookies))
                .wrap(TracingLogger::<logging::RedactedSpans>::new())
                .app_data(web::Data::new(state.clone()))
                .configure(routes)
                .default_service(web::to(pages::not_found))
        })
        .listen(listener)
        .map_err(|source| StartError::Bind {
            address: "listener".to_owned(),
            source,
        })?
        .run();
        Ok(Application {
            port,
            server,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is stopped; the delivery worker (if any)
    /// stops with it.
    pub async fn run(self) -> std::io::Result<()> {
        let _worker = self.worker;
        self.server.await
    }
}

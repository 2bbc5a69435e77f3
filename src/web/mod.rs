//! The web server: routes, shared state and the `Application` that binds it.

pub mod account;
pub mod admin;
pub mod api;
pub mod api_tokens;
pub mod auth;
pub mod bars;
pub mod cache;
pub mod calendars;
pub mod chart;
pub mod client;
pub mod dated_form;
pub mod error;
pub mod events;
pub mod export;
pub mod feeds;
pub mod form_page;
pub mod forms;
pub mod hardening;
pub mod history;
pub mod import;
pub mod item_page;
pub mod item_table;
pub mod items;
pub mod links;
pub mod logging;
pub mod milestone_view;
pub mod milestones;
pub mod overview;
pub mod pages;
pub mod reading;
pub mod review;
mod review_edit;
mod review_mapping;
pub mod shapes;
pub mod signin;
pub mod subscriptions;
pub mod svg;
pub mod swimlanes;
pub mod timeline;
pub mod upcoming;
pub mod view;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{guard, web, App, FromRequest, Handler, HttpServer, Responder, Route};
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
    /// `/overview`'s last counts, kept until a newer change is recorded.
    pub overview: std::sync::Arc<overview::CountsCache>,
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

    /// Runs store work that answers with an error type of its own (such as
    /// `ItemError`), on the blocking thread pool: its result comes back as
    /// it is, for the handler to answer what the store refused; only
    /// failing to run it at all is an `AppError`.
    pub async fn attempt<T, E, F>(&self, work: F) -> Result<Result<T, E>, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        Ok(web::block(move || match pool.get() {
            Ok(mut conn) => work(&mut conn),
            Err(e) => Err(DbError::from(e).into()),
        })
        .await?)
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

/// Routes a GET handler for HEAD too; see [`routes`] for how to use it.
pub fn get_or_head<F, Args>(handler: F) -> Route
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::route()
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .to(handler)
}

/// Configures the routes; shared by the server and anything that embeds it.
///
/// Every address is one `web::resource(path)` with a route per method:
/// `.route(get_or_head(handler))` for reading, `.post(handler)` for
/// changing. HEAD then answers wherever GET does (same headers, no body),
/// and any other method gets 405 with an `Allow` header listing the
/// methods the address takes. A module with routes of its own (like
/// [`subscriptions::routes`]) follows the same pattern and is added with
/// `.configure(...)` at the end. Never `cfg.route(path, web::get()...)`:
/// that answers a wrong method (and HEAD) with 404.
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
                actix_web::error::UrlencodedError::Payload(e) if hardening::timed_out(&e) => {
                    AppError::RequestTimeout.into()
                }
                other => {
                    AppError::BadRequest(format!("The form data could not be read: {other}")).into()
                }
            }),
    )
    .service(web::resource("/").route(get_or_head(timeline::timeline_page)))
    .service(web::resource("/feed.atom").route(get_or_head(feeds::timeline_feed)))
    .service(web::resource("/items").route(get_or_head(item_table::items_page)))
    .service(web::resource("/upcoming").route(get_or_head(upcoming::upcoming_page)))
    .service(web::resource("/chart").route(get_or_head(chart::chart_page)))
    .service(web::resource("/overview").route(get_or_head(overview::overview_page)))
    .service(web::resource("/calendar.ics").route(get_or_head(calendars::all_milestones)))
    .service(
        web::resource("/items/{slug}/calendar.ics").route(get_or_head(calendars::item_milestones)),
    )
    .service(web::resource("/items.csv").route(get_or_head(export::items_csv)))
    .service(web::resource("/items.json").route(get_or_head(export::items_json)))
    .service(
        web::resource("/items/new")
            .route(get_or_head(items::new_item_form))
            .post(items::create_item),
    )
    .service(web::resource("/items/{slug}").route(get_or_head(item_page::item_page)))
    .service(
        web::resource("/items/{slug}/edit")
            .route(get_or_head(items::edit_item_form))
            .post(items::update_item),
    )
    .service(web::resource("/items/{slug}/feed.atom").route(get_or_head(feeds::item_feed)))
    .service(web::resource("/items/{slug}/history").route(get_or_head(history::history)))
    .service(
        web::resource("/items/{slug}/events/new")
            .route(get_or_head(dated_form::new_record_form::<forms::EventForm>))
            .post(events::create_event),
    )
    .service(
        web::resource("/items/{slug}/events/{id}/edit")
            .route(get_or_head(events::edit_event_form))
            .post(events::correct_event),
    )
    .service(
        web::resource("/items/{slug}/events/{id}/retract")
            .route(get_or_head(events::retract_event_form))
            .post(events::retract_event),
    )
    .service(
        web::resource("/items/{slug}/links/new")
            .route(get_or_head(links::new_link_form))
            .post(links::create_link),
    )
    .service(web::resource("/items/{slug}/links/{id}/delete").post(links::remove_link))
    .service(
        web::resource("/items/{slug}/milestones/new")
            .route(get_or_head(
                dated_form::new_record_form::<forms::MilestoneForm>,
            ))
            .post(milestones::add_milestone),
    )
    .service(
        web::resource("/items/{slug}/milestones/{id}/edit")
            .route(get_or_head(milestones::edit_milestone_form))
            .post(milestones::correct_milestone),
    )
    .service(
        web::resource("/items/{slug}/milestones/{id}/remove")
            .route(get_or_head(milestones::remove_milestone_form))
            .post(milestones::remove_milestone),
    )
    .service(web::resource("/healthz").route(get_or_head(pages::healthz)))
    .service(web::resource("/static/{file}").route(get_or_head(pages::static_file)))
    .service(web::resource("/favicon.svg").route(get_or_head(pages::favicon)))
    .service(web::resource("/favicon.ico").route(get_or_head(pages::favicon)))
    .configure(signin::routes)
    .configure(account::routes)
    .configure(api_tokens::routes)
    .configure(import::routes)
    .configure(api::routes)
    .configure(subscriptions::routes)
    .configure(admin::routes)
    .configure(review::routes);
}

/// The web application, bound to its listener and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    worker: Option<crate::mail::WorkerHandle>,
    sync: Option<crate::connectors::sync::SyncHandle>,
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
        let sync = if settings.run_worker {
            crate::connectors::sync::spawn_periodic(
                pool.clone(),
                settings.sources.clone(),
                settings.clock.clone(),
            )
        } else {
            None
        };
        let body_timeout = settings.request_body_timeout;
        let cache = std::sync::Arc::new(cache::ResponseCache::new(
            &settings.database_url,
            settings.cache_bytes,
            settings.clock.clone(),
        ));
        let state = AppState {
            pool,
            settings,
            overview: Default::default(),
        };
        // The last `wrap` is the outermost: security headers go on every
        // response, including the 405 page and errors from the others.
        let server = HttpServer::new(move || {
            App::new()
                .wrap(auth::session_middleware(key.clone(), secure_cookies))
                .wrap(from_fn(move |req, next| {
                    hardening::body_deadline(req, next, body_timeout)
                }))
                .wrap(TracingLogger::<logging::RedactedSpans>::new())
                .wrap(ErrorHandlers::new().handler(
                    StatusCode::METHOD_NOT_ALLOWED,
                    hardening::method_not_allowed_page,
                ))
                .wrap(from_fn({
                    let cache = cache.clone();
                    move |req, next| cache::serve(req, next, cache.clone())
                }))
                .wrap(from_fn(move |req, next| {
                    // https sites also get HSTS, as they get secure cookies.
                    hardening::security_headers(req, next, secure_cookies)
                }))
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
            sync,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is stopped; the delivery worker (if any)
    /// stops with it.
    pub async fn run(self) -> std::io::Result<()> {
        let _worker = self.worker;
        let _sync = self.sync;
        self.server.await
    }
}

//! Subscribing to email alerts, confirming, managing and unsubscribing:
//! the routes, and what their pages share.
//!
//! Every page under `/subscriptions/` that changes something is reached
//! through a secret token in its path (64 hex characters, only its hash
//! stored), except the subscribe form itself, which only ever creates an
//! unconfirmed subscription and is rate-limited. The token is what protects
//! these POSTs, so they need no session and no CSRF token (RFC 8058 one-click
//! unsubscribe requires exactly that).

mod confirm;
mod manage;
mod subscribe;

use std::future::Future;
use std::pin::Pin;

use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::{CurrentUser, MaybeUser};
use super::error::AppError;
use super::get_or_head;
use super::view::{Layout, Page};
use crate::db::{DbConnection, DbError};
use crate::domain::{Frequency, InvalidValue, Scope, ScopeKind, Slug, SubscriptionId};
use crate::store::items;
use crate::store::subscriptions::SubscriptionView;
use crate::templates;

pub use subscribe::{subscribe_box_for_filter, subscribe_box_for_item, SubscribeBox};

/// The routes under `/subscriptions`, built as [`super::routes`] describes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/subscriptions")
            .service(web::resource("").post(subscribe::subscribe))
            .service(web::resource("/new").route(get_or_head(subscribe::new_page)))
            .service(web::resource("/pending").route(get_or_head(subscribe::pending_page)))
            .service(
                web::resource("/confirm/{token}")
                    .route(get_or_head(confirm::confirm_page))
                    .post(confirm::confirm),
            )
            .service(
                web::resource("/unsubscribe/{token}")
                    .route(get_or_head(confirm::unsubscribe_page))
                    .post(confirm::unsubscribe),
            )
            .service(web::resource("/manage/{token}").route(get_or_head(manage::manage_page)))
            .service(web::resource("/manage/{token}/frequency").post(manage::manage_frequency))
            .service(web::resource("/manage/{token}/remove").post(manage::manage_remove))
            .service(web::resource("/manage/{token}/remove-all").post(manage::manage_remove_all))
            .service(web::resource("/manage/{token}/add").post(manage::manage_add)),
    );
}

/// What the shared layout shows (who is signed in, one-time messages).
/// Subscribers need no account; an editor who subscribes still sees the
/// usual header.
struct Chrome(Option<CurrentUser>, Session);

impl FromRequest for Chrome {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = MaybeUser::from_request(req, payload);
        let session = Session::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?.0;
            Ok(Chrome(user, session.await?))
        })
    }
}

/// A page of these flows: never cached, never sent as a referrer (the
/// address holds a secret token).
fn page(
    status: StatusCode,
    name: &str,
    view: &impl Serialize,
    chrome: &Chrome,
) -> Result<HttpResponse, AppError> {
    let view = serde_json::to_value(view).map_err(|e| AppError::Internal(e.to_string()))?;
    let title = view["title"].as_str().unwrap_or_default().to_owned();
    let context = Page::new(Layout::new(title, chrome.0.as_ref(), &chrome.1), view);
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(templates::render(name, &context)?))
}

fn invalid_link() -> AppError {
    AppError::not_found(
        "This link is not valid: it may have been mistyped, or the subscription it belonged to was removed.",
    )
}

/// One option of a menu or of a group of radio buttons.
#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>, checked: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            checked,
        }
    }
}

/// The frequencies to choose from; immediate unless another is selected.
fn frequencies(selected: Option<Frequency>) -> Vec<Choice> {
    let selected = selected.unwrap_or(Frequency::Immediate);
    Frequency::ALL
        .iter()
        .map(|&f| Choice::new(f.as_str(), f.label(), f == selected))
        .collect()
}

/// A subscription on a page.
#[derive(Debug, Serialize)]
struct SubscriptionCard {
    id: SubscriptionId,
    email: String,
    scope: String,
    frequency_label: &'static str,
    confirmed: bool,
    frequencies: Vec<Choice>,
}

impl From<&SubscriptionView> for SubscriptionCard {
    fn from(v: &SubscriptionView) -> Self {
        SubscriptionCard {
            id: v.id,
            email: v.email.clone(),
            scope: v.scope.clone(),
            frequency_label: v.frequency.label(),
            confirmed: v.confirmed,
            frequencies: frequencies(Some(v.frequency)),
        }
    }
}

/// The message beside each refused field of a form.
#[derive(Debug, Default, Serialize)]
struct FieldErrors {
    email: Option<String>,
    scope: Option<String>,
    frequency: Option<String>,
}

impl FieldErrors {
    fn is_empty(&self) -> bool {
        self.email.is_none() && self.scope.is_none() && self.frequency.is_none()
    }
}

/// The value, or `None` with the message noted in `error`.
fn noted<T, E: ToString>(result: Result<T, E>, error: &mut Option<String>) -> Option<T> {
    result.map_err(|e| *error = Some(e.to_string())).ok()
}

fn parse_frequency(text: Option<&str>) -> Result<Frequency, String> {
    text.unwrap_or("")
        .parse()
        .map_err(|e: InvalidValue| e.to_string())
}

/// A scope as typed, before an item slug is looked up.
enum ScopeInput {
    Ready(Scope),
    Item(Slug),
}

/// A scope from the add form's two fields (`tag`, `ai`), an item by its
/// slug.
fn parse_scope(scope_type: &str, value: &str) -> Result<ScopeInput, String> {
    let kind: ScopeKind = scope_type
        .parse()
        .map_err(|e: InvalidValue| e.to_string())?;
    let value = value.trim();
    let need = |what: &str| Err(format!("enter the {what} to follow"));
    match kind {
        ScopeKind::Item if value.is_empty() => need("item's address (its slug)"),
        ScopeKind::Item => Slug::try_from(value.trim_start_matches("/items/"))
            .map(ScopeInput::Item)
            .map_err(|e| e.to_string()),
        ScopeKind::Tag if value.is_empty() => need("tag"),
        ScopeKind::Jurisdiction if value.is_empty() => need("jurisdiction"),
        kind => Scope::parse(kind, value)
            .map(ScopeInput::Ready)
            .map_err(|e| e.to_string()),
    }
}

/// A scope as the subscribe box sends it: `item:slug`, `tag:ai`, `all`, ...
fn parse_scope_value(s: &str) -> Result<ScopeInput, String> {
    let (t, v) = s.split_once(':').unwrap_or((s, ""));
    parse_scope(t, v)
}

/// Looks an item scope up; `Err` is the message for the form.
fn resolve(conn: &mut DbConnection, input: ScopeInput) -> Result<Result<Scope, String>, DbError> {
    Ok(match input {
        ScopeInput::Ready(s) => Ok(s),
        ScopeInput::Item(slug) => match items::find_by_slug(conn, slug.as_str())? {
            Some(item) => Ok(Scope::Item(item.id)),
            None => Err(format!("no item has the address /items/{slug}")),
        },
    })
}

//! The one-button pages of an email's confirmation and unsubscribe links.
//! Following a link (as mail scanners do) only shows what it would do; the
//! button's POST does it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::{invalid_link, page, Chrome, SubscriptionCard};
use crate::store::subscriptions::{self as subs, SubscriptionView, TokenPurpose};
use crate::web::error::AppError;
use crate::web::AppState;

/// A page about one subscription, or (`all`) about every subscription of
/// an address.
#[derive(Debug, Serialize)]
pub(super) struct SubscriptionPage {
    title: &'static str,
    subscription: Option<SubscriptionCard>,
    all: bool,
}

impl SubscriptionPage {
    fn of(title: &'static str, v: &SubscriptionView) -> Self {
        SubscriptionPage {
            title,
            subscription: Some(v.into()),
            all: false,
        }
    }

    /// After removing every subscription of an address.
    pub(super) fn all_removed() -> Self {
        SubscriptionPage {
            title: "Unsubscribed",
            subscription: None,
            all: true,
        }
    }
}

/// The GET of a link: what it names, and its button.
async fn link_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    token: String,
    purpose: TokenPurpose,
    template: &str,
    title: &'static str,
) -> Result<HttpResponse, AppError> {
    let found = state
        .db(move |conn| subs::by_token(conn, purpose, &token))
        .await?
        .ok_or_else(invalid_link)?;
    page(
        StatusCode::OK,
        template,
        &SubscriptionPage::of(title, &found),
        &chrome,
    )
}

/// `GET /subscriptions/confirm/{token}`.
pub async fn confirm_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    link_page(
        chrome,
        state,
        path.into_inner(),
        TokenPurpose::Confirm,
        "subscriptions/confirm",
        "Confirm your subscription",
    )
    .await
}

/// `POST /subscriptions/confirm/{token}`.
pub async fn confirm(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let now = state.now();
    let confirmed = state
        .db(move |conn| subs::confirm(conn, &token, now))
        .await?
        .ok_or_else(invalid_link)?;
    page(
        StatusCode::OK,
        "subscriptions/confirmed",
        &SubscriptionPage::of("Subscription confirmed", &confirmed),
        &chrome,
    )
}

/// `GET /subscriptions/unsubscribe/{token}`.
pub async fn unsubscribe_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    link_page(
        chrome,
        state,
        path.into_inner(),
        TokenPurpose::Unsubscribe,
        "subscriptions/unsubscribe",
        "Unsubscribe",
    )
    .await
}

/// `POST /subscriptions/unsubscribe/{token}`: the button of the page above
/// and RFC 8058 one-click unsubscribe (body `List-Unsubscribe=One-Click`,
/// which is accepted but not required).
pub async fn unsubscribe(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let removed = state
        .db(move |conn| subs::unsubscribe(conn, &token))
        .await?
        .ok_or_else(invalid_link)?;
    tracing::info!(to = %crate::domain::mask_address(&removed.email), "unsubscribed");
    page(
        StatusCode::OK,
        "subscriptions/unsubscribed",
        &SubscriptionPage::of("Unsubscribed", &removed),
        &chrome,
    )
}

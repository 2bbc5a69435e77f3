//! Who is writing through the API: an `Authorization: Bearer TOKEN` header
//! carrying one of an enabled editor's API tokens (see `store::api_tokens`).
//! Checked against the database on every request, so a revoked token (401)
//! or a disabled account (403) is refused at once.
//!
//! Failed attempts are limited per client IP with the same windowed limits
//! as signing in: each attempt is counted before its token is checked and
//! taken back when the token is good, so 20 bad tokens from one IP in 15
//! minutes refuse further attempts from there (429 with `Retry-After`)
//! until the oldest is 15 minutes old, while good tokens never count.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Duration;

use super::problem::ApiError;
use crate::store::api_tokens;
use crate::store::limits::{self, Decision, Rule};
use crate::web::auth::CurrentUser;
use crate::web::client::client_ip;
use crate::web::AppState;

/// Failed token attempts one client IP may make in [`WINDOW`].
pub const FAILED_ATTEMPTS_PER_IP: i64 = 20;
const WINDOW: Duration = Duration::minutes(15);

/// The editor whose API token authorised this request.
pub struct ApiEditor(pub CurrentUser);

impl FromRequest for ApiEditor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(ApiEditor) })
    }
}

/// The token of a `Bearer` header, if the request has one.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "This operation needs an API token: send `Authorization: Bearer TOKEN` \
             (create a token at /account/tokens)."
                .to_owned(),
        )
    };
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_owned())
}

async fn authenticate(req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    let token = bearer(req)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::BadRequest("application state missing".to_owned()))?
        .clone();
    let ip = client_ip(req, &state.settings);
    let now = state.now();
    let user = state
        .db(move |conn| {
            let rules = [Rule::refuse_at("api-token-ip", &ip, FAILED_ATTEMPTS_PER_IP)];
            let reservation = match limits::reserve(conn, &rules, WINDOW, now)? {
                Decision::Allowed(r) => r,
                Decision::Refused { retry_at, .. } => return Ok(Err(retry_at - now)),
            };
            let user = api_tokens::authenticate(conn, &token, now)?;
            if user.as_ref().is_some_and(|u| !u.disabled) {
                reservation.release(conn)?;
            }
            Ok(Ok(user))
        })
        .await?;
    match user {
        Err(wait) => Err(ApiError::TooManyRequests {
            retry_after_seconds: wait.num_seconds().max(1),
        }),
        Ok(Some(u)) if u.disabled => Err(ApiError::Forbidden(
            "The account this API token belongs to is disabled.".to_owned(),
        )),
        Ok(Some(u)) => Ok(CurrentUser {
            id: u.id,
            email: u.email.clone(),
            role: u.role(),
            // API answers have no header to show it in.
            pending_reviews: 0,
        }),
        Ok(None) => Err(ApiError::Unauthorized(
            "This API token is not valid: it is unknown or was revoked.".to_owned(),
        )),
    }
}

//! Sessions, the signed-in user, CSRF tokens and one-time messages.
//!
//! The session cookie is signed and encrypted (HttpOnly, SameSite=Lax,
//! Secure when the base URL is https). It holds the token of a session kept
//! on the server (see `store::sessions`), the CSRF token every form carries,
//! and at most one flash message. Every request checks the token against
//! the server, so a session that was ended there is over everywhere.

use std::future::Future;
use std::pin::Pin;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::error::AppError;
use super::AppState;
use crate::domain::UserId;
use crate::store::sessions::{self, SESSION_LIFETIME};
use crate::store::users::Role;

const SESSION_TOKEN_KEY: &str = "sid";
const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";

pub fn session_middleware(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("regwatch_session".to_owned())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(PersistentSession::default().session_ttl(
            actix_web::cookie::time::Duration::seconds(SESSION_LIFETIME.num_seconds()),
        ))
        .build()
}

/// A signed-in, enabled editor or admin.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub role: Role,
    /// Proposals from official sources waiting for an editor (the header
    /// links the review queue with this count).
    pub pending_reviews: i64,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Where a sign-in should return to: the path (and query) of a request.
fn return_path(req: &HttpRequest) -> String {
    match req.uri().path_and_query() {
        Some(pq) => pq.as_str().to_owned(),
        None => "/".to_owned(),
    }
}

/// Only a local path may be a redirect target (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn load_user(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    let session = req.get_session();
    let Some(token) = session_token(&session) else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".to_owned()))?
        .clone();
    let now = state.now();
    let user = state
        .db(move |conn| {
            let account = sessions::account(conn, &token, now)?;
            let pending = match &account {
                Some(u) if !u.disabled => crate::store::proposals::pending_count(conn)?,
                _ => 0,
            };
            Ok(account.map(|a| (a, pending)))
        })
        .await?;
    match user {
        Some((u, pending_reviews)) if !u.disabled => Ok(Some(CurrentUser {
            id: u.id,
            email: u.email.clone(),
            role: u.role(),
            pending_reviews,
        })),
        // Ended, expired, or the account disabled or deleted: the cookie
        // is dropped too.
        _ => {
            session.purge();
            Ok(None)
        }
    }
}

/// The server-side session token the cookie carries, if any.
pub fn session_token(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_TOKEN_KEY).unwrap_or(None)
}

/// Makes the cookie carry a newly started session: a fresh cookie (no
/// fixation) with no CSRF token from before.
pub fn begin_session(session: &Session, token: &str) -> Result<(), AppError> {
    session.renew();
    session.remove(CSRF_KEY);
    Ok(session.insert(SESSION_TOKEN_KEY, token)?)
}

/// Empties the cookie but keeps it, so a one-time message can follow.
pub fn clear_session(session: &Session) {
    session.clear();
    session.renew();
}

/// The signed-in user, if any. Never refuses a request.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeUser(load_user(&req).await?)) })
    }
}

/// A signed-in user; anyone else is sent to `/login` and back afterwards.
pub struct Editor(pub CurrentUser);

impl FromRequest for Editor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match load_user(&req).await? {
                Some(user) => Ok(Editor(user)),
                None => Err(AppError::LoginRequired {
                    next: return_path(&req),
                }),
            }
        })
    }
}

/// A signed-in admin; editors get a 403.
pub struct AdminUser(pub CurrentUser);

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match load_user(&req).await? {
                Some(user) if user.is_admin() => Ok(AdminUser(user)),
                Some(_) => Err(AppError::Forbidden(
                    "This page is for administrators only.".to_owned(),
                )),
                None => Err(AppError::LoginRequired {
                    next: return_path(&req),
                }),
            }
        })
    }
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return token;
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    let _ = session.insert(CSRF_KEY, &token);
    token
}

/// Refuses (403, nothing changed) a form whose token is not the session's.
pub fn check_csrf(session: &Session, submitted: &str) -> Result<(), AppError> {
    let expected = session.get::<String>(CSRF_KEY).unwrap_or(None);
    match expected {
        Some(t)
            if !submitted.is_empty()
                && constant_time_eq::constant_time_eq(t.as_bytes(), submitted.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(AppError::Forbidden(
            "This form has expired or did not come from this site. Reload the page and try again."
                .to_owned(),
        )),
    }
}

pub fn set_flash(session: &Session, message: &str) {
    let _ = session.insert(FLASH_KEY, message);
}

pub fn take_flash(session: &Session) -> Option<String> {
    let message = session.get::<String>(FLASH_KEY).unwrap_or(None);
    if message.is_some() {
        session.remove(FLASH_KEY);
    }
    message
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/items/x/edit")), "/items/x/edit");
        assert_eq!(safe_next(Some("/?kind=bill")), "/?kind=bill");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

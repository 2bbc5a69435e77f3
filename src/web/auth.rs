//! Sign-in, sessions, CSRF tokens and one-time messages.
//!
//! The session lives in a signed and encrypted cookie (HttpOnly,
//! SameSite=Lax, Secure when the base URL is https). It holds the user's id,
//! the CSRF token every form carries, and at most one flash message.

use std::future::Future;
use std::pin::Pin;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::ContentType;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;

use super::error::AppError;
use super::{templates, AppState};
use crate::store::users::{self, Role};
use crate::store::{self, DbError};

const USER_KEY: &str = "uid";
const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";

/// Failed sign-ins in this window count toward throttling.
const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// From this many failures for an address, each attempt is slowed down.
const SLOW_AFTER: i64 = 3;
/// At this many failures for an address, sign-in is refused for the window.
const REFUSE_AT_EMAIL: i64 = 5;
/// At this many failures from one IP (any addresses), refused likewise.
const REFUSE_AT_IP: i64 = 20;

pub fn session_middleware(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("regwatch_session".to_owned())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default().session_ttl(actix_web::cookie::time::Duration::days(7)),
        )
        .build()
}

/// A signed-in, enabled editor or admin.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub role: Role,
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
    let Some(id) = session.get::<i32>(USER_KEY).unwrap_or(None) else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".to_owned()))?
        .clone();
    let user = state.db(move |conn| users::find_by_id(conn, id)).await?;
    match user {
        Some(u) if !u.disabled => Ok(Some(CurrentUser {
            id: u.id,
            email: u.email.clone(),
            role: u.role(),
        })),
        // Deleted or disabled since signing in: the session ends now.
        _ => {
            session.purge();
            Ok(None)
        }
    }
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

/// What every page's layout shows: who is signed in, the token for the
/// sign-out form, and a one-time message.
pub fn chrome(user: &Option<CurrentUser>, session: &Session) -> serde_json::Value {
    json!({
        "user": user.as_ref().map(|u| json!({"email": u.email, "admin": u.is_admin()})),
        "csrf": user.as_ref().map(|_| csrf_token(session)),
        "flash": take_flash(session),
    })
}

/// Adds the layout's fields to a page context.
pub fn with_chrome(
    mut context: serde_json::Value,
    user: &Option<CurrentUser>,
    session: &Session,
) -> serde_json::Value {
    if let (Some(map), serde_json::Value::Object(extra)) =
        (context.as_object_mut(), chrome(user, session))
    {
        map.extend(extra);
    }
    context
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
    next: String,
}

fn login_page(
    status: actix_web::http::StatusCode,
    session: &Session,
    email: &str,
    next: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let context = json!({
        "title": "Sign in",
        "csrf_token": csrf_token(session),
        "email": email,
        "next": next,
        "error": error,
        "flash": take_flash(session),
    });
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(templates::render("login", &context)?))
}

pub async fn login_form(
    session: Session,
    query: web::Query<NextQuery>,
    user: MaybeUser,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if user.0.is_some() {
        return Ok(see_other(&next));
    }
    login_page(actix_web::http::StatusCode::OK, &session, "", &next, None)
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

pub async fn login(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let next = safe_next(Some(&form.next));
    let email = form.email.trim().to_lowercase();
    let ip = client_ip(&req);
    if email.chars().any(char::is_control) {
        return login_page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &session,
            &form.email,
            &next,
            Some("An email address holds no control characters; check what you typed."),
        );
    }
    if email.is_empty()
        || form.password.is_empty()
        || email.len() > 254
        || form.password.len() > 1024
    {
        return login_page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &session,
            &form.email,
            &next,
            Some("Enter your email address and password."),
        );
    }

    let (lookup_email, lookup_ip) = (email.clone(), ip.clone());
    let (by_email, by_ip, oldest) = state
        .db(move |conn| {
            let since = store::now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
            users::failed_logins_since(conn, &lookup_email, &lookup_ip, since)
        })
        .await?;
    if by_email >= REFUSE_AT_EMAIL || by_ip >= REFUSE_AT_IP {
        let wait = oldest
            .map(|t| {
                (t + Duration::minutes(THROTTLE_WINDOW_MINUTES) - store::now()).num_minutes() + 1
            })
            .unwrap_or(THROTTLE_WINDOW_MINUTES)
            .max(1);
        let context = json!({
            "title": "Too many attempts",
            "status": 429,
            "heading": "Too many failed sign-in attempts",
            "message": format!("Sign-in is paused for this address or network. Try again in {wait} minute{}.", if wait == 1 { "" } else { "s" }),
        });
        return Ok(HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", (wait * 60).to_string()))
            .content_type(ContentType::html())
            .body(templates::render("error", &context)?));
    }
    if by_email >= SLOW_AFTER {
        let delay = 250 * (by_email - SLOW_AFTER + 1) as u64;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(delay.min(2000))).await;
    }

    let password = form.password.clone();
    let check_email = email.clone();
    let outcome = state
        .db(move |conn| {
            let user = users::find_by_email(conn, &check_email)?;
            // Verify against a fixed hash when there is no account, so the
            // answer takes as long either way.
            let hash = user
                .as_ref()
                .map(|u| u.password_hash.as_str())
                .unwrap_or(DUMMY_HASH.as_str());
            let ok = users::verify_password(hash, &password);
            Ok::<_, DbError>(match user {
                Some(u) if ok && u.disabled => LoginOutcome::Disabled,
                Some(u) if ok => {
                    users::clear_failed_logins(conn, &check_email)?;
                    LoginOutcome::Ok(u.id)
                }
                _ => {
                    users::record_failed_login(conn, &check_email, &ip)?;
                    LoginOutcome::Wrong
                }
            })
        })
        .await?;
    match outcome {
        LoginOutcome::Ok(id) => {
            session.renew();
            session.remove(CSRF_KEY);
            session
                .insert(USER_KEY, id)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            set_flash(&session, "You are signed in.");
            Ok(see_other(&next))
        }
        LoginOutcome::Disabled => login_page(
            actix_web::http::StatusCode::FORBIDDEN,
            &session,
            &form.email,
            &next,
            Some("This account is disabled. Ask an administrator to enable it."),
        ),
        LoginOutcome::Wrong => login_page(
            actix_web::http::StatusCode::UNAUTHORIZED,
            &session,
            &form.email,
            &next,
            Some("That email address and password do not match an account."),
        ),
    }
}

enum LoginOutcome {
    Ok(i32),
    Disabled,
    Wrong,
}

/// An argon2id hash of a random password nobody knows.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let secret = hex::encode(rand::random::<[u8; 32]>());
    users::hash_password(&users::Password::try_from(secret.as_str()).expect("64 characters"))
});

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

pub async fn logout(session: Session, form: web::Form<CsrfOnly>) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    session.purge();
    Ok(see_other("/"))
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

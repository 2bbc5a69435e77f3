//! Signing in and out, and the throttle every password check goes through.
//!
//! Failed password checks count for 15 minutes under three keys: the
//! address together with the client IP, the client IP alone, and the
//! address alone. The first two refuse (429) at their limits; the address
//! alone only slows further attempts down, by a bounded delay, so someone
//! guessing from elsewhere can never lock the real editor out. An attempt is
//! counted and decided on before its password is checked, atomically (see
//! `store::limits`), so parallel guesses get no more checks than one by one.

use actix_session::Session;
use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::auth::{
    begin_session, check_csrf, csrf_token, safe_next, see_other, session_token, set_flash,
    take_flash, CsrfOnly, MaybeUser,
};
use super::client::client_ip;
use super::error::{AppError, ErrorView};
use super::view::{Layout, Page};
use super::AppState;
use crate::store::limits::{self, Decision, Rule};
use crate::store::users::{self, UserRow};
use crate::store::{sessions, DbError};

/// Failed password checks count for this long.
const WINDOW: Duration = Duration::minutes(15);
/// Failures for one address from one IP that refuse further attempts.
const REFUSE_AT_ADDRESS_AND_IP: i64 = 5;
/// Failures from one IP (any addresses) that refuse further attempts.
const REFUSE_AT_IP: i64 = 20;
/// Failures for an address (from anywhere) after which each further
/// attempt is slowed down...
const SLOW_AFTER: i64 = 3;
/// ...by this much for each failure past that...
const SLOW_STEP_MS: u64 = 250;
/// ...but never by more than this.
const MAX_DELAY_MS: u64 = 2000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(super::get_or_head(login_form))
            .post(login),
    )
    .service(web::resource("/logout").post(logout));
}

/// The wait before the next attempt, given the failures already counted
/// for the address from anywhere.
pub fn slow_down(failures_for_address: i64) -> std::time::Duration {
    let past = u64::try_from(failures_for_address - SLOW_AFTER + 1).unwrap_or(0);
    std::time::Duration::from_millis((SLOW_STEP_MS * past).min(MAX_DELAY_MS))
}

/// What checking a password found.
pub enum PasswordCheck {
    Correct(UserRow),
    /// The password is right but the account is disabled.
    Disabled,
    /// No account has this address and password.
    Wrong,
    /// Too many failures: not checked; try again in this many minutes.
    Refused {
        minutes: i64,
    },
}

/// Checks an address and password through the throttle (sign-in, and the
/// current password when changing it).
pub async fn check_password(
    state: &web::Data<AppState>,
    email: &str,
    ip: &str,
    password: String,
) -> Result<PasswordCheck, AppError> {
    let email = email.trim().to_lowercase();
    let rules = [
        Rule::refuse_at(
            "sign-in-address-ip",
            &format!("{email} {ip}"),
            REFUSE_AT_ADDRESS_AND_IP,
        ),
        Rule::count_only("sign-in-address", &email),
        Rule::refuse_at("sign-in-ip", ip, REFUSE_AT_IP),
    ];
    let now = state.now();
    let (decision, rules) = state
        .db(move |conn| Ok((limits::reserve(conn, &rules, WINDOW, now)?, rules)))
        .await?;
    let reservation = match decision {
        Decision::Refused { retry_at, .. } => {
            return Ok(PasswordCheck::Refused {
                minutes: minutes_until(retry_at, now),
            })
        }
        Decision::Allowed(reservation) => reservation,
    };
    actix_web::rt::time::sleep(slow_down(reservation.earlier[1])).await;

    state
        .db(move |conn| {
            let user = users::find_by_email(conn, &email)?;
            // Verify against a fixed hash when there is no account, so the
            // answer takes as long either way.
            let hash = user
                .as_ref()
                .map(|u| u.password_hash.as_str())
                .unwrap_or(DUMMY_HASH.as_str());
            let ok = users::verify_password(hash, &password);
            Ok::<_, DbError>(match user {
                Some(u) if ok => {
                    // A right password is no failure; once the account is
                    // in, its address's failures are forgotten.
                    reservation.release(conn)?;
                    if u.disabled {
                        PasswordCheck::Disabled
                    } else {
                        limits::forget(conn, &rules[..2])?;
                        PasswordCheck::Correct(u)
                    }
                }
                _ => PasswordCheck::Wrong,
            })
        })
        .await
}

fn minutes_until(at: NaiveDateTime, now: NaiveDateTime) -> i64 {
    let seconds = (at - now).num_seconds().max(1);
    (seconds + 59) / 60
}

/// The 429 page for a refused password check.
pub fn too_many_attempts(minutes: i64) -> Result<HttpResponse, AppError> {
    let message = format!(
        "Sign-in is paused for this address or network. Try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    );
    let page = ErrorView::page(
        "Too many attempts",
        StatusCode::TOO_MANY_REQUESTS,
        "Too many failed sign-in attempts",
        &message,
    );
    Ok(HttpResponse::TooManyRequests()
        .insert_header(("Retry-After", (minutes * 60).to_string()))
        .content_type(ContentType::html())
        .body(page.render("error")?))
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

#[derive(Debug, Serialize)]
struct LoginView<'a> {
    csrf_token: String,
    email: &'a str,
    next: &'a str,
    error: Option<&'a str>,
}

fn login_page(
    status: StatusCode,
    session: &Session,
    email: &str,
    next: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let view = LoginView {
        csrf_token: csrf_token(session),
        email,
        next,
        error,
    };
    // Nobody is signed in here, but a message (e.g. after signing out
    // everywhere) is shown.
    let layout = Layout {
        flash: take_flash(session),
        ..Layout::bare("Sign in")
    };
    Page::new(layout, view).respond(status, "login")
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
    login_page(StatusCode::OK, &session, "", &next, None)
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
    let email = form.email.trim();
    if email.chars().any(char::is_control) {
        return login_page(
            StatusCode::UNPROCESSABLE_ENTITY,
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
            StatusCode::UNPROCESSABLE_ENTITY,
            &session,
            &form.email,
            &next,
            Some("Enter your email address and password."),
        );
    }
    let ip = client_ip(&req, &state.settings);
    match check_password(&state, email, &ip, form.password.clone()).await? {
        PasswordCheck::Correct(user) => {
            let now = state.now();
            let token = state
                .db(move |conn| sessions::start(conn, user.id, now))
                .await?;
            begin_session(&session, &token)?;
            set_flash(&session, "You are signed in.");
            Ok(see_other(&next))
        }
        PasswordCheck::Refused { minutes } => too_many_attempts(minutes),
        PasswordCheck::Disabled => login_page(
            StatusCode::FORBIDDEN,
            &session,
            &form.email,
            &next,
            Some("This account is disabled. Ask an administrator to enable it."),
        ),
        PasswordCheck::Wrong => login_page(
            StatusCode::UNAUTHORIZED,
            &session,
            &form.email,
            &next,
            Some("That email address and password do not match an account."),
        ),
    }
}

/// An argon2id hash of a random password nobody knows.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let secret = hex::encode(rand::random::<[u8; 32]>());
    users::hash_password(&users::Password::try_from(secret.as_str()).expect("64 characters"))
});

/// `POST /logout`: ends this session on the server and drops the cookie.
pub async fn logout(
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    if let Some(token) = session_token(&session) {
        state.db(move |conn| sessions::end(conn, &token)).await?;
    }
    session.purge();
    Ok(see_other("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowing_down_starts_after_three_failures_and_is_bounded() {
        let ms = |n| slow_down(n).as_millis();
        assert_eq!([ms(0), ms(2), ms(3), ms(4), ms(5)], [0, 0, 250, 500, 750]);
        assert_eq!(ms(1000), 2000);
    }
}

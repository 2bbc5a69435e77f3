//! The signed-in editor's own account page (`/account`): change the
//! password (which ends every other session) and sign out everywhere.
//! Both forms carry the session's CSRF token; the current password goes
//! through the same throttle as signing in.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{
    begin_session, check_csrf, clear_session, csrf_token, see_other, set_flash, CsrfOnly, Editor,
};
use super::client::client_ip;
use super::error::AppError;
use super::forms::FieldErrors;
use super::signin::{check_password, too_many_attempts, PasswordCheck};
use super::view::{Layout, Page};
use super::AppState;
use crate::store::sessions;
use crate::store::users::{self, Password};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").route(super::get_or_head(account_page)))
        .service(web::resource("/account/password").post(change_password))
        .service(web::resource("/account/sign-out-everywhere").post(sign_out_everywhere));
}

#[derive(Debug, Serialize)]
struct AccountView<'a> {
    email: &'a str,
    role: &'static str,
    live_sessions: i64,
    only_this_browser: bool,
    errors: &'a FieldErrors,
    has_errors: bool,
    csrf_token: String,
}

async fn render(
    status: StatusCode,
    user: Editor,
    session: &Session,
    state: &web::Data<AppState>,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let id = user.0.id;
    let now = state.now();
    let live = state
        .db(move |conn| sessions::count_live(conn, id, now))
        .await?;
    let view = AccountView {
        email: &user.0.email,
        role: user.0.role.as_str(),
        live_sessions: live,
        only_this_browser: live <= 1,
        errors,
        has_errors: !errors.is_empty(),
        csrf_token: csrf_token(session),
    };
    Page::new(Layout::new("Your account", Some(&user.0), session), view)
        .respond_uncached(status, "account")
}

/// `GET /account`.
pub async fn account_page(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, user, &session, &state, &FieldErrors::new()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// The new password, or a message beside each wrong field. The current
/// password is only checked once the rest is right.
fn read_new_password(form: &PasswordForm, errors: &mut FieldErrors) -> Option<Password> {
    if form.current_password.is_empty() {
        errors.insert("current_password", "Enter your current password.".into());
    }
    let new = match Password::try_from(form.new_password.as_str()) {
        Ok(p) => Some(p),
        Err(e) => {
            let message = e.to_string();
            let mut chars = message.chars();
            let first = chars.next().map(|c| c.to_uppercase().to_string());
            errors.insert(
                "new_password",
                format!("{}{}.", first.unwrap_or_default(), chars.as_str()),
            );
            None
        }
    };
    if form.confirm_password != form.new_password {
        errors.insert(
            "confirm_password",
            "This does not match the new password.".into(),
        );
    }
    new.filter(|_| errors.is_empty())
}

/// `POST /account/password`: needs the current password; every other
/// session of the account ends, and this one continues in a new session.
pub async fn change_password(
    user: Editor,
    session: Session,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let mut errors = FieldErrors::new();
    let Some(password) = read_new_password(&form, &mut errors) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            user,
            &session,
            &state,
            &errors,
        )
        .await;
    };
    let ip = client_ip(&req, &state.settings);
    match check_password(&state, &user.0.email, &ip, form.current_password).await? {
        PasswordCheck::Correct(account) if account.id == user.0.id => {}
        PasswordCheck::Refused { minutes } => return too_many_attempts(minutes),
        _ => {
            errors.insert(
                "current_password",
                "This is not your current password.".into(),
            );
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                user,
                &session,
                &state,
                &errors,
            )
            .await;
        }
    }
    let id = user.0.id;
    let now = state.now();
    let token = state
        .db(move |conn| users::change_password(conn, id, &password, now))
        .await?;
    begin_session(&session, &token)?;
    set_flash(
        &session,
        "Your password is changed. Every other browser signed in to your account is signed out.",
    );
    Ok(see_other("/account"))
}

/// `POST /account/sign-out-everywhere`: ends every session of the
/// account, this one included.
pub async fn sign_out_everywhere(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = user.0.id;
    state.db(move |conn| sessions::end_all(conn, id)).await?;
    clear_session(&session);
    set_flash(&session, "You are signed out everywhere, here included.");
    Ok(see_other("/login"))
}

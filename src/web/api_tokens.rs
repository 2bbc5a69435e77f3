//! `/account/tokens`: the signed-in editor's API tokens. Create one (named;
//! its secret shown this once, only its hash kept), see each one's name,
//! creation and last use, revoke one (refused from the next request on).
//! Every form carries the session's CSRF token.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{check_csrf, csrf_token, see_other, set_flash, CsrfOnly, Editor};
use super::error::AppError;
use super::forms::FieldErrors;
use super::view::{Layout, Page};
use super::AppState;
use crate::domain::{ApiTokenId, SingleLine};
use crate::store::api_tokens;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/tokens")
            .route(super::get_or_head(tokens_page))
            .post(create_token),
    )
    .service(web::resource("/account/tokens/{id}/revoke").post(revoke_token));
}

/// Longest token name.
const MAX_NAME: usize = 100;

#[derive(Debug, Serialize)]
struct TokenLine {
    id: ApiTokenId,
    name: String,
    created: super::view::Stamp,
    last_used: Option<super::view::Stamp>,
}

#[derive(Debug, Serialize)]
struct TokensView<'a> {
    tokens: Vec<TokenLine>,
    empty: bool,
    /// The secret of the token just created: shown this once.
    new_token: Option<&'a str>,
    name: &'a str,
    errors: &'a FieldErrors,
    has_errors: bool,
    csrf_token: String,
}

async fn render(
    status: StatusCode,
    user: &Editor,
    session: &Session,
    state: &AppState,
    form: (&str, &FieldErrors),
    new_token: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let id = user.0.id;
    let rows = state.db(move |conn| api_tokens::list(conn, id)).await?;
    let (name, errors) = form;
    let view = TokensView {
        empty: rows.is_empty(),
        tokens: rows
            .into_iter()
            .map(|t| TokenLine {
                id: t.id,
                name: t.name,
                created: super::view::Stamp::of(t.created_at),
                last_used: t.last_used_at.map(super::view::Stamp::of),
            })
            .collect(),
        new_token,
        name,
        errors,
        has_errors: !errors.is_empty(),
        csrf_token: csrf_token(session),
    };
    Page::new(Layout::new("API tokens", Some(&user.0), session), view)
        .respond_uncached(status, "api_tokens")
}

/// `GET /account/tokens`.
pub async fn tokens_page(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new();
    render(StatusCode::OK, &user, &session, &state, ("", &errors), None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewTokenForm {
    csrf_token: String,
    name: String,
}

fn token_name(text: &str) -> Result<String, FieldErrors> {
    let message = match SingleLine::try_from(text).map(SingleLine::into_string) {
        Err(problem) => problem.describe("A name"),
        Ok(name) if name.is_empty() => {
            "A name is required (say where the token is used).".to_owned()
        }
        Ok(name) if name.chars().count() > MAX_NAME => {
            format!("A name has at most {MAX_NAME} characters.")
        }
        Ok(name) => return Ok(name),
    };
    Err(FieldErrors::from([("name", message)]))
}

/// `POST /account/tokens`: creates a token and shows its secret once.
pub async fn create_token(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<NewTokenForm>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    let name = match token_name(&form.name) {
        Ok(name) => name,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(status, &user, &session, &state, (&form.name, &errors), None).await;
        }
    };
    let (id, now) = (user.0.id, state.now());
    let token = state
        .db(move |conn| api_tokens::create(conn, id, &name, now))
        .await?;
    let errors = FieldErrors::new();
    let status = StatusCode::CREATED;
    render(status, &user, &session, &state, ("", &errors), Some(&token)).await
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ApiTokenId>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    let (user_id, token_id) = (user.0.id, path.into_inner());
    let revoked = state
        .db(move |conn| api_tokens::revoke(conn, user_id, token_id))
        .await?;
    if !revoked {
        return Err(AppError::not_found("You have no such API token."));
    }
    set_flash(&session, "Token revoked: it no longer authorises anything.");
    Ok(see_other("/account/tokens"))
}

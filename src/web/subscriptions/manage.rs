//! The manage page of a subscriber (reached through the manage link of any
//! email): every subscription of the address, changing how often one is
//! mailed, removing one or all, and following something else.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::confirm::SubscriptionPage;
use super::{
    frequencies, invalid_link, noted, page, parse_frequency, parse_scope, resolve, Choice, Chrome,
    FieldErrors, SubscriptionCard,
};
use crate::domain::{ScopeKind, SubscriberId, SubscriptionId};
use crate::store::subscriptions as subs;
use crate::web::error::AppError;
use crate::web::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManageForm {
    subscription: Option<String>,
    frequency: Option<String>,
    scope_type: Option<String>,
    scope_value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManageQuery {
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct ManagePage {
    title: &'static str,
    token: String,
    email: String,
    subscriptions: Vec<SubscriptionCard>,
    empty: bool,
    /// What the last change did.
    notice: Option<&'static str>,
    errors: FieldErrors,
    add: AddForm,
}

/// The form that follows something else, with its values kept.
#[derive(Debug, Serialize)]
struct AddForm {
    scope_types: Vec<Choice>,
    scope_value: Option<String>,
    frequencies: Vec<Choice>,
}

fn scope_type_label(kind: ScopeKind) -> &'static str {
    match kind {
        ScopeKind::All => "Everything",
        ScopeKind::Item => "One item (its address, e.g. us-s321-ai-decoupling-act)",
        ScopeKind::Tag => "A tag",
        ScopeKind::Jurisdiction => "A jurisdiction (e.g. US, CN)",
        ScopeKind::Kind => "A kind (bill, regulation, executive-action, deal, product, other)",
        ScopeKind::Filter => "A filter (a query string, e.g. kind=bill&tag=ai)",
    }
}

async fn manage_view(
    state: &AppState,
    token: String,
    errors: FieldErrors,
    kept: Option<&ManageForm>,
    done: Option<&str>,
) -> Result<ManagePage, AppError> {
    let page_token = token.clone();
    let (email, list) = state
        .db(move |conn| {
            let Some((subscriber_id, email)) = subs::by_manage_token(conn, &token)? else {
                return Ok(None);
            };
            Ok(Some((email, subs::of_subscriber(conn, subscriber_id)?)))
        })
        .await?
        .ok_or_else(invalid_link)?;
    let notice = match done {
        Some("frequency") => Some("The frequency is changed."),
        Some("removed") => Some("You are unsubscribed from that subscription."),
        Some("added") => Some("The subscription is added."),
        _ => None,
    };
    let scope_type = kept.and_then(|k| k.scope_type.as_deref());
    let add_frequency = kept.and_then(|k| k.frequency.as_deref().and_then(|f| f.parse().ok()));
    Ok(ManagePage {
        title: "Your email alerts",
        token: page_token,
        email,
        subscriptions: list.iter().map(SubscriptionCard::from).collect(),
        empty: list.is_empty(),
        notice,
        errors,
        add: AddForm {
            scope_types: ScopeKind::ALL
                .iter()
                .map(|&k| {
                    Choice::new(
                        k.as_str(),
                        scope_type_label(k),
                        scope_type == Some(k.as_str()),
                    )
                })
                .collect(),
            scope_value: kept.and_then(|k| k.scope_value.clone()),
            frequencies: frequencies(add_frequency),
        },
    })
}

/// The manage page again, with what was refused.
async fn refused(
    chrome: &Chrome,
    state: &AppState,
    token: String,
    errors: FieldErrors,
    kept: Option<&ManageForm>,
) -> Result<HttpResponse, AppError> {
    let view = manage_view(state, token, errors, kept, None).await?;
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "subscriptions/manage",
        &view,
        chrome,
    )
}

/// `GET /subscriptions/manage/{token}`: every subscription of the address.
pub async fn manage_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ManageQuery>,
) -> Result<HttpResponse, AppError> {
    let view = manage_view(
        &state,
        path.into_inner(),
        FieldErrors::default(),
        None,
        query.done.as_deref(),
    )
    .await?;
    page(StatusCode::OK, "subscriptions/manage", &view, &chrome)
}

fn back_to_manage(token: &str, done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/subscriptions/manage/{token}?done={done}"),
        ))
        .finish()
}

fn subscription_id(form: &ManageForm) -> Result<SubscriptionId, AppError> {
    form.subscription
        .as_deref()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| AppError::BadRequest("The form names no subscription.".into()))
}

fn no_such_subscription() -> AppError {
    AppError::not_found("You have no such subscription.")
}

/// The subscriber of a manage token, or a 404.
async fn subscriber(state: &AppState, token: &str) -> Result<SubscriberId, AppError> {
    let token = token.to_owned();
    state
        .db(move |conn| subs::by_manage_token(conn, &token))
        .await?
        .map(|(id, _)| id)
        .ok_or_else(invalid_link)
}

/// `POST /subscriptions/manage/{token}/frequency`.
pub async fn manage_frequency(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    let id = subscription_id(&form)?;
    let frequency = match parse_frequency(form.frequency.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            let errors = FieldErrors {
                frequency: Some(e),
                ..FieldErrors::default()
            };
            return refused(&chrome, &state, token, errors, None).await;
        }
    };
    let now = state.now();
    let found = state
        .db(move |conn| subs::set_frequency(conn, subscriber_id, id, frequency, now))
        .await?;
    if !found {
        return Err(no_such_subscription());
    }
    Ok(back_to_manage(&token, "frequency"))
}

/// `POST /subscriptions/manage/{token}/remove`.
pub async fn manage_remove(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    let id = subscription_id(&form)?;
    let found = state
        .db(move |conn| subs::remove(conn, subscriber_id, id))
        .await?;
    if !found {
        return Err(no_such_subscription());
    }
    Ok(back_to_manage(&token, "removed"))
}

/// `POST /subscriptions/manage/{token}/remove-all`: forgets the address.
pub async fn manage_remove_all(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    state
        .db(move |conn| subs::remove_all(conn, subscriber_id))
        .await?;
    page(
        StatusCode::OK,
        "subscriptions/unsubscribed",
        &SubscriptionPage::all_removed(),
        &chrome,
    )
}

/// `POST /subscriptions/manage/{token}/add`: follows something else, with
/// no confirmation (the manage link proves the address).
pub async fn manage_add(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let form = form.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    let mut errors = FieldErrors::default();
    let frequency = noted(
        parse_frequency(form.frequency.as_deref()),
        &mut errors.frequency,
    );
    let input = noted(
        parse_scope(
            form.scope_type.as_deref().unwrap_or(""),
            form.scope_value.as_deref().unwrap_or(""),
        ),
        &mut errors.scope,
    );
    let now = state.now();
    let (added, errors) = state
        .db(move |conn| {
            let scope = match input {
                Some(i) => noted(resolve(conn, i)?, &mut errors.scope),
                None => None,
            };
            let added = match (scope, frequency) {
                (Some(scope), Some(frequency)) if errors.is_empty() => {
                    subs::add_confirmed(conn, subscriber_id, &scope, frequency, now)?;
                    true
                }
                _ => false,
            };
            Ok((added, errors))
        })
        .await?;
    if added {
        return Ok(back_to_manage(&token, "added"));
    }
    refused(&chrome, &state, token, errors, Some(&form)).await
}

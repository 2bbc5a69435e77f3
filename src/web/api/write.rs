//! The API's writing operations: create an item, edit its fields (with the
//! version it is based on), record, correct and retract a status event, add
//! and remove a link. Each converts its body through the editors' forms and
//! saves through the same store functions as they do, so every write has
//! its revision, change record and alerts. Each answers with the item as it
//! now is.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::auth::ApiEditor;
use super::input::{
    renamed, EventInputJson, ItemEditJson, LinkInputJson, NewItemJson, RetractJson,
};
use super::problem::{ApiError, BodyProblems, Problem, TokenProblems};
use super::read::{not_found, slug_of};
use super::views::ItemJson;
use crate::domain::{EventId, LinkId};
use crate::store::events::{self, NewEvent};
use crate::store::items::{self, ItemError, ItemRow, UpdateOutcome};
use crate::store::links::{self, LinkError};
use crate::web::forms::FieldErrors;
use crate::web::AppState;

async fn load_item(state: &AppState, slug: &str) -> Result<ItemRow, ApiError> {
    let checked = slug_of(slug)?;
    state
        .db(move |conn| items::find_by_slug(conn, checked.as_str()))
        .await?
        .ok_or_else(|| not_found(slug))
}

/// The item at `slug`, which has event `id`; or a 404.
async fn load_event_item(state: &AppState, slug: &str, id: EventId) -> Result<ItemRow, ApiError> {
    let item = load_item(state, slug).await?;
    let item_id = item.id;
    state
        .db(move |conn| events::find(conn, item_id, id))
        .await?
        .ok_or_else(|| no_event(id))?;
    Ok(item)
}

fn no_event(id: EventId) -> ApiError {
    ApiError::NotFound(format!("This item has no status event {id}."))
}

/// The event a body describes, in the words of the item's kind.
fn event_of(body: &EventInputJson, item: &ItemRow) -> Result<NewEvent, ApiError> {
    body.form()
        .validate(item.kind())
        .map_err(|e| invalid(renamed(e)))
}

/// The item as it now is, answered with `status`.
async fn answer(state: &AppState, slug: String, created: bool) -> Result<HttpResponse, ApiError> {
    let item = super::read::item_json(state, slug.clone())
        .await?
        .ok_or_else(|| not_found(&slug))?;
    let mut response = if created {
        let mut r = HttpResponse::Created();
        r.insert_header((header::LOCATION, format!("/api/v1/items/{slug}")));
        r
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(item))
}

fn invalid(errors: FieldErrors) -> ApiError {
    ApiError::Invalid(errors)
}

fn refused_item(e: ItemError) -> ApiError {
    match e {
        ItemError::SlugTaken(_) => invalid(FieldErrors::from([("slug", e.to_string())])),
        ItemError::Db(e) => e.into(),
    }
}

/// Creates an item (its first revision and change, as the new-item form).
#[utoipa::path(
    post,
    path = "/api/v1/items",
    tag = "write",
    request_body = NewItemJson,
    security(("token" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = ItemJson),
        (status = 422, description = "Fields are invalid; `errors` lists each", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
        BodyProblems,
    )
)]
pub async fn create_item(
    user: ApiEditor,
    state: web::Data<AppState>,
    body: web::Json<NewItemJson>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.validate().map_err(invalid)?;
    let (slug, user_id) = (fields.slug.to_string(), user.0.id);
    let now = state.now();
    state
        .attempt(move |conn| items::create(conn, &fields, Some(user_id), now))
        .await?
        .map_err(refused_item)?;
    answer(&state, slug, true).await
}

/// Edits an item's fields: only those given change. Refused with 409 (and
/// the current version) when someone saved since `version`.
#[utoipa::path(
    patch,
    path = "/api/v1/items/{slug}",
    tag = "write",
    params(("slug" = String, Path, description = "The item's slug")),
    request_body = ItemEditJson,
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved (or nothing differed)", body = ItemJson),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale version; `current_version` says the current one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid; `errors` lists each", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
        BodyProblems,
    )
)]
pub async fn edit_item(
    user: ApiEditor,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<ItemEditJson>,
) -> Result<HttpResponse, ApiError> {
    let item = load_item(&state, &path).await?;
    let Some(expected) = body.version else {
        return Err(invalid(FieldErrors::from([(
            "version",
            "The version this edit is based on is required (read the item first).".to_owned(),
        )])));
    };
    let item_id = item.id;
    let stored = state
        .db(move |conn| items::load_fields(conn, item_id))
        .await?;
    let fields = body.apply(&stored).map_err(invalid)?;
    let (slug, user_id) = (fields.slug.to_string(), user.0.id);
    let now = state.now();
    let outcome = state
        .attempt(move |conn| items::update(conn, item_id, expected, &fields, Some(user_id), now))
        .await?
        .map_err(refused_item)?;
    match outcome {
        UpdateOutcome::Saved { .. } => answer(&state, slug, false).await,
        UpdateOutcome::Unchanged => answer(&state, item.slug, false).await,
        UpdateOutcome::Conflict { current_version } => Err(ApiError::Conflict {
            expected,
            current_version,
        }),
    }
}

/// Records a status event on an item.
#[utoipa::path(
    post,
    path = "/api/v1/items/{slug}/events",
    tag = "write",
    params(("slug" = String, Path, description = "The item's slug")),
    request_body = EventInputJson,
    security(("token" = [])),
    responses(
        (status = 201, description = "Recorded", body = ItemJson),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid; `errors` lists each", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
        BodyProblems,
    )
)]
pub async fn record_event(
    user: ApiEditor,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<EventInputJson>,
) -> Result<HttpResponse, ApiError> {
    let item = load_item(&state, &path).await?;
    let event = event_of(&body, &item)?;
    let (item_id, user_id, now) = (item.id, user.0.id, state.now());
    state
        .db(move |conn| events::record(conn, item_id, &event, Some(user_id), now))
        .await?;
    answer(&state, item.slug, true).await
}

/// Corrects a status event in place; the old values stay in the history.
#[utoipa::path(
    put,
    path = "/api/v1/items/{slug}/events/{id}",
    tag = "write",
    params(
        ("slug" = String, Path, description = "The item's slug"),
        ("id" = i32, Path, description = "The event's id"),
    ),
    request_body = EventInputJson,
    security(("token" = [])),
    responses(
        (status = 200, description = "Corrected (or nothing differed)", body = ItemJson),
        (status = 404, description = "No such item or event", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid; `errors` lists each", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
        BodyProblems,
    )
)]
pub async fn correct_event(
    user: ApiEditor,
    state: web::Data<AppState>,
    path: web::Path<(String, EventId)>,
    body: web::Json<EventInputJson>,
) -> Result<HttpResponse, ApiError> {
    let (slug, event_id) = path.into_inner();
    let item = load_event_item(&state, &slug, event_id).await?;
    let event = event_of(&body, &item)?;
    let minor = body.minor;
    let (item_id, user_id, now) = (item.id, user.0.id, state.now());
    state
        .db(move |conn| events::correct(conn, item_id, event_id, &event, Some(user_id), now, minor))
        .await?
        .ok_or_else(|| no_event(event_id))?;
    answer(&state, item.slug, false).await
}

/// Retracts a status event: it stays in the history, marked, and no
/// longer counts toward the item's status. Retracting it again changes
/// nothing.
#[utoipa::path(
    post,
    path = "/api/v1/items/{slug}/events/{id}/retract",
    tag = "write",
    params(
        ("slug" = String, Path, description = "The item's slug"),
        ("id" = i32, Path, description = "The event's id"),
    ),
    request_body = RetractJson,
    security(("token" = [])),
    responses(
        (status = 200, description = "Retracted", body = ItemJson),
        (status = 404, description = "No such item or event", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is missing or invalid", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
        BodyProblems,
    )
)]
pub async fn retract_event(
    user: ApiEditor,
    state: web::Data<AppState>,
    path: web::Path<(String, EventId)>,
    body: web::Json<RetractJson>,
) -> Result<HttpResponse, ApiError> {
    let (slug, event_id) = path.into_inner();
    let item = load_event_item(&state, &slug, event_id).await?;
    let reason = body.form().validate().map_err(invalid)?;
    let (item_id, user_id, now) = (item.id, user.0.id, state.now());
    state
        .db(move |conn| events::retract(conn, item_id, event_id, &reason, Some(user_id), now))
        .await?;
    answer(&state, item.slug, false).await
}

/// Links this item to another.
#[utoipa::path(
    post,
    path = "/api/v1/items/{slug}/links",
    tag = "write",
    params(("slug" = String, Path, description = "The item's slug")),
    request_body = LinkInputJson,
    security(("token" = [])),
    responses(
        (status = 201, description = "Linked", body = ItemJson),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid, unknown target, itself, or already linked", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
        BodyProblems,
    )
)]
pub async fn add_link(
    user: ApiEditor,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<LinkInputJson>,
) -> Result<HttpResponse, ApiError> {
    let item = load_item(&state, &path).await?;
    let (target, relation) = body.form().validate().map_err(|e| invalid(renamed(e)))?;
    let (item_id, user_id, now) = (item.id, user.0.id, state.now());
    let added = state
        .attempt(move |conn| links::add(conn, item_id, &target, &relation, Some(user_id), now))
        .await?;
    match added {
        Ok(()) => answer(&state, item.slug, true).await,
        Err(LinkError::Db(e)) => Err(e.into()),
        Err(refused) => {
            let field = match refused {
                LinkError::Duplicate { .. } => "relation",
                _ => "to",
            };
            Err(invalid(FieldErrors::from([(field, refused.to_string())])))
        }
    }
}

/// Removes a link that starts or ends at this item.
#[utoipa::path(
    delete,
    path = "/api/v1/items/{slug}/links/{id}",
    tag = "write",
    params(
        ("slug" = String, Path, description = "The item's slug"),
        ("id" = i32, Path, description = "The link's id"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "Removed", body = ItemJson),
        (status = 404, description = "No such item, or it has no such link", body = Problem, content_type = "application/problem+json"),
        TokenProblems,
    )
)]
pub async fn remove_link(
    user: ApiEditor,
    state: web::Data<AppState>,
    path: web::Path<(String, LinkId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, link_id) = path.into_inner();
    let item = load_item(&state, &slug).await?;
    let (item_id, user_id, now) = (item.id, user.0.id, state.now());
    let removed = state
        .db(move |conn| links::remove(conn, item_id, link_id, Some(user_id), now))
        .await?;
    if !removed {
        return Err(ApiError::NotFound(format!(
            "This item has no link {link_id}."
        )));
    }
    answer(&state, item.slug, false).await
}

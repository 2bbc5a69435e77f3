//! Editors' forms: add and edit items, record, correct and retract status
//! events, link items; and the revision history readers can see.
//!
//! Every form posts back to its own address (so a sign-in returns there),
//! carries the session's CSRF token, re-renders with a message beside each
//! wrong field and the input kept (422, nothing stored), and on success
//! redirects to the item with a one-time confirmation (Post/Redirect/Get).

use actix_session::Session;
use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::auth::{
    check_csrf, csrf_token, see_other, set_flash, with_chrome, CsrfOnly, Editor, MaybeUser,
};
use super::error::AppError;
use super::forms::{EventForm, FieldErrors, ItemForm, LinkForm, RetractForm, SUGGESTED_RELATIONS};
use super::AppState;
use crate::db::DbError;
use crate::domain::{field_label, Confidence, DatePrecision, Kind, Slug, Status};
use crate::store::events::{self, EventRow};
use crate::store::items::{self, ItemRow, UpdateOutcome};
use crate::store::revisions::{self, FieldChange, RevisionAction};
use crate::store::{links, users};
use crate::templates;

fn render(status: StatusCode, template: &str, context: &Value) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(templates::render(template, context)?))
}

fn is_unique_violation(e: &DbError) -> bool {
    matches!(
        e,
        DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// The item at a slug, or a 404.
async fn load_item(state: &AppState, slug: &str) -> Result<ItemRow, AppError> {
    let not_found = || AppError::not_found(format!("No item has the address /items/{slug}."));
    let slug = Slug::try_from(slug).map_err(|_| not_found())?;
    state
        .db(move |conn| items::find_by_slug(conn, slug.as_str()))
        .await?
        .ok_or_else(not_found)
}

fn item_json(item: &ItemRow) -> Value {
    json!({
        "slug": item.slug,
        "title": item.title,
        "short_title": item.short_title,
        "kind_label": item.kind().label(),
    })
}

// ----- items -----

fn item_form_page(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    form: &ItemForm,
    errors: &FieldErrors,
    item: Option<&ItemRow>,
) -> Result<HttpResponse, AppError> {
    item_form_with_conflict(status, session, user, form, errors, item, None)
}

/// The item form; `their_changes` (on a 409) lists what other editors saved.
fn item_form_with_conflict(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    form: &ItemForm,
    errors: &FieldErrors,
    item: Option<&ItemRow>,
    their_changes: Option<Vec<Value>>,
) -> Result<HttpResponse, AppError> {
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": k.label(), "selected": form.kind == k.as_str()}))
        .collect();
    let context = json!({
        "title": match (&their_changes, item) {
            (Some(_), _) => "Edit conflict",
            (None, Some(_)) => "Edit item",
            (None, None) => "New item",
        },
        "editing": item.is_some(),
        "conflict": their_changes.is_some(),
        "their_changes": their_changes,
        "item": item.map(item_json),
        "action": match item { Some(i) => format!("/items/{}/edit", i.slug), None => "/items/new".to_owned() },
        "form": form,
        "errors": errors,
        "has_errors": !errors.is_empty(),
        "kinds": kinds,
        "csrf_token": csrf_token(session),
    });
    render(
        status,
        "item_form",
        &with_chrome(context, &Some(user.0.clone()), session),
    )
}

pub async fn new_item_form(user: Editor, session: Session) -> Result<HttpResponse, AppError> {
    item_form_page(
        StatusCode::OK,
        &session,
        &user,
        &ItemForm::default(),
        &FieldErrors::new(),
        None,
    )
}

pub async fn create_item(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let fields = match form.validate() {
        Ok(f) => f,
        Err(errors) => {
            return item_form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &form,
                &errors,
                None,
            )
        }
    };
    let slug = fields.slug.to_string();
    let user_id = user.0.id;
    let now = state.now();
    let created = state
        .db(move |conn| {
            if items::find_by_slug(conn, fields.slug.as_str())?.is_some() {
                return Ok(false);
            }
            match items::create(conn, &fields, Some(user_id), now) {
                Ok(_) => Ok(true),
                Err(e) if is_unique_violation(&e) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .await?;
    if !created {
        let mut errors = FieldErrors::new();
        errors.insert(
            "slug",
            format!("Another item already uses the slug \"{slug}\"; choose another."),
        );
        return item_form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &session,
            &user,
            &form,
            &errors,
            None,
        );
    }
    set_flash(
        &session,
        "Item created. Record its first status event below.",
    );
    Ok(see_other(&format!("/items/{slug}")))
}

pub async fn edit_item_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let id = item.id;
    let fields = state.db(move |conn| items::load_fields(conn, id)).await?;
    let form = ItemForm::from_fields(&fields, item.version);
    item_form_page(
        StatusCode::OK,
        &session,
        &user,
        &form,
        &FieldErrors::new(),
        Some(&item),
    )
}

pub async fn update_item(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &path).await?;
    let Some(expected) = form.version() else {
        return Err(AppError::BadRequest(
            "The form did not say which version of the item it edits. Reload the edit page."
                .to_owned(),
        ));
    };
    let fields = match form.validate() {
        Ok(f) => f,
        Err(errors) => {
            return item_form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &form,
                &errors,
                Some(&item),
            )
        }
    };
    let (item_id, user_id) = (item.id, user.0.id);
    let new_slug = fields.slug.to_string();
    let now = state.now();
    let outcome = state
        .db(move |conn| {
            if let Some(other) = items::find_by_slug(conn, fields.slug.as_str())? {
                if other.id != item_id {
                    return Ok(None);
                }
            }
            match items::update(conn, item_id, expected, &fields, Some(user_id), now) {
                Ok(o) => Ok(Some(o)),
                Err(e) if is_unique_violation(&e) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    match outcome {
        None => {
            let mut errors = FieldErrors::new();
            errors.insert(
                "slug",
                format!("Another item already uses the slug \"{new_slug}\"; choose another."),
            );
            item_form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &form,
                &errors,
                Some(&item),
            )
        }
        Some(UpdateOutcome::Saved { changes, .. }) => {
            let n = changes.len();
            set_flash(
                &session,
                &format!("Saved: {n} field{} changed.", if n == 1 { "" } else { "s" }),
            );
            Ok(see_other(&format!("/items/{new_slug}")))
        }
        Some(UpdateOutcome::Unchanged) => {
            set_flash(&session, "Nothing to save: no field was changed.");
            Ok(see_other(&format!("/items/{}", item.slug)))
        }
        Some(UpdateOutcome::Conflict { current_version }) => {
            conflict_page(
                &state,
                &session,
                &user,
                &item,
                form,
                expected,
                current_version,
            )
            .await
        }
    }
}

/// 409: someone saved since this form was loaded. Shows what they changed
/// and keeps this editor's input, with the form now based on the newest
/// version (saving it again is a deliberate choice to overwrite).
async fn conflict_page(
    state: &AppState,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    mut form: ItemForm,
    expected: i32,
    current_version: i32,
) -> Result<HttpResponse, AppError> {
    let item_id = item.id;
    let (theirs, authors) = state
        .db(move |conn| {
            let revs: Vec<_> = revisions::for_item(conn, item_id)?
                .into_iter()
                .filter(|r| r.action == RevisionAction::Edit && r.item_version > expected)
                .collect();
            let mut authors = Vec::new();
            for r in &revs {
                let who = match r.user_id {
                    Some(id) => users::find_by_id(conn, id)?.map(|u| u.email),
                    None => None,
                };
                authors.push(who.unwrap_or_else(|| "regwatch".to_owned()));
            }
            Ok((revs, authors))
        })
        .await?;
    let their_changes: Vec<Value> = theirs
        .iter()
        .zip(&authors)
        .map(|(r, who)| {
            json!({
                "who": who,
                "when": r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                "version": r.item_version,
                "changes": changes_json(r.changes()),
            })
        })
        .collect();
    form.version = current_version.to_string();
    item_form_with_conflict(
        StatusCode::CONFLICT,
        session,
        user,
        &form,
        &FieldErrors::new(),
        Some(item),
        Some(their_changes),
    )
}

fn changes_json(changes: &[FieldChange]) -> Vec<Value> {
    changes
        .iter()
        .map(|c| {
            json!({
                "field": field_label(&c.field),
                "old": c.old,
                "new": c.new,
            })
        })
        .collect()
}

// ----- events -----

fn event_form_page(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &EventForm,
    errors: &FieldErrors,
    event_id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let kind = item.kind();
    let option = |d: &crate::domain::StatusDef| json!({"value": d.name, "label": d.label, "selected": form.status == d.name});
    let precision = if form.precision.is_empty() {
        "day"
    } else {
        form.precision.as_str()
    };
    let context = json!({
        "title": if event_id.is_some() { "Correct a status event" } else { "Record a status event" },
        "correcting": event_id.is_some(),
        "item": item_json(item),
        "action": match event_id {
            Some(id) => format!("/items/{}/events/{id}/edit", item.slug),
            None => format!("/items/{}/events/new", item.slug),
        },
        "form": form,
        "errors": errors,
        "has_errors": !errors.is_empty(),
        "statuses": kind.statuses().iter().map(option).collect::<Vec<_>>(),
        "developments": kind.developments().iter().map(option).collect::<Vec<_>>(),
        "precisions": DatePrecision::ALL.iter().map(|p| json!({
            "value": p.as_str(),
            "label": match p { DatePrecision::Day => "Day (YYYY-MM-DD)", DatePrecision::Month => "Month only (YYYY-MM)", DatePrecision::Year => "Year only (YYYY)" },
            "selected": precision == p.as_str(),
        })).collect::<Vec<_>>(),
        "confidences": Confidence::ALL.iter().map(|c| json!({
            "value": c.as_str(), "label": format!("{}: {}", c.as_str(), c.description()), "selected": form.confidence == c.as_str(),
        })).collect::<Vec<_>>(),
        "csrf_token": csrf_token(session),
    });
    render(
        status,
        "event_form",
        &with_chrome(context, &Some(user.0.clone()), session),
    )
}

pub async fn new_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let form = EventForm {
        precision: "day".to_owned(),
        ..EventForm::default()
    };
    event_form_page(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &form,
        &FieldErrors::new(),
        None,
    )
}

pub async fn create_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &path).await?;
    let event = match form.validate(item.kind()) {
        Ok(e) => e,
        Err(errors) => {
            return event_form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &item,
                &form,
                &errors,
                None,
            )
        }
    };
    let (item_id, user_id) = (item.id, user.0.id);
    let what = format!("{} on {}", event.status.label(), event.date.human());
    let now = state.now();
    state
        .db(move |conn| events::record(conn, item_id, &event, Some(user_id), now))
        .await?;
    set_flash(&session, &format!("Status event recorded: {what}."));
    Ok(see_other(&format!("/items/{}", item.slug)))
}

async fn load_event(state: &AppState, item: &ItemRow, event_id: i32) -> Result<EventRow, AppError> {
    let item_id = item.id;
    state
        .db(move |conn| events::find(conn, item_id, event_id))
        .await?
        .ok_or_else(|| AppError::not_found("This item has no such status event."))
}

pub async fn edit_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let item = load_item(&state, &slug).await?;
    let event = load_event(&state, &item, event_id).await?;
    event_form_page(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &EventForm::from_event(&event),
        &FieldErrors::new(),
        Some(event_id),
    )
}

pub async fn correct_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &slug).await?;
    load_event(&state, &item, event_id).await?;
    let event = match form.validate(item.kind()) {
        Ok(e) => e,
        Err(errors) => {
            return event_form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &item,
                &form,
                &errors,
                Some(event_id),
            )
        }
    };
    let (item_id, user_id) = (item.id, user.0.id);
    let now = state.now();
    let changes = state
        .db(move |conn| events::correct(conn, item_id, event_id, &event, Some(user_id), now))
        .await?
        .ok_or_else(|| AppError::not_found("This item has no such status event."))?;
    set_flash(
        &session,
        if changes.is_empty() {
            "Nothing to save: the event was not changed."
        } else {
            "Status event corrected."
        },
    );
    Ok(see_other(&format!("/items/{}#event-{event_id}", item.slug)))
}

fn retract_page(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    event: &EventRow,
    form: &RetractForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let context = json!({
        "title": "Retract a status event",
        "item": item_json(item),
        "event": {
            "date_human": event.date().human(),
            "status_label": Status::label_of(item.kind(), &event.status),
            "note": event.note,
            "source_url": event.source_url,
            "retracted": event.retracted,
        },
        "action": format!("/items/{}/events/{}/retract", item.slug, event.id),
        "form": form,
        "errors": errors,
        "csrf_token": csrf_token(session),
    });
    render(
        status,
        "retract_form",
        &with_chrome(context, &Some(user.0.clone()), session),
    )
}

pub async fn retract_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let item = load_item(&state, &slug).await?;
    let event = load_event(&state, &item, event_id).await?;
    retract_page(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &event,
        &RetractForm::default(),
        &FieldErrors::new(),
    )
}

pub async fn retract_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    form: web::Form<RetractForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &slug).await?;
    let event = load_event(&state, &item, event_id).await?;
    let reason = match form.validate() {
        Ok(r) => r,
        Err(errors) => {
            return retract_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &item,
                &event,
                &form,
                &errors,
            )
        }
    };
    let (item_id, user_id) = (item.id, user.0.id);
    let now = state.now();
    let retracted = state
        .db(move |conn| events::retract(conn, item_id, event_id, &reason, Some(user_id), now))
        .await?;
    set_flash(
        &session,
        if retracted {
            "Status event retracted. It stays in the history, marked as retracted."
        } else {
            "That event was already retracted."
        },
    );
    Ok(see_other(&format!("/items/{}#event-{event_id}", item.slug)))
}

// ----- links -----

fn link_page(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &LinkForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let context = json!({
        "title": "Link to another item",
        "item": item_json(item),
        "action": format!("/items/{}/links/new", item.slug),
        "form": form,
        "errors": errors,
        "relations": SUGGESTED_RELATIONS,
        "csrf_token": csrf_token(session),
    });
    render(
        status,
        "link_form",
        &with_chrome(context, &Some(user.0.clone()), session),
    )
}

pub async fn new_link_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    link_page(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &LinkForm::default(),
        &FieldErrors::new(),
    )
}

pub async fn create_link(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &path).await?;
    let (target, relation) = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            return link_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &item,
                &form,
                &errors,
            )
        }
    };
    let (item_id, user_id) = (item.id, user.0.id);
    let target_slug = target.to_string();
    let now = state.now();
    let result = state
        .db(move |conn| {
            let Some(other) = items::find_by_slug(conn, target.as_str())? else {
                return Ok(Err((
                    "target",
                    format!("No item has the slug \"{target}\"."),
                )));
            };
            if other.id == item_id {
                return Ok(Err((
                    "target",
                    "An item cannot be linked to itself.".to_owned(),
                )));
            }
            if links::exists(conn, item_id, other.id, &relation)? {
                return Ok(Err((
                    "relation",
                    format!("This item already {relation} {}.", other.title),
                )));
            }
            if !links::insert(conn, item_id, other.id, &relation, Some(user_id), now)? {
                return Ok(Err((
                    "relation",
                    format!("This item already {relation} {}.", other.title),
                )));
            }
            Ok(Ok(()))
        })
        .await?;
    match result {
        Ok(()) => {
            set_flash(&session, &format!("Linked to {target_slug}."));
            Ok(see_other(&format!("/items/{}#related", item.slug)))
        }
        Err((field, message)) => {
            let mut errors = FieldErrors::new();
            errors.insert(field, message);
            link_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session,
                &user,
                &item,
                &form,
                &errors,
            )
        }
    }
}

pub async fn remove_link(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let (slug, link_id) = path.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &slug).await?;
    let (item_id, user_id) = (item.id, user.0.id);
    let now = state.now();
    let removed = state
        .db(move |conn| links::remove(conn, item_id, link_id, Some(user_id), now))
        .await?;
    if !removed {
        return Err(AppError::not_found("This item has no such link."));
    }
    set_flash(&session, "Link removed.");
    Ok(see_other(&format!("/items/{}#related", item.slug)))
}

// ----- history -----

/// `/items/{slug}/history`: every revision, newest first, as a diff.
pub async fn history(
    user: MaybeUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let item_id = item.id;
    let rows = state
        .db(move |conn| {
            let revs = revisions::for_item(conn, item_id)?;
            let mut out = Vec::with_capacity(revs.len());
            for r in revs {
                let who = match r.user_id {
                    Some(id) => users::find_by_id(conn, id)?.map(|u| u.email),
                    None => None,
                };
                out.push((r, who));
            }
            Ok(out)
        })
        .await?;
    let revisions: Vec<Value> = rows
        .iter()
        .map(|(r, who)| {
            json!({
                "when": r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                "when_iso": r.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "who": who.clone().unwrap_or_else(|| "regwatch (starter data)".to_owned()),
                "action": match r.action.as_str() {
                    "create" => "Created the item",
                    "edit" => "Edited fields",
                    "event" => "Recorded a status event",
                    "event-correction" => "Corrected a status event",
                    "event-retraction" => "Retracted a status event",
                    "link" => "Added a link",
                    "unlink" => "Removed a link",
                    other => other,
                },
                "version": r.item_version,
                "changes": changes_json(r.changes()),
            })
        })
        .collect();
    let context = json!({
        "title": format!("History of {}", item.short_title.as_deref().unwrap_or(&item.title)),
        "item": item_json(&item),
        "revisions": revisions,
    });
    render(
        StatusCode::OK,
        "history",
        &with_chrome(context, &user.0, &session),
    )
}

//! Adding and editing items, and the 409 page when someone else saved the
//! item since the edit form was loaded.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, see_other, set_flash, Editor};
use super::error::AppError;
use super::form_page::{load_item, submit, ItemHeading};
use super::forms::{FieldErrors, ItemForm};
use super::history::ChangeView;
use super::view::{Choice, Layout, Page};
use super::AppState;
use crate::db::DbError;
use crate::domain::Kind;
use crate::store::items::{self, ItemRow, UpdateOutcome};
use crate::store::{revisions, users};

fn is_unique_violation(e: &DbError) -> bool {
    matches!(
        e,
        DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

fn slug_taken(slug: &str) -> FieldErrors {
    FieldErrors::from([(
        "slug",
        format!("Another item already uses the slug \"{slug}\"; choose another."),
    )])
}

/// A version someone else saved since the edit form was loaded.
#[derive(Debug, Serialize)]
struct TheirChange {
    who: String,
    when: String,
    version: i32,
    changes: Vec<ChangeView>,
}

/// The new-item and edit-item form, and the 409 page.
#[derive(Debug, Serialize)]
struct ItemFormView<'a> {
    editing: bool,
    conflict: bool,
    their_changes: Option<Vec<TheirChange>>,
    item: Option<ItemHeading>,
    action: String,
    form: &'a ItemForm,
    errors: &'a FieldErrors,
    has_errors: bool,
    kinds: Vec<Choice>,
    csrf_token: String,
}

/// The item form; `their_changes` (on a 409) lists what other editors saved.
fn item_form(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    form: &ItemForm,
    errors: &FieldErrors,
    item: Option<&ItemRow>,
    their_changes: Option<Vec<TheirChange>>,
) -> Result<HttpResponse, AppError> {
    let title = match (&their_changes, item) {
        (Some(_), _) => "Edit conflict",
        (None, Some(_)) => "Edit item",
        (None, None) => "New item",
    };
    let view = ItemFormView {
        editing: item.is_some(),
        conflict: their_changes.is_some(),
        their_changes,
        item: item.map(ItemHeading::of),
        action: match item {
            Some(i) => format!("/items/{}/edit", i.slug),
            None => "/items/new".to_owned(),
        },
        form,
        errors,
        has_errors: !errors.is_empty(),
        kinds: Kind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label(), form.kind == k.as_str()))
            .collect(),
        csrf_token: csrf_token(session),
    };
    Page::new(Layout::new(title, Some(&user.0), session), view).respond(status, "item_form")
}

/// `GET /items/new`.
pub async fn new_item_form(user: Editor, session: Session) -> Result<HttpResponse, AppError> {
    let form = ItemForm::default();
    item_form(
        StatusCode::OK,
        &session,
        &user,
        &form,
        &FieldErrors::new(),
        None,
        None,
    )
}

/// `POST /items/new`.
pub async fn create_item(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let page = |status, errors: &FieldErrors| {
        item_form(status, &session, &user, &form, errors, None, None)
    };
    submit(form.validate(), page, |fields| async {
        let slug = fields.slug.to_string();
        let user_id = user.0.id;
        let created = state
            .db(move |conn| {
                if items::find_by_slug(conn, fields.slug.as_str())?.is_some() {
                    return Ok(false);
                }
                match items::create(conn, &fields, Some(user_id)) {
                    Ok(_) => Ok(true),
                    Err(e) if is_unique_violation(&e) => Ok(false),
                    Err(e) => Err(e),
                }
            })
            .await?;
        if !created {
            return Ok(Err(slug_taken(&slug)));
        }
        set_flash(
            &session,
            "Item created. Record its first status event below.",
        );
        Ok(Ok(see_other(&format!("/items/{slug}"))))
    })
    .await
}

/// `GET /items/{slug}/edit`.
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
    let errors = FieldErrors::new();
    item_form(
        StatusCode::OK,
        &session,
        &user,
        &form,
        &errors,
        Some(&item),
        None,
    )
}

/// `POST /items/{slug}/edit`: saves if nobody saved since the form was
/// loaded; otherwise the 409 page.
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
    let page = |status, errors: &FieldErrors| {
        item_form(status, &session, &user, &form, errors, Some(&item), None)
    };
    submit(form.validate(), page, |fields| async {
        let (item_id, user_id) = (item.id, user.0.id);
        let new_slug = fields.slug.to_string();
        let outcome = state
            .db(move |conn| {
                if let Some(other) = items::find_by_slug(conn, fields.slug.as_str())? {
                    if other.id != item_id {
                        return Ok(None);
                    }
                }
                match items::update(conn, item_id, expected, &fields, Some(user_id)) {
                    Ok(o) => Ok(Some(o)),
                    Err(e) if is_unique_violation(&e) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(Ok(match outcome {
            None => return Ok(Err(slug_taken(&new_slug))),
            Some(UpdateOutcome::Saved { changes, .. }) => {
                let n = changes.len();
                set_flash(
                    &session,
                    &format!("Saved: {n} field{} changed.", if n == 1 { "" } else { "s" }),
                );
                see_other(&format!("/items/{new_slug}"))
            }
            Some(UpdateOutcome::Unchanged) => {
                set_flash(&session, "Nothing to save: no field was changed.");
                see_other(&format!("/items/{}", item.slug))
            }
            Some(UpdateOutcome::Conflict { current_version }) => {
                conflict_page(
                    &state,
                    &session,
                    &user,
                    &item,
                    &form,
                    expected,
                    current_version,
                )
                .await?
            }
        }))
    })
    .await
}

/// 409: someone saved since this form was loaded. Shows what they changed
/// and keeps this editor's input, with the form now based on the newest
/// version (saving it again is a deliberate choice to overwrite).
async fn conflict_page(
    state: &AppState,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &ItemForm,
    expected: i32,
    current_version: i32,
) -> Result<HttpResponse, AppError> {
    let item_id = item.id;
    let (theirs, authors) = state
        .db(move |conn| {
            let revs: Vec<_> = revisions::for_item(conn, item_id)?
                .into_iter()
                .filter(|r| r.action == "edit" && r.item_version > expected)
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
    let their_changes = theirs
        .iter()
        .zip(authors)
        .map(|(r, who)| TheirChange {
            who,
            when: r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            version: r.item_version,
            changes: ChangeView::list(&r.changes()),
        })
        .collect();
    let form = ItemForm {
        version: current_version.to_string(),
        ..form.clone()
    };
    item_form(
        StatusCode::CONFLICT,
        session,
        user,
        &form,
        &FieldErrors::new(),
        Some(item),
        Some(their_changes),
    )
}

//! Adding and editing items, and the 409 page when someone else saved the
//! item since the edit form was loaded.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, see_other, set_flash, Editor};
use super::error::AppError;
use super::form_page::{load_item, submit, Acted, ItemHeading};
use super::forms::{FieldErrors, ItemForm};
use super::history::ChangeView;
use super::view::{Choice, Layout, Page};
use super::AppState;
use crate::domain::Kind;
use crate::store::items::{self, ItemError, ItemRow, UpdateOutcome};
use crate::store::revisions::{self, Authored};

/// Answers a save the store refused: the slug field's message; a failure
/// of the database is an error.
fn refused(e: ItemError) -> Acted {
    match e {
        ItemError::SlugTaken(_) => Ok(Err(FieldErrors::from([("slug", e.to_string())]))),
        ItemError::Db(e) => Err(e.into()),
    }
}

/// A version someone else saved since the edit form was loaded.
#[derive(Debug, Serialize)]
struct TheirChange {
    who: String,
    when: super::view::Stamp,
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
    let title = match &view.item {
        Some(item) => item.page_title(title),
        None => title.to_owned(),
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
        let slug = fields.slug.clone();
        let user_id = user.0.id;
        let now = state.now();
        let created = state
            .attempt(move |conn| items::create(conn, &fields, Some(user_id), now))
            .await?;
        if let Err(e) = created {
            return refused(e);
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
        let new_slug = fields.slug.clone();
        let now = state.now();
        let outcome = state
            .attempt(move |conn| {
                items::update(conn, item_id, expected, &fields, Some(user_id), now)
            })
            .await?;
        let answer = match outcome {
            Err(e) => return refused(e),
            Ok(UpdateOutcome::Saved { changes, .. }) => {
                let n = changes.len();
                set_flash(
                    &session,
                    &format!("Saved: {n} field{} changed.", if n == 1 { "" } else { "s" }),
                );
                see_other(&format!("/items/{new_slug}"))
            }
            Ok(UpdateOutcome::Unchanged) => {
                set_flash(&session, "Nothing to save: no field was changed.");
                see_other(&format!("/items/{}", item.slug))
            }
            Ok(UpdateOutcome::Conflict { current_version }) => {
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
        };
        Ok(Ok(answer))
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
    let theirs = state
        .db(move |conn| revisions::edits_after(conn, item_id, expected))
        .await?;
    let their_changes = theirs
        .into_iter()
        .map(|Authored { revision, author }| TheirChange {
            who: author.unwrap_or_else(|| "regwatch".to_owned()),
            when: super::view::Stamp::of(revision.created_at),
            version: revision.item_version,
            changes: ChangeView::list(revision.changes()),
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

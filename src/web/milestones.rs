//! Milestones through the editors' forms: add one, correct one in place,
//! remove one (kept as cancelled for calendars, hidden elsewhere).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, see_other, set_flash, Editor};
use super::error::AppError;
use super::events::FormAt;
use super::form_page::{confidence_choices, load_item, precision_choices, submit, ItemHeading};
use super::forms::{FieldErrors, MilestoneForm, RetractForm};
use super::view::{Choice, Layout, Page};
use super::AppState;
use crate::domain::{MilestoneId, MilestoneKind};
use crate::store::items::ItemRow;
use crate::store::milestones::{self, MilestoneRow};

/// The add-milestone and correct-milestone form.
#[derive(Debug, Serialize)]
struct MilestoneFormView<'a> {
    correcting: bool,
    item: ItemHeading,
    action: String,
    form: &'a MilestoneForm,
    errors: &'a FieldErrors,
    has_errors: bool,
    kinds: Vec<Choice>,
    precisions: Vec<Choice>,
    confidences: Vec<Choice>,
    csrf_token: String,
    from_proposal: Option<String>,
}

fn milestone_form(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &MilestoneForm,
    errors: &FieldErrors,
    milestone_id: Option<MilestoneId>,
) -> Result<HttpResponse, AppError> {
    let action = match milestone_id {
        Some(id) => format!("/items/{}/milestones/{id}/edit", item.slug),
        None => format!("/items/{}/milestones/new", item.slug),
    };
    let at = FormAt {
        action,
        correcting: milestone_id.is_some(),
        from_proposal: None,
    };
    milestone_form_at(status, session, user, item, form, errors, at)
}

/// The milestone form posting to `at.action`.
pub fn milestone_form_at(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &MilestoneForm,
    errors: &FieldErrors,
    at: FormAt,
) -> Result<HttpResponse, AppError> {
    let correcting = at.correcting;
    let view = MilestoneFormView {
        correcting,
        item: ItemHeading::of(item),
        action: at.action,
        from_proposal: at.from_proposal,
        form,
        errors,
        has_errors: !errors.is_empty(),
        kinds: MilestoneKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label(), form.kind == k.as_str()))
            .collect(),
        precisions: precision_choices(&form.precision),
        confidences: confidence_choices(&form.confidence),
        csrf_token: csrf_token(session),
    };
    let title = if correcting {
        "Correct a milestone"
    } else {
        "Add a milestone"
    };
    let title = view.item.page_title(title);
    Page::new(Layout::new(title, Some(&user.0), session), view).respond(status, "milestone_form")
}

/// The item's standing milestone, or a 404.
async fn load_milestone(
    state: &AppState,
    item: &ItemRow,
    id: MilestoneId,
) -> Result<MilestoneRow, AppError> {
    let item_id = item.id;
    state
        .db(move |conn| milestones::find(conn, item_id, id))
        .await?
        .ok_or_else(|| AppError::not_found("This item has no such milestone."))
}

/// `GET /items/{slug}/milestones/new`.
pub async fn new_milestone_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let form = MilestoneForm {
        precision: "day".to_owned(),
        ..MilestoneForm::default()
    };
    let errors = FieldErrors::new();
    milestone_form(StatusCode::OK, &session, &user, &item, &form, &errors, None)
}

/// `POST /items/{slug}/milestones/new`.
pub async fn add_milestone(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &path).await?;
    let page = |status, errors: &FieldErrors| {
        milestone_form(status, &session, &user, &item, &form, errors, None)
    };
    submit(form.validate(), page, |milestone| async {
        let (item_id, user_id, now) = (item.id, user.0.id, state.now());
        let what = format!("{} on {}", milestone.kind.label(), milestone.date.human());
        let id = state
            .db(move |conn| milestones::add(conn, item_id, &milestone, Some(user_id), now))
            .await?;
        set_flash(&session, &format!("Milestone added: {what}."));
        Ok(Ok(see_other(&format!(
            "/items/{}#milestone-{id}",
            item.slug
        ))))
    })
    .await
}

/// `GET /items/{slug}/milestones/{id}/edit`.
pub async fn edit_milestone_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, MilestoneId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let item = load_item(&state, &slug).await?;
    let milestone = load_milestone(&state, &item, id).await?;
    let form = MilestoneForm::from_milestone(&milestone);
    let errors = FieldErrors::new();
    milestone_form(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &form,
        &errors,
        Some(id),
    )
}

/// `POST /items/{slug}/milestones/{id}/edit`: corrects the milestone in
/// place; the old values stay in the revision.
pub async fn correct_milestone(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, MilestoneId)>,
    form: web::Form<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &slug).await?;
    load_milestone(&state, &item, id).await?;
    let page = |status, errors: &FieldErrors| {
        milestone_form(status, &session, &user, &item, &form, errors, Some(id))
    };
    let minor = form.is_minor();
    submit(form.validate(), page, |milestone| async {
        let (item_id, user_id, now) = (item.id, user.0.id, state.now());
        let changes = state
            .db(move |conn| {
                milestones::correct(conn, item_id, id, &milestone, Some(user_id), now, minor)
            })
            .await?
            .ok_or_else(|| AppError::not_found("This item has no such milestone."))?;
        set_flash(
            &session,
            if changes.is_empty() {
                "Nothing to save: the milestone was not changed."
            } else {
                if minor {
                    "Milestone corrected (minor: no immediate alert)."
                } else {
                    "Milestone corrected."
                }
            },
        );
        Ok(Ok(see_other(&format!(
            "/items/{}#milestone-{id}",
            item.slug
        ))))
    })
    .await
}

/// The milestone being removed, as the remove form quotes it.
#[derive(Debug, Serialize)]
struct QuotedMilestone {
    date_iso: String,
    date_human: String,
    kind_label: &'static str,
    note: String,
    source_url: String,
}

#[derive(Debug, Serialize)]
struct RemoveFormView<'a> {
    item: ItemHeading,
    milestone: QuotedMilestone,
    action: String,
    form: &'a RetractForm,
    errors: &'a FieldErrors,
    csrf_token: String,
}

fn remove_form(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    milestone: &MilestoneRow,
    form: &RetractForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let view = RemoveFormView {
        item: ItemHeading::of(item),
        milestone: QuotedMilestone {
            date_iso: milestone.date().iso(),
            date_human: milestone.date().human(),
            kind_label: milestone.kind.label(),
            note: milestone.note.clone(),
            source_url: milestone.source_url.clone(),
        },
        action: format!("/items/{}/milestones/{}/remove", item.slug, milestone.id),
        form,
        errors,
        csrf_token: csrf_token(session),
    };
    Page::new(
        Layout::new(
            view.item.page_title("Remove a milestone"),
            Some(&user.0),
            session,
        ),
        view,
    )
    .respond(status, "milestone_remove")
}

/// `GET /items/{slug}/milestones/{id}/remove`.
pub async fn remove_milestone_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, MilestoneId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let item = load_item(&state, &slug).await?;
    let milestone = load_milestone(&state, &item, id).await?;
    let (form, errors) = (RetractForm::default(), FieldErrors::new());
    remove_form(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &milestone,
        &form,
        &errors,
    )
}

/// `POST /items/{slug}/milestones/{id}/remove`.
pub async fn remove_milestone(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, MilestoneId)>,
    form: web::Form<RetractForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &slug).await?;
    let milestone = load_milestone(&state, &item, id).await?;
    let page = |status, errors: &FieldErrors| {
        remove_form(status, &session, &user, &item, &milestone, &form, errors)
    };
    submit(form.validate(), page, |reason| async {
        let (item_id, user_id, now) = (item.id, user.0.id, state.now());
        let removed = state
            .db(move |conn| milestones::remove(conn, item_id, id, &reason, Some(user_id), now))
            .await?;
        set_flash(
            &session,
            if removed {
                "Milestone removed."
            } else {
                "That milestone was already removed."
            },
        );
        Ok(Ok(see_other(&format!("/items/{}", item.slug))))
    })
    .await
}

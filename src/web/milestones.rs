//! Milestones through the editors' forms: add one, correct one in place,
//! remove one (kept as cancelled for calendars, hidden elsewhere).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, see_other, set_flash, Editor};
use super::dated_form::{corrected, record_form_page, DatedForm};
use super::error::AppError;
use super::form_page::{item_form_page, load_item, submit, ItemHeading};
use super::forms::{FieldErrors, MilestoneForm, RetractForm};
use super::view::Choice;
use super::AppState;
use crate::domain::{MilestoneId, MilestoneKind};
use crate::store::items::ItemRow;
use crate::store::milestones::{self, MilestoneRow};

/// The menu of the add-milestone and correct-milestone form: what a
/// milestone marks.
#[derive(Debug, Serialize)]
pub struct MilestoneMenus {
    kinds: Vec<Choice>,
}

impl DatedForm for MilestoneForm {
    const RECORDS: &'static str = "milestones";
    const ADDING: &'static str = "Add a milestone";
    const CORRECTING: &'static str = "Correct a milestone";
    const TEMPLATE: &'static str = "milestone_form";
    type Menus = MilestoneMenus;

    fn menus(&self, _item: &ItemRow) -> MilestoneMenus {
        MilestoneMenus {
            kinds: MilestoneKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label(), self.kind == k.as_str()))
                .collect(),
        }
    }

    fn precision(&self) -> &str {
        &self.precision
    }

    fn confidence(&self) -> &str {
        &self.confidence
    }

    fn blank() -> Self {
        MilestoneForm {
            precision: "day".to_owned(),
            ..MilestoneForm::default()
        }
    }
}

/// The item at `slug` and its standing milestone, or a 404.
async fn load_milestone(
    state: &AppState,
    slug: &str,
    id: MilestoneId,
) -> Result<(ItemRow, MilestoneRow), AppError> {
    let item = load_item(state, slug).await?;
    let item_id = item.id;
    let milestone = state
        .db(move |conn| milestones::find(conn, item_id, id))
        .await?
        .ok_or_else(|| AppError::not_found("This item has no such milestone."))?;
    Ok((item, milestone))
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
        record_form_page(
            status,
            &session,
            &user,
            &item,
            &form,
            errors,
            None::<MilestoneId>,
        )
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
    let (item, milestone) = load_milestone(&state, &slug, id).await?;
    let form = MilestoneForm::from_milestone(&milestone);
    let (errors, id) = (FieldErrors::new(), Some(id));
    record_form_page(StatusCode::OK, &session, &user, &item, &form, &errors, id)
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
    let (item, _) = load_milestone(&state, &slug, id).await?;
    let page = |status, errors: &FieldErrors| {
        record_form_page(status, &session, &user, &item, &form, errors, Some(id))
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
        let done = corrected("Milestone", "the milestone", !changes.is_empty(), minor);
        set_flash(&session, &done);
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
    let title = view.item.page_title("Remove a milestone");
    item_form_page(status, session, user, title, view, "milestone_remove")
}

/// `GET /items/{slug}/milestones/{id}/remove`.
pub async fn remove_milestone_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, MilestoneId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (item, milestone) = load_milestone(&state, &slug, id).await?;
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
    let (item, milestone) = load_milestone(&state, &slug, id).await?;
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

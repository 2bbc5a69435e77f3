//! "Edit, then accept" in the review queue: the normal event or milestone
//! form, prefilled from a pending proposal; saving records what the editor
//! wrote through the normal write and marks the proposal accepted.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::auth::{check_csrf, see_other, set_flash, Editor};
use super::dated_form::{dated_form_page, DatedForm, FormAt};
use super::error::AppError;
use super::form_page::{load_item, submit, Acted};
use super::forms::{EventForm, FieldErrors, MilestoneForm};
use super::review::load;
use super::AppState;
use crate::domain::{EventDate, ProposalId, ProposalState};
use crate::store::items::ItemRow;
use crate::store::proposals::{self, ProposalRow, Proposed};

/// The form a proposal is edited in: the event form for a proposed event,
/// the milestone form for a proposed milestone.
trait ProposalForm: DatedForm {
    /// The last segment of the form's address (`/review/{id}/event`).
    const SEGMENT: &'static str;
    /// Whether it edits proposed milestones.
    const MILESTONE: bool;
    /// The form filled with what the proposal says.
    fn prefilled(row: &ProposalRow) -> Self;
    fn csrf_token(&self) -> &str;
    /// What the editor wrote, as the proposal's new content.
    fn proposed(&self, item: &ItemRow) -> Result<Proposed, FieldErrors>;
}

impl ProposalForm for EventForm {
    const SEGMENT: &'static str = "event";
    const MILESTONE: bool = false;

    fn prefilled(row: &ProposalRow) -> Self {
        EventForm {
            date: EventDate::from_parts(row.proposed_date, row.date_precision).iso(),
            precision: row.date_precision.as_str().to_owned(),
            status: row.status.clone().unwrap_or_default(),
            note: row.note.clone(),
            source_url: row.source_url.clone(),
            confidence: row.confidence.as_str().to_owned(),
            ..EventForm::default()
        }
    }

    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    fn proposed(&self, item: &ItemRow) -> Result<Proposed, FieldErrors> {
        self.validate(item.kind()).map(Proposed::Event)
    }
}

impl ProposalForm for MilestoneForm {
    const SEGMENT: &'static str = "milestone";
    const MILESTONE: bool = true;

    fn prefilled(row: &ProposalRow) -> Self {
        MilestoneForm {
            kind: row.milestone_kind.clone().unwrap_or_default(),
            date: EventDate::from_parts(row.proposed_date, row.date_precision).iso(),
            precision: row.date_precision.as_str().to_owned(),
            note: row.note.clone(),
            source_url: row.source_url.clone(),
            confidence: row.confidence.as_str().to_owned(),
            ..MilestoneForm::default()
        }
    }

    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    fn proposed(&self, _item: &ItemRow) -> Result<Proposed, FieldErrors> {
        self.validate().map(Proposed::Milestone)
    }
}

/// A pending proposal that `F` edits, with its item, or a 404.
async fn pending_of<F: ProposalForm>(
    state: &AppState,
    id: ProposalId,
) -> Result<(ProposalRow, ItemRow), AppError> {
    let (row, item) = load(state, id).await?;
    if row.state != ProposalState::Pending || row.milestone_kind.is_some() != F::MILESTONE {
        return Err(AppError::not_found(
            "This proposal is not waiting for review, or proposes something else.",
        ));
    }
    let item = load_item(state, &item.slug).await?;
    Ok((row, item))
}

/// Where the form of proposal `id` posts, and what it says of the proposal.
fn form_at<F: ProposalForm>(id: ProposalId, row: &ProposalRow) -> FormAt {
    let note = format!(
        "From {}: “{}”. Saving records it and marks the proposal accepted.",
        row.source.label(),
        row.raw_text
    );
    FormAt::proposal(id, F::SEGMENT, note)
}

/// `GET /review/{id}/event` and `/review/{id}/milestone`: the form,
/// prefilled.
async fn show<F: ProposalForm>(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    id: ProposalId,
) -> Result<HttpResponse, AppError> {
    let (row, item) = pending_of::<F>(&state, id).await?;
    let (form, errors) = (F::prefilled(&row), FieldErrors::new());
    let at = form_at::<F>(id, &row);
    dated_form_page(StatusCode::OK, &session, &user, &item, &form, &errors, at)
}

/// `POST /review/{id}/event` and `/review/{id}/milestone`: records what the
/// editor wrote, accepting the proposal.
async fn save<F: ProposalForm>(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    id: ProposalId,
    form: F,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, form.csrf_token())?;
    let (row, item) = pending_of::<F>(&state, id).await?;
    let page = |status, errors: &FieldErrors| {
        let at = form_at::<F>(id, &row);
        dated_form_page(status, &session, &user, &item, &form, errors, at)
    };
    submit(form.proposed(&item), page, |what| {
        decide_edited(&state, &session, id, &item, &user, what)
    })
    .await
}

/// `GET /review/{id}/event`: the event form, prefilled.
pub async fn edit_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
) -> Result<HttpResponse, AppError> {
    show::<EventForm>(user, session, state, path.into_inner()).await
}

/// `POST /review/{id}/event`: records the edited event, accepting the
/// proposal.
pub async fn edit_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, AppError> {
    save(user, session, state, path.into_inner(), form.into_inner()).await
}

/// `GET /review/{id}/milestone`: the milestone form, prefilled.
pub async fn edit_milestone_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
) -> Result<HttpResponse, AppError> {
    show::<MilestoneForm>(user, session, state, path.into_inner()).await
}

/// `POST /review/{id}/milestone`.
pub async fn edit_milestone(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    save(user, session, state, path.into_inner(), form.into_inner()).await
}

async fn decide_edited(
    state: &AppState,
    session: &Session,
    id: ProposalId,
    item: &ItemRow,
    user: &Editor,
    what: Proposed,
) -> Acted {
    let (item_id, user_id, now) = (item.id, user.0.id, state.now());
    let done = state
        .db(move |conn| proposals::accept(conn, id, item_id, &what, user_id, now))
        .await?;
    set_flash(
        session,
        if done {
            "Accepted as edited: recorded on the item, and subscribers are alerted."
        } else {
            "That proposal was already decided; nothing was recorded."
        },
    );
    Ok(Ok(see_other("/review")))
}

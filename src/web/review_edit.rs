//! "Edit, then accept" in the review queue: the normal event or milestone
//! form, prefilled from a pending proposal; saving records what the editor
//! wrote through the normal write and marks the proposal accepted.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::auth::{check_csrf, see_other, set_flash, Editor};
use super::error::AppError;
use super::events::{event_form_at, FormAt};
use super::form_page::{load_item, submit};
use super::forms::{EventForm, FieldErrors, MilestoneForm};
use super::milestones::milestone_form_at;
use super::review::load;
use super::AppState;
use crate::domain::{ProposalId, ProposalState};
use crate::store::proposals::{self, ProposalItem, ProposalRow, Proposed};

fn proposal_note(row: &ProposalRow) -> Option<String> {
    Some(format!(
        "From {}: “{}”. Saving records it and marks the proposal accepted.",
        row.source.label(),
        row.raw_text
    ))
}

/// A pending proposal of the given target, or a 404 / back to the queue.
async fn pending_of(
    state: &AppState,
    id: ProposalId,
    milestone: bool,
) -> Result<(ProposalRow, ProposalItem), AppError> {
    let (row, item) = load(state, id).await?;
    if row.state != ProposalState::Pending || row.milestone_kind.is_some() != milestone {
        return Err(AppError::not_found(
            "This proposal is not waiting for review, or proposes something else.",
        ));
    }
    Ok((row, item))
}

/// `GET /review/{id}/event`: the event form, prefilled.
pub async fn edit_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (row, item) = pending_of(&state, id, false).await?;
    let item = load_item(&state, &item.slug).await?;
    let date = crate::domain::EventDate::from_parts(row.proposed_date, row.date_precision);
    let form = EventForm {
        date: date.iso(),
        precision: row.date_precision.as_str().to_owned(),
        status: row.status.clone().unwrap_or_default(),
        note: row.note.clone(),
        source_url: row.source_url.clone(),
        confidence: row.confidence.as_str().to_owned(),
        ..EventForm::default()
    };
    let at = FormAt {
        action: format!("/review/{id}/event"),
        correcting: false,
        from_proposal: proposal_note(&row),
    };
    event_form_at(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &form,
        &FieldErrors::new(),
        at,
    )
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
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let (row, item) = pending_of(&state, id, false).await?;
    let item = load_item(&state, &item.slug).await?;
    let at = || FormAt {
        action: format!("/review/{id}/event"),
        correcting: false,
        from_proposal: proposal_note(&row),
    };
    let page = |status, errors: &FieldErrors| {
        event_form_at(status, &session, &user, &item, &form, errors, at())
    };
    submit(form.validate(item.kind()), page, |event| async {
        decide_edited(
            &state,
            &session,
            id,
            item.id,
            user.0.id,
            Proposed::Event(event),
        )
        .await
    })
    .await
}

/// `GET /review/{id}/milestone`: the milestone form, prefilled.
pub async fn edit_milestone_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (row, item) = pending_of(&state, id, true).await?;
    let item = load_item(&state, &item.slug).await?;
    let date = crate::domain::EventDate::from_parts(row.proposed_date, row.date_precision);
    let form = MilestoneForm {
        kind: row.milestone_kind.clone().unwrap_or_default(),
        date: date.iso(),
        precision: row.date_precision.as_str().to_owned(),
        note: row.note.clone(),
        source_url: row.source_url.clone(),
        confidence: row.confidence.as_str().to_owned(),
        ..MilestoneForm::default()
    };
    let at = FormAt {
        action: format!("/review/{id}/milestone"),
        correcting: false,
        from_proposal: proposal_note(&row),
    };
    milestone_form_at(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &form,
        &FieldErrors::new(),
        at,
    )
}

/// `POST /review/{id}/milestone`.
pub async fn edit_milestone(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let (row, item) = pending_of(&state, id, true).await?;
    let item = load_item(&state, &item.slug).await?;
    let at = || FormAt {
        action: format!("/review/{id}/milestone"),
        correcting: false,
        from_proposal: proposal_note(&row),
    };
    let page = |status, errors: &FieldErrors| {
        milestone_form_at(status, &session, &user, &item, &form, errors, at())
    };
    submit(form.validate(), page, |milestone| async {
        decide_edited(
            &state,
            &session,
            id,
            item.id,
            user.0.id,
            Proposed::Milestone(milestone),
        )
        .await
    })
    .await
}

async fn decide_edited(
    state: &AppState,
    session: &Session,
    id: ProposalId,
    item_id: crate::domain::ItemId,
    user_id: crate::domain::UserId,
    what: Proposed,
) -> super::form_page::Acted {
    let now = state.now();
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

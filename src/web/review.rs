//! The review queue (`/review`, editors): what the official sources
//! propose, each with its item, the proposed event or milestone, the
//! official text and link, and what it would change (the status before →
//! after, from the one derivation of an item's status). Accept records it
//! through the normal event or milestone write (revision, change, alerts);
//! "Edit, then accept" opens the normal form prefilled; reject remembers
//! it so its source never proposes it again. `/review/mapping` shows the
//! mapping table.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{check_csrf, csrf_token, see_other, set_flash, Editor};
use super::error::AppError;
use super::view::{Layout, Page, Tab};
use super::{get_or_head, AppState};
use crate::domain::{Kind, ProposalId, ProposalState, Status};
use crate::store::proposals::{self, ProposalItem, ProposalRow, Proposed};

/// Proposals shown per page.
const PAGE: i64 = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/review").route(get_or_head(review_page)))
        .service(web::resource("/review/mapping").route(get_or_head(mapping_page)))
        .service(web::resource("/review/{id}/accept").post(accept))
        .service(web::resource("/review/{id}/reject").post(reject))
        .service(
            web::resource("/review/{id}/event")
                .route(get_or_head(edit_event_form))
                .post(edit_event),
        )
        .service(
            web::resource("/review/{id}/milestone")
                .route(get_or_head(edit_milestone_form))
                .post(edit_milestone),
        );
}

/// One proposal as the queue shows it.
#[derive(Debug, Serialize)]
struct ProposalView {
    id: i32,
    item_slug: String,
    item_title: String,
    source: &'static str,
    milestone: bool,
    date_iso: String,
    date_human: String,
    /// "Referred to committee", or "Effective date".
    what: String,
    development: bool,
    note: String,
    raw_text: String,
    source_url: String,
    /// "Introduced → Referred to committee", or why nothing changes.
    change: String,
    moves: bool,
    /// False when a stored value no longer parses: it can only be rejected.
    readable: bool,
    edit_path: String,
}

#[derive(Debug, Serialize)]
struct ReviewView {
    proposals: Vec<ProposalView>,
    pending: i64,
    more: bool,
    csrf_token: String,
}

fn label(kind: Kind, status: Option<&str>) -> String {
    status.map_or_else(|| "no status yet".to_owned(), |s| Status::label_of(kind, s))
}

fn view_of(
    row: &ProposalRow,
    item: &ProposalItem,
    proposed: Option<&Proposed>,
    preview: Option<(Option<String>, Option<String>)>,
) -> ProposalView {
    let date = crate::domain::EventDate::from_parts(row.proposed_date, row.date_precision);
    let (what, development, milestone) = match proposed {
        Some(Proposed::Event(e)) => (e.status.label().to_owned(), !e.status.moves_status(), false),
        Some(Proposed::Milestone(m)) => (m.kind.label().to_owned(), false, true),
        None => (
            row.status
                .clone()
                .or(row.milestone_kind.clone())
                .unwrap_or_default(),
            false,
            row.milestone_kind.is_some(),
        ),
    };
    let (change, moves) = match (proposed, preview) {
        (Some(Proposed::Event(_)), Some((before, after))) if before != after => (
            format!(
                "{} → {}",
                label(item.kind, before.as_deref()),
                label(item.kind, after.as_deref())
            ),
            true,
        ),
        (Some(Proposed::Event(e)), Some((before, _))) => (
            if e.status.moves_status() {
                format!(
                    "Status stays {}: a later event decides it",
                    label(item.kind, before.as_deref())
                )
            } else {
                format!(
                    "Status stays {}: a development does not move it",
                    label(item.kind, before.as_deref())
                )
            },
            false,
        ),
        (Some(Proposed::Milestone(_)), _) => (
            "A milestone ahead: the status does not change".to_owned(),
            false,
        ),
        _ => (
            "This proposal cannot be read any more; reject it".to_owned(),
            false,
        ),
    };
    ProposalView {
        id: row.id.0,
        item_slug: item.slug.clone(),
        item_title: item.title.clone(),
        source: row.source.label(),
        milestone,
        date_iso: date.iso(),
        date_human: date.human(),
        what,
        development,
        note: row.note.clone(),
        raw_text: row.raw_text.clone(),
        source_url: row.source_url.clone(),
        change,
        moves,
        readable: proposed.is_some(),
        edit_path: format!(
            "/review/{}/{}",
            row.id,
            if milestone { "milestone" } else { "event" }
        ),
    }
}

/// `GET /review`.
pub async fn review_page(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.now();
    let (views, pending) = state
        .db(move |conn| {
            let pending = proposals::pending_count(conn)?;
            let mut views = Vec::new();
            for (row, item) in proposals::pending(conn, PAGE)? {
                let proposed = row.proposed(item.kind);
                let preview = match &proposed {
                    Some(Proposed::Event(e)) => {
                        Some(proposals::status_preview(conn, row.item_id, e, now)?)
                    }
                    _ => None,
                };
                views.push(view_of(&row, &item, proposed.as_ref(), preview));
            }
            Ok((views, pending))
        })
        .await?;
    let view = ReviewView {
        more: pending > views.len() as i64,
        proposals: views,
        pending,
        csrf_token: csrf_token(&session),
    };
    Page::new(
        Layout::new("Review proposals", Some(&user.0), &session).tab(Tab::Review),
        view,
    )
    .respond(StatusCode::OK, "review")
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
}

/// A proposal and its item, or a 404.
pub(super) async fn load(
    state: &AppState,
    id: ProposalId,
) -> Result<(ProposalRow, ProposalItem), AppError> {
    state
        .db(move |conn| proposals::find(conn, id))
        .await?
        .ok_or_else(|| AppError::not_found("There is no such proposal."))
}

fn already(row: &ProposalRow) -> &'static str {
    match row.state {
        ProposalState::Accepted => "That proposal was already accepted.",
        _ => "That proposal was already rejected.",
    }
}

/// `POST /review/{id}/accept`: records the proposal as proposed.
pub async fn accept(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let (row, item) = load(&state, id).await?;
    let Some(what) = row.proposed(item.kind) else {
        set_flash(
            &session,
            "This proposal cannot be read any more; reject it.",
        );
        return Ok(see_other("/review"));
    };
    let (item_id, user_id, now) = (row.item_id, user.0.id, state.now());
    let done = state
        .db(move |conn| proposals::accept(conn, id, item_id, &what, user_id, now))
        .await?;
    set_flash(
        &session,
        if done {
            "Accepted: recorded on the item, and subscribers are alerted."
        } else {
            already(&row)
        },
    );
    Ok(see_other("/review"))
}

/// `POST /review/{id}/reject`: remembered, never proposed again.
pub async fn reject(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let (row, _) = load(&state, id).await?;
    let (user_id, now) = (user.0.id, state.now());
    let done = state
        .db(move |conn| proposals::reject(conn, id, user_id, now))
        .await?;
    set_flash(
        &session,
        if done {
            "Rejected: its source will not propose it again."
        } else {
            already(&row)
        },
    );
    Ok(see_other("/review"))
}

pub use super::review_edit::{edit_event, edit_event_form, edit_milestone, edit_milestone_form};
pub use super::review_mapping::mapping_page;

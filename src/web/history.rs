//! An item's revision history, as readers see it: every saved change,
//! newest first, each as a diff of the fields it changed.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::MaybeUser;
use super::cache::PagePart;
use super::error::AppError;
use super::feeds::FeedLink;
use super::form_page::{load_item, ItemHeading};
use super::view::{Layout, Page};
use super::AppState;
use crate::domain::field_label;
use crate::store::revisions::{self, Authored, FieldChange, RevisionAction};

/// One changed field of a revision, as the diff table shows it.
#[derive(Debug, Serialize)]
pub struct ChangeView {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl ChangeView {
    pub fn list(changes: &[FieldChange]) -> Vec<ChangeView> {
        changes
            .iter()
            .map(|c| ChangeView {
                field: field_label(&c.field).into_owned(),
                old: c.old.clone(),
                new: c.new.clone(),
            })
            .collect()
    }
}

/// One revision in the history.
#[derive(Debug, Serialize)]
struct RevisionView {
    when: String,
    when_iso: String,
    who: String,
    action: &'static str,
    version: i32,
    changes: Vec<ChangeView>,
}

#[derive(Debug, Serialize)]
struct HistoryView {
    item: ItemHeading,
    revisions: Vec<RevisionView>,
}

/// What a revision did, as the history says it.
fn describe(action: RevisionAction) -> &'static str {
    match action {
        RevisionAction::Create => "Created the item",
        RevisionAction::Edit => "Edited fields",
        RevisionAction::Event => "Recorded a status event",
        RevisionAction::EventCorrection => "Corrected a status event",
        RevisionAction::MinorEventCorrection => "Corrected a status event (minor correction)",
        RevisionAction::EventRetraction => "Retracted a status event",
        RevisionAction::Link => "Added a link",
        RevisionAction::Unlink => "Removed a link",
        RevisionAction::Milestone => "Added a milestone",
        RevisionAction::MilestoneCorrection => "Corrected a milestone",
        RevisionAction::MinorMilestoneCorrection => "Corrected a milestone (minor correction)",
        RevisionAction::MilestoneRemoval => "Removed a milestone",
    }
}

/// `/items/{slug}/history`: every revision, newest first, as a diff.
pub async fn history(
    user: MaybeUser,
    session: Session,
    part: PagePart,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("history", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let item = load_item(&state, &path).await?;
    let item_id = item.id;
    let rows = state
        .db(move |conn| revisions::for_item(conn, item_id))
        .await?;
    let revisions = rows
        .into_iter()
        .map(
            |Authored {
                 revision: r,
                 author,
             }| RevisionView {
                when: r.created_at.format("%-d %B %Y %H:%M UTC").to_string(),
                when_iso: r.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                who: match (author, r.origin) {
                    (Some(who), Some(origin)) => format!("{who} ({})", origin.label()),
                    (Some(who), None) => who,
                    (None, Some(origin)) => format!("regwatch ({})", origin.label()),
                    (None, None) => "regwatch (starter data)".to_owned(),
                },
                action: describe(r.action),
                version: r.item_version,
                changes: ChangeView::list(r.changes()),
            },
        )
        .collect();
    let title = format!(
        "History of {}",
        item.short_title.as_deref().unwrap_or(&item.title)
    );
    let feed = FeedLink::item(
        &item.slug,
        item.short_title.as_deref().unwrap_or(&item.title),
    );
    let view = HistoryView {
        item: ItemHeading::of(&item),
        revisions,
    };
    part.respond(
        Page::new(
            Layout::new(title, user.0.as_ref(), &session).feed(feed),
            view,
        ),
        "history",
    )
}

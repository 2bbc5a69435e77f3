//! Carrying out an [`ItemPlan`]: every write goes through the store's own
//! writers (`items::create`/`update`, `events::insert_many`/`correct`/
//! `retract`, `milestones::add`/`correct`, `links::insert`), so each has
//! its revision, change and alerts as when an editor makes it. The one
//! path the starter data and imports share.

use chrono::NaiveDateTime;

use super::plan::ItemPlan;
use crate::db::{write_transaction, DbConnection, DbError};
use crate::domain::ItemId;
use crate::exchange::ValidLink;
use crate::store::author::Author;
use crate::store::items::{self, ItemError, UpdateOutcome};
use crate::store::{events, links, milestones};

/// Why a plan could not be carried out; nothing of it is stored.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Item(#[from] ItemError),
    #[error("the item was changed by someone else while it was imported; import it again")]
    Conflict,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ApplyError {
    fn from(e: diesel::result::Error) -> Self {
        ApplyError::Db(DbError::Query(e))
    }
}

/// What carrying out a plan left to do.
#[derive(Debug)]
pub struct Applied {
    pub item_id: ItemId,
    /// Links whose target is not stored (yet): a later record may add it.
    pub pending_links: Vec<ValidLink>,
}

/// Carries out `plan` in one transaction (a savepoint inside a caller's):
/// all of it or none of it.
pub fn apply(
    conn: &mut DbConnection,
    plan: &ItemPlan,
    by: Author,
    now: NaiveDateTime,
) -> Result<Applied, ApplyError> {
    write_transaction(conn, |conn| {
        let item_id = match plan.existing {
            // Its events, added below, write its search document.
            None if !plan.add_events.is_empty() => {
                items::create_before_events(conn, &plan.fields, by, now)?
            }
            None => items::create(conn, &plan.fields, by, now)?,
            Some((id, version)) => {
                if !plan.field_changes.is_empty() {
                    let outcome = items::update(conn, id, version, &plan.fields, by, now)?;
                    if let UpdateOutcome::Conflict { .. } = outcome {
                        return Err(ApplyError::Conflict);
                    }
                }
                id
            }
        };
        for (event_id, event, _) in &plan.correct_events {
            events::correct(conn, item_id, *event_id, event, by, now, false)?;
        }
        if !plan.add_events.is_empty() {
            let new: Vec<_> = plan.add_events.iter().map(|e| e.event.clone()).collect();
            let ids = events::insert_many(conn, item_id, &new, by, now)?;
            for (id, added) in ids.into_iter().zip(&plan.add_events) {
                if let Some(reason) = &added.retraction {
                    events::retract(conn, item_id, id, reason, by, now)?;
                }
            }
        }
        for (event_id, _, reason) in &plan.retract_events {
            events::retract(conn, item_id, *event_id, reason, by, now)?;
        }
        for (milestone_id, milestone, _) in &plan.correct_milestones {
            milestones::correct(conn, item_id, *milestone_id, milestone, by, now, false)?;
        }
        for milestone in &plan.add_milestones {
            milestones::add(conn, item_id, milestone, by, now)?;
        }
        let mut pending_links = Vec::new();
        for link in &plan.add_links {
            if items::find_by_slug(conn, link.to.as_str())?.is_some() {
                add_link(conn, item_id, link, by, now)?;
            } else {
                pending_links.push(link.clone());
            }
        }
        Ok(Applied {
            item_id,
            pending_links,
        })
    })
}

/// Adds a link from `from` unless it exists; returns whether it was
/// added. The caller has checked that its target is stored.
pub fn add_link(
    conn: &mut DbConnection,
    from: ItemId,
    link: &ValidLink,
    by: Author,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let Some(to) = items::find_by_slug(conn, link.to.as_str())? else {
        return Ok(false);
    };
    links::insert(conn, from, to.id, link.relation.as_str(), by, now)
}

/// Whether `from` already links to the link's target with its relation.
pub fn has_link(conn: &mut DbConnection, from: ItemId, link: &ValidLink) -> Result<bool, DbError> {
    Ok(links::for_item(conn, from)?.iter().any(|s| {
        s.outgoing && s.relation == link.relation.as_str() && s.other_slug == link.to.as_str()
    }))
}

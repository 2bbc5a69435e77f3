//! Proposals: the events and milestones official sources suggest, kept
//! until an editor accepts (through the normal event and milestone writes:
//! revision, change, alerts) or rejects them. A source's own id for a fact
//! is unique per source, so nothing is proposed twice, and a rejected fact
//! never comes back.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::events::{self, NewEvent};
use super::milestones::{self, NewMilestone};
use super::{DbConnection, DbError};
use crate::db::write_transaction;
use crate::domain::{
    Confidence, DatePrecision, EventDate, ItemId, Kind, MilestoneKind, ProposalId, ProposalState,
    ProposalTarget, SourceName, SourceUrl, Status, UserId,
};
use crate::schema::{items, milestones as ms, proposals, status_events as se};

/// What a proposal would add: an event or a milestone, valid already.
#[derive(Debug, Clone)]
pub enum Proposed {
    Event(NewEvent),
    Milestone(NewMilestone),
}

impl Proposed {
    pub fn date(&self) -> &EventDate {
        match self {
            Proposed::Event(e) => &e.date,
            Proposed::Milestone(m) => &m.date,
        }
    }

    pub fn target(&self) -> ProposalTarget {
        match self {
            Proposed::Event(_) => ProposalTarget::Event,
            Proposed::Milestone(_) => ProposalTarget::Milestone,
        }
    }
}

/// A proposal as a connector makes it.
#[derive(Debug, Clone)]
pub struct NewProposal {
    pub source: SourceName,
    /// The source's own id for the fact (unique per source).
    pub source_key: String,
    pub item_id: ItemId,
    pub proposed: Proposed,
    /// The official text, as the source wrote it.
    pub raw_text: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: ProposalId,
    pub source: SourceName,
    pub source_key: String,
    pub item_id: ItemId,
    pub target: ProposalTarget,
    pub proposed_date: NaiveDate,
    pub date_precision: DatePrecision,
    pub status: Option<String>,
    pub milestone_kind: Option<String>,
    pub note: String,
    pub source_url: String,
    pub confidence: Confidence,
    pub raw_text: String,
    pub state: ProposalState,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
}

impl ProposalRow {
    /// The event or milestone as proposed, read back into domain values
    /// for the item's kind; `None` if a stored value no longer parses.
    pub fn proposed(&self, kind: Kind) -> Option<Proposed> {
        let date = EventDate::from_parts(self.proposed_date, self.date_precision);
        let source = SourceUrl::try_from(self.source_url.as_str()).ok()?;
        Some(match self.target {
            ProposalTarget::Event => Proposed::Event(NewEvent {
                date,
                status: Status::parse(kind, self.status.as_deref()?).ok()?,
                note: self.note.clone(),
                source,
                confidence: self.confidence,
            }),
            ProposalTarget::Milestone => Proposed::Milestone(NewMilestone {
                kind: self
                    .milestone_kind
                    .as_deref()?
                    .parse::<MilestoneKind>()
                    .ok()?,
                date,
                note: self.note.clone(),
                source,
                confidence: self.confidence,
            }),
        })
    }
}

/// Whether the source has proposed this fact before (in any state).
pub fn is_known(
    conn: &mut DbConnection,
    source: SourceName,
    source_key: &str,
) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        proposals::table
            .filter(proposals::source.eq(source))
            .filter(proposals::source_key.eq(source_key)),
    ))
    .get_result(conn)?)
}

/// Whether the record already holds what is proposed: a standing event
/// with the same date, precision and status, or a standing milestone of
/// the same kind on the same date.
pub fn record_has(
    conn: &mut DbConnection,
    item_id: ItemId,
    proposed: &Proposed,
) -> Result<bool, DbError> {
    let date = proposed.date();
    let (day, precision) = (date.start(), date.precision().as_str());
    Ok(match proposed {
        Proposed::Event(e) => diesel::select(diesel::dsl::exists(
            se::table
                .filter(se::item_id.eq(item_id))
                .filter(se::retracted.eq(false))
                .filter(se::event_date.eq(day))
                .filter(se::date_precision.eq(precision))
                .filter(se::status.eq(e.status.name())),
        ))
        .get_result(conn)?,
        Proposed::Milestone(m) => diesel::select(diesel::dsl::exists(
            ms::table
                .filter(ms::item_id.eq(item_id))
                .filter(ms::cancelled.eq(false))
                .filter(ms::milestone_date.eq(day))
                .filter(ms::date_precision.eq(precision))
                .filter(ms::kind.eq(m.kind.as_str())),
        ))
        .get_result(conn)?,
    })
}

/// Whether the same event or milestone (date, precision, status or kind)
/// was proposed for the item before, by any source and in any state: one
/// fact reported twice (an action and its committee's activity) is
/// reviewed once.
pub fn proposed_before(
    conn: &mut DbConnection,
    item_id: ItemId,
    proposed: &Proposed,
) -> Result<bool, DbError> {
    let date = proposed.date();
    let same = proposals::table
        .filter(proposals::item_id.eq(item_id))
        .filter(proposals::proposed_date.eq(date.start()))
        .filter(proposals::date_precision.eq(date.precision().as_str()));
    Ok(match proposed {
        Proposed::Event(e) => diesel::select(diesel::dsl::exists(
            same.filter(proposals::status.eq(e.status.name())),
        ))
        .get_result(conn)?,
        Proposed::Milestone(m) => diesel::select(diesel::dsl::exists(
            same.filter(proposals::milestone_kind.eq(m.kind.as_str())),
        ))
        .get_result(conn)?,
    })
}

/// Stores a proposal unless its source proposed the same fact before.
/// Returns its id when it is new.
pub fn insert(
    conn: &mut DbConnection,
    p: &NewProposal,
    now: NaiveDateTime,
) -> Result<Option<ProposalId>, DbError> {
    write_transaction(conn, |conn| {
        if is_known(conn, p.source, &p.source_key)? {
            return Ok(None);
        }
        let date = p.proposed.date();
        let (status, kind, note, source, confidence) = match &p.proposed {
            Proposed::Event(e) => (
                Some(e.status.name()),
                None,
                &e.note,
                &e.source,
                e.confidence,
            ),
            Proposed::Milestone(m) => (
                None,
                Some(m.kind.as_str()),
                &m.note,
                &m.source,
                m.confidence,
            ),
        };
        let id = diesel::insert_into(proposals::table)
            .values((
                proposals::source.eq(p.source),
                proposals::source_key.eq(&p.source_key),
                proposals::item_id.eq(p.item_id),
                proposals::target.eq(p.proposed.target()),
                proposals::proposed_date.eq(date.start()),
                proposals::date_precision.eq(date.precision().as_str()),
                proposals::status.eq(status),
                proposals::milestone_kind.eq(kind),
                proposals::note.eq(note),
                proposals::source_url.eq(source.as_str()),
                proposals::confidence.eq(confidence.as_str()),
                proposals::raw_text.eq(&p.raw_text),
                proposals::state.eq(ProposalState::Pending),
                proposals::created_at.eq(now),
            ))
            .returning(proposals::id)
            .get_result(conn)?;
        Ok(Some(id))
    })
}

/// How many proposals wait for an editor.
pub fn pending_count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(proposals::table
        .filter(proposals::state.eq(ProposalState::Pending))
        .count()
        .get_result(conn)?)
}

/// The item a proposal belongs to, as the review queue shows it.
#[derive(Debug, Clone, Queryable)]
pub struct ProposalItem {
    pub slug: String,
    pub title: String,
    pub kind: Kind,
    pub current_status: Option<String>,
}

/// Pending proposals, oldest first (by item, then date), at most `limit`.
pub fn pending(
    conn: &mut DbConnection,
    limit: i64,
) -> Result<Vec<(ProposalRow, ProposalItem)>, DbError> {
    Ok(proposals::table
        .inner_join(items::table)
        .filter(proposals::state.eq(ProposalState::Pending))
        .order((
            proposals::item_id.asc(),
            proposals::proposed_date.asc(),
            proposals::id.asc(),
        ))
        .limit(limit)
        .select((
            ProposalRow::as_select(),
            (
                items::slug,
                items::title,
                items::kind,
                items::current_status,
            ),
        ))
        .load(conn)?)
}

/// A proposal with its item.
pub fn find(
    conn: &mut DbConnection,
    id: ProposalId,
) -> Result<Option<(ProposalRow, ProposalItem)>, DbError> {
    Ok(proposals::table
        .inner_join(items::table)
        .filter(proposals::id.eq(id))
        .select((
            ProposalRow::as_select(),
            (
                items::slug,
                items::title,
                items::kind,
                items::current_status,
            ),
        ))
        .first(conn)
        .optional()?)
}

/// Every proposal of an item, newest first (for tests and the CLI).
pub fn for_item(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<ProposalRow>, DbError> {
    Ok(proposals::table
        .filter(proposals::item_id.eq(item_id))
        .order(proposals::id.desc())
        .select(ProposalRow::as_select())
        .load(conn)?)
}

/// Marks a pending proposal decided; false when it was not pending (decided
/// already, by this editor or another).
fn decide(
    conn: &mut DbConnection,
    id: ProposalId,
    state: ProposalState,
    user_id: UserId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        proposals::table
            .filter(proposals::id.eq(id))
            .filter(proposals::state.eq(ProposalState::Pending)),
    )
    .set((
        proposals::state.eq(state),
        proposals::decided_by.eq(Some(user_id)),
        proposals::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Accepts a pending proposal, recording `what` (the proposal as it was,
/// or as the editor corrected it) on its item through the normal event or
/// milestone write: revision, change and alerts, in one transaction with
/// the decision. Returns false, writing nothing, when it was not pending.
pub fn accept(
    conn: &mut DbConnection,
    id: ProposalId,
    item_id: ItemId,
    what: &Proposed,
    user_id: UserId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        if !decide(conn, id, ProposalState::Accepted, user_id, now)? {
            return Ok(false);
        }
        match what {
            Proposed::Event(e) => {
                events::record(conn, item_id, e, Some(user_id), now)?;
            }
            Proposed::Milestone(m) => {
                milestones::add(conn, item_id, m, Some(user_id), now)?;
            }
        }
        Ok(true)
    })
}

/// Rejects a pending proposal; it is remembered, so its source never
/// proposes it again. Returns false when it was not pending.
pub fn reject(
    conn: &mut DbConnection,
    id: ProposalId,
    user_id: UserId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        decide(conn, id, ProposalState::Rejected, user_id, now)
    })
}

/// The item's current status now and after recording `event`, derived by
/// the one derivation (`current_status::refresh`) inside a transaction that
/// is always rolled back: (before, after), status words.
pub fn status_preview(
    conn: &mut DbConnection,
    item_id: ItemId,
    event: &NewEvent,
    now: NaiveDateTime,
) -> Result<(Option<String>, Option<String>), DbError> {
    let status_of = |conn: &mut DbConnection| -> Result<Option<String>, DbError> {
        Ok(items::table
            .find(item_id)
            .select(items::current_status)
            .first(conn)?)
    };
    let before = status_of(conn)?;
    let mut after = None;
    let outcome = conn.transaction::<(), DbError, _>(|conn| {
        events::insert(conn, item_id, event, None, now)?;
        super::current_status::refresh(conn, item_id)?;
        after = Some(status_of(conn)?);
        Err(diesel::result::Error::RollbackTransaction.into())
    });
    match outcome {
        Err(DbError::Query(diesel::result::Error::RollbackTransaction)) | Ok(()) => {}
        Err(e) => return Err(e),
    }
    Ok((before.clone(), after.unwrap_or(before)))
}

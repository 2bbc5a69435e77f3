//! Changes: what alerts and feeds are made from. Every write path records
//! its change here and queues its alerts, inside its own transaction, so a
//! change that committed is never missed and one that rolled back is never
//! announced.
//!
//! Change ids become visible in id order, so a reader that resumes after
//! the last id it saw (the API's change cursor) never skips one. On
//! PostgreSQL a sequence hands out ids at insert, not at commit: without
//! care, id 11 could commit while id 10 is still in flight, and a reader
//! that saw 11 would never see 10. So [`record`] first takes a
//! transaction-scoped advisory lock, held until its transaction commits or
//! rolls back, and only then draws its id: the next writer draws a larger
//! id only after this one is visible (PostgreSQL releases a transaction's
//! locks after its commit is visible). On SQLite every write transaction
//! holds the database's single write lock from its first write to its
//! commit, and the id is drawn under it, so the same holds. Either way,
//! when a reader sees id N, every smaller id that will ever commit is
//! already visible to it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::author::{Author, Origin};
use super::events::NewEvent;
use super::json::Json;
use super::milestones::NewMilestone;
use super::revisions::FieldChange;
use super::subscriptions::Alerting;
use super::{DbConnection, DbError};
use crate::domain::{ChangeId, DeliveryId, ItemId, UserId};
use crate::schema::{changes, digest_entries};

/// The advisory lock that orders change ids on PostgreSQL ("regwatch
/// changes" in ASCII, so it cannot collide with `limits`' hashed keys by
/// design, only by a 1 in 2^64 chance).
const CHANGE_ORDER_LOCK: i64 = 0x7265_6777_6368_6e67;

/// A status event as it was when the change happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSnapshot {
    pub event_id: i32,
    /// At its precision: `2025-01-29`, `2023-04` or `2023`.
    pub date: String,
    pub date_human: String,
    pub precision: String,
    pub status: String,
    pub status_label: String,
    pub moves_status: bool,
    pub phase: Option<String>,
    pub note: String,
    pub source: String,
    pub confidence: String,
}

impl EventSnapshot {
    pub fn of(event_id: i32, e: &NewEvent) -> Self {
        EventSnapshot {
            event_id,
            date: e.date.iso(),
            date_human: e.date.human(),
            precision: e.date.precision().as_str().to_owned(),
            status: e.status.name().to_owned(),
            status_label: e.status.label().to_owned(),
            moves_status: e.status.moves_status(),
            phase: e.status.phase().map(|p| p.as_str().to_owned()),
            note: e.note.clone(),
            source: e.source.as_str().to_owned(),
            confidence: e.confidence.as_str().to_owned(),
        }
    }
}

/// A milestone as it was when the change happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneSnapshot {
    pub milestone_id: i32,
    pub kind: String,
    pub kind_label: String,
    /// At its precision: `2027-03-13`, `2027-03` or `2027`.
    pub date: String,
    pub date_human: String,
    pub precision: String,
    pub note: String,
    pub source: String,
    pub confidence: String,
}

impl MilestoneSnapshot {
    pub fn of(milestone_id: i32, m: &NewMilestone) -> Self {
        MilestoneSnapshot {
            milestone_id,
            kind: m.kind.as_str().to_owned(),
            kind_label: m.kind.label().to_owned(),
            date: m.date.iso(),
            date_human: m.date.human(),
            precision: m.date.precision().as_str().to_owned(),
            note: m.note.clone(),
            source: m.source.as_str().to_owned(),
            confidence: m.confidence.as_str().to_owned(),
        }
    }
}

/// What changed. Stored as JSON; `kind()` is stored beside it for queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ChangePayload {
    ItemCreated {
        title: String,
    },
    FieldsEdited {
        changes: Vec<FieldChange>,
    },
    EventRecorded {
        event: EventSnapshot,
    },
    EventCorrected {
        event: EventSnapshot,
        changes: Vec<FieldChange>,
        /// Marked minor by the editor (a typo, a better link): told in
        /// digests, never alerted at once. Older records lack it: material.
        #[serde(default)]
        minor: bool,
    },
    EventRetracted {
        event_id: i32,
        date_human: String,
        status_label: String,
        reason: String,
    },
    LinkAdded {
        relation: String,
        other_slug: String,
        other_title: String,
        outgoing: bool,
    },
    LinkRemoved {
        relation: String,
        other_slug: String,
        other_title: String,
        outgoing: bool,
    },
    MilestoneAdded {
        milestone: MilestoneSnapshot,
    },
    MilestoneCorrected {
        milestone: MilestoneSnapshot,
        changes: Vec<FieldChange>,
        #[serde(default)]
        minor: bool,
    },
    MilestoneRemoved {
        milestone: MilestoneSnapshot,
        reason: String,
    },
}

impl ChangePayload {
    pub fn kind(&self) -> &'static str {
        match self {
            ChangePayload::ItemCreated { .. } => "item-created",
            ChangePayload::FieldsEdited { .. } => "fields-edited",
            ChangePayload::EventRecorded { .. } => "event-recorded",
            ChangePayload::EventCorrected { .. } => "event-corrected",
            ChangePayload::EventRetracted { .. } => "event-retracted",
            ChangePayload::LinkAdded { .. } => "link-added",
            ChangePayload::LinkRemoved { .. } => "link-removed",
            ChangePayload::MilestoneAdded { .. } => "milestone-added",
            ChangePayload::MilestoneCorrected { .. } => "milestone-corrected",
            ChangePayload::MilestoneRemoved { .. } => "milestone-removed",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub id: ChangeId,
    pub item_id: ItemId,
    pub kind: String,
    /// What changed (reading a payload this version does not know fails).
    pub payload: Json<ChangePayload>,
    pub user_id: Option<UserId>,
    pub created_at: NaiveDateTime,
    /// Set for an import (see [`Origin`]).
    pub origin: Option<Origin>,
}

/// Records a change made at `at`; call inside the transaction that makes
/// it, after the item's fields and tags are written, then queue what the
/// change owes subscribers ([`super::subscriptions::fan_out`]) in the same
/// transaction, so a change that commits always has its alerts. Returns the
/// change's id (ids only grow, so readers can resume after the last one
/// seen).
pub fn record(
    conn: &mut DbConnection,
    item_id: ItemId,
    by: impl Into<Author>,
    payload: &ChangePayload,
    at: NaiveDateTime,
) -> Result<ChangeId, DbError> {
    let by = by.into();
    let json = serde_json::to_string(payload).expect("change payloads serialise");
    if let DbConnection::Postgres(pg) = conn {
        // See the module's notes: ids become visible in id order.
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(CHANGE_ORDER_LOCK)
            .execute(pg)?;
    }
    Ok(diesel::insert_into(changes::table)
        .values((
            changes::item_id.eq(item_id),
            changes::kind.eq(payload.kind()),
            changes::payload.eq(json),
            changes::user_id.eq(by.user),
            changes::created_at.eq(at),
            changes::origin.eq(by.origin),
        ))
        .returning(changes::id)
        .get_result(conn)?)
}

/// The newest change's id: every write records one, so when this has not
/// moved, nothing any page shows has changed.
pub fn latest_id(conn: &mut DbConnection) -> Result<Option<ChangeId>, DbError> {
    Ok(changes::table
        .select(diesel::dsl::max(changes::id))
        .first(conn)?)
}

/// Records a change ([`record`]) and queues what it owes subscribers
/// ([`super::subscriptions::fan_out`]), unless its author is an import
/// that queues no alerts: the one way every writer announces a change.
pub fn announce(
    conn: &mut DbConnection,
    item_id: ItemId,
    by: impl Into<Author>,
    payload: &ChangePayload,
    at: NaiveDateTime,
) -> Result<ChangeId, DbError> {
    announce_as(conn, item_id, by, payload, at, Alerting::Immediate)
}

/// [`announce`], for a change that may be minor (told in digests only).
pub fn announce_as(
    conn: &mut DbConnection,
    item_id: ItemId,
    by: impl Into<Author>,
    payload: &ChangePayload,
    at: NaiveDateTime,
    alerting: Alerting,
) -> Result<ChangeId, DbError> {
    let by = by.into();
    let change = record(conn, item_id, by, payload, at)?;
    if by.alerts() {
        super::subscriptions::fan_out_as(conn, change, item_id, at, alerting)?;
    }
    Ok(change)
}

pub fn find(conn: &mut DbConnection, id: ChangeId) -> Result<Option<ChangeRow>, DbError> {
    Ok(changes::table
        .find(id)
        .select(ChangeRow::as_select())
        .first(conn)
        .optional()?)
}

/// The changes a digest delivery holds, oldest first.
pub fn in_digest(conn: &mut DbConnection, digest: DeliveryId) -> Result<Vec<ChangeRow>, DbError> {
    Ok(digest_entries::table
        .inner_join(changes::table)
        .filter(digest_entries::delivery_id.eq(digest))
        .order(changes::id.asc())
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// Changes after `after`, oldest first, at most `limit`, each with its
/// item's slug: resuming after the last id returned never skips or repeats
/// a change (see the module's notes).
pub fn since_with_slugs(
    conn: &mut DbConnection,
    after: ChangeId,
    limit: i64,
) -> Result<Vec<(ChangeRow, String)>, DbError> {
    Ok(changes::table
        .inner_join(crate::schema::items::table)
        .filter(changes::id.gt(after))
        .order(changes::id.asc())
        .limit(limit)
        .select((ChangeRow::as_select(), crate::schema::items::slug))
        .load(conn)?)
}

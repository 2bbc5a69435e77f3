//! Changes: what alerts and feeds are made from. Every write path records
//! its change here, inside its own transaction, so a change that committed
//! is never missed and one that rolled back is never announced.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::events::NewEvent;
use super::milestones::NewMilestone;
use super::revisions::FieldChange;
use super::{now, DbConnection, DbError};
use crate::schema::changes;

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
    pub id: i32,
    pub item_id: i32,
    pub kind: String,
    pub payload: String,
    pub user_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

impl ChangeRow {
    pub fn payload(&self) -> Option<ChangePayload> {
        serde_json::from_str(&self.payload).ok()
    }
}

/// Records a change; call inside the transaction that makes it, after the
/// item's fields and tags are written (subscriptions are matched against
/// them). The change's alerts are queued in the same transaction, so a
/// change that commits always has them. Returns the change's id (ids only
/// grow, so readers can resume after the last one seen).
pub fn record(
    conn: &mut DbConnection,
    item_id: i32,
    user_id: Option<i32>,
    payload: &ChangePayload,
) -> Result<i32, DbError> {
    let json = serde_json::to_string(payload).expect("change payloads serialise");
    let at = now();
    let id = diesel::insert_into(changes::table)
        .values((
            changes::item_id.eq(item_id),
            changes::kind.eq(payload.kind()),
            changes::payload.eq(json),
            changes::user_id.eq(user_id),
            changes::created_at.eq(at),
        ))
        .returning(changes::id)
        .get_result(conn)?;
    super::subscriptions::fan_out(conn, id, item_id, at)?;
    Ok(id)
}

pub fn find(conn: &mut DbConnection, id: i32) -> Result<Option<ChangeRow>, DbError> {
    Ok(changes::table
        .find(id)
        .select(ChangeRow::as_select())
        .first(conn)
        .optional()?)
}

/// Changes of one item, oldest first.
pub fn for_item(conn: &mut DbConnection, item_id: i32) -> Result<Vec<ChangeRow>, DbError> {
    Ok(changes::table
        .filter(changes::item_id.eq(item_id))
        .order(changes::id.asc())
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// Changes after `after_id`, oldest first, at most `limit`.
pub fn since(
    conn: &mut DbConnection,
    after_id: i32,
    limit: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    Ok(changes::table
        .filter(changes::id.gt(after_id))
        .order(changes::id.asc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(conn)?)
}

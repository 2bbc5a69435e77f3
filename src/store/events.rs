//! Status events: recording, correcting and retracting them, each with its
//! revision and change, and the item's current status derived again (see
//! `current_status`). Corrections are in `event_corrections`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::author::Author;
use super::changes::{self, ChangePayload, EventSnapshot};
use super::current_status;
use super::revisions::{self, FieldChange, RevisionAction};
use super::{search, DbConnection, DbError};
use crate::domain::{
    Confidence, DatePrecision, EventDate, EventId, ItemId, Kind, Phase, SourceUrl, Status, UserId,
};
use crate::schema::{items, status_events};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = status_events)]
pub struct EventRow {
    pub id: EventId,
    pub item_id: ItemId,
    pub event_date: NaiveDate,
    pub date_precision: DatePrecision,
    pub status: String,
    pub moves_status: bool,
    pub phase: Option<Phase>,
    pub note: String,
    pub source_url: String,
    pub confidence: Confidence,
    pub retracted: bool,
    pub retraction_note: Option<String>,
    /// Who recorded it; `None` for the starter data.
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    /// Whether an editor has corrected or retracted it.
    pub edited: bool,
}

impl EventRow {
    pub fn date(&self) -> EventDate {
        EventDate::from_parts(self.event_date, self.date_precision)
    }

    pub fn phase(&self) -> Option<Phase> {
        self.phase
    }

    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
}

/// A status event ready to store: every part already valid.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub date: EventDate,
    pub status: Status,
    pub note: String,
    pub source: SourceUrl,
    pub confidence: Confidence,
}

impl NewEvent {
    /// The event's fields as (name, text) pairs, as revisions compare them.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        vec![
            ("event.date", self.date.iso()),
            ("event.status", self.status.name().to_owned()),
            ("event.note", self.note.clone()),
            ("event.source", self.source.as_str().to_owned()),
            ("event.confidence", self.confidence.as_str().to_owned()),
        ]
    }

    /// The fields a revision shows for a new event.
    pub fn describe(&self) -> Vec<FieldChange> {
        revisions::diff(&[], &self.values())
    }
}

/// The stored columns of an event, as written when it is recorded and when
/// it is corrected.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = status_events, treat_none_as_null = true)]
pub(super) struct EventColumns<'a> {
    event_date: chrono::NaiveDate,
    date_precision: &'static str,
    status: &'static str,
    moves_status: bool,
    phase: Option<&'static str>,
    note: &'a str,
    source_url: &'a str,
    confidence: &'static str,
}

impl<'a> From<&'a NewEvent> for EventColumns<'a> {
    fn from(e: &'a NewEvent) -> Self {
        EventColumns {
            event_date: e.date.start(),
            date_precision: e.date.precision().as_str(),
            status: e.status.name(),
            moves_status: e.status.moves_status(),
            phase: e.status.phase().map(Phase::as_str),
            note: &e.note,
            source_url: e.source.as_str(),
            confidence: e.confidence.as_str(),
        }
    }
}

/// Inserts an event without touching the item's derived fields.
pub(super) fn insert(
    conn: &mut DbConnection,
    item_id: ItemId,
    event: &NewEvent,
    user_id: Option<UserId>,
    at: NaiveDateTime,
) -> Result<EventId, DbError> {
    Ok(diesel::insert_into(status_events::table)
        .values((
            EventColumns::from(event),
            status_events::item_id.eq(item_id),
            status_events::created_by.eq(user_id),
            status_events::created_at.eq(at),
            status_events::updated_at.eq(at),
        ))
        .returning(status_events::id)
        .get_result(conn)?)
}

/// Records the change a new event makes; after the item's derived fields
/// are current, since alerts match subscriptions against them.
fn record_change(
    conn: &mut DbConnection,
    item_id: ItemId,
    event_id: EventId,
    event: &NewEvent,
    by: Author,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    changes::announce(
        conn,
        item_id,
        by,
        &ChangePayload::EventRecorded {
            event: EventSnapshot::of(event_id.into(), event),
        },
        at,
    )?;
    Ok(())
}

/// Records a status event on an item: the event, the item's derived status,
/// its search document, the change and a revision, in one transaction.
pub fn record(
    conn: &mut DbConnection,
    item_id: ItemId,
    event: &NewEvent,
    user_id: Option<UserId>,
    now: NaiveDateTime,
) -> Result<EventId, DbError> {
    conn.transaction(|conn| {
        let id = insert(conn, item_id, event, user_id, now)?;
        current_status::refresh(conn, item_id)?;
        search::refresh(conn, item_id)?;
        record_change(conn, item_id, id, event, user_id.into(), now)?;
        let version = item_version(conn, item_id)?;
        revisions::record(
            conn,
            item_id,
            user_id,
            version,
            RevisionAction::Event,
            &event.describe(),
            now,
        )?;
        Ok(id)
    })
}

/// Inserts events in bulk (starter data and imports), derives once, then
/// records each as a change and a revision. Returns their ids, in order.
pub fn insert_many(
    conn: &mut DbConnection,
    item_id: ItemId,
    events: &[NewEvent],
    by: impl Into<Author>,
    now: NaiveDateTime,
) -> Result<Vec<EventId>, DbError> {
    let by = by.into();
    let ids = events
        .iter()
        .map(|event| insert(conn, item_id, event, by.user, now))
        .collect::<Result<Vec<_>, _>>()?;
    current_status::refresh(conn, item_id)?;
    search::refresh(conn, item_id)?;
    let version = item_version(conn, item_id)?;
    for (&id, event) in ids.iter().zip(events) {
        record_change(conn, item_id, id, event, by, now)?;
        revisions::record(
            conn,
            item_id,
            by,
            version,
            RevisionAction::Event,
            &event.describe(),
            now,
        )?;
    }
    Ok(ids)
}

/// Writes the revision that recording each starter event would have
/// written, for starter events loaded before loading wrote one, dated when
/// the event was loaded. Returns how many it wrote; run it once per database.
pub fn record_starter_history(conn: &mut DbConnection) -> Result<usize, DbError> {
    let starter: Vec<EventRow> = status_events::table
        .filter(status_events::created_by.is_null())
        .order(status_events::id.asc())
        .select(EventRow::as_select())
        .load(conn)?;
    for event in &starter {
        let version = item_version(conn, event.item_id)?;
        revisions::record(
            conn,
            event.item_id,
            Author::STARTER,
            version,
            RevisionAction::Event,
            &revisions::diff(&[], &event.values()),
            event.created_at,
        )?;
    }
    Ok(starter.len())
}

/// The item's field version (events do not change it: recording an event
/// never makes an open edit form stale).
pub(super) fn item_version(conn: &mut DbConnection, item_id: ItemId) -> Result<i32, DbError> {
    Ok(items::table
        .find(item_id)
        .select(items::version)
        .first(conn)?)
}

fn item_kind(conn: &mut DbConnection, item_id: ItemId) -> Result<Kind, DbError> {
    Ok(items::table.find(item_id).select(items::kind).first(conn)?)
}

pub use super::event_corrections::correct;

pub fn find(
    conn: &mut DbConnection,
    item_id: ItemId,
    event_id: EventId,
) -> Result<Option<EventRow>, DbError> {
    Ok(status_events::table
        .filter(status_events::id.eq(event_id))
        .filter(status_events::item_id.eq(item_id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

impl EventRow {
    /// The event's fields as (name, text) pairs, as revisions compare them.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        vec![
            ("event.date", self.date().iso()),
            ("event.status", self.status.clone()),
            ("event.note", self.note.clone()),
            ("event.source", self.source_url.clone()),
            ("event.confidence", self.confidence.as_str().to_owned()),
        ]
    }
}

/// Retracts an event: it stays in the history, marked, and no longer counts
/// toward the item's status. Returns false if there is no such standing event.
pub fn retract(
    conn: &mut DbConnection,
    item_id: ItemId,
    event_id: EventId,
    reason: &str,
    by: impl Into<Author>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let by = by.into();
    let user_id = by.user;
    conn.transaction(|conn| {
        let updated = diesel::update(
            status_events::table
                .filter(status_events::id.eq(event_id))
                .filter(status_events::item_id.eq(item_id))
                .filter(status_events::retracted.eq(false)),
        )
        .set((
            status_events::retracted.eq(true),
            status_events::retraction_note.eq(reason),
            status_events::updated_at.eq(now),
            status_events::edited
                .eq(status_events::edited.or(user_id.is_some().into_sql::<Bool>())),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Ok(false);
        }
        let event = find(conn, item_id, event_id)?.ok_or(diesel::result::Error::NotFound)?;
        let kind = item_kind(conn, item_id)?;
        current_status::refresh(conn, item_id)?;
        search::refresh(conn, item_id)?;
        let version = item_version(conn, item_id)?;
        let change = FieldChange {
            field: "event.retracted".to_owned(),
            old: Some(format!("{} {}", event.date().iso(), event.status)),
            new: Some(format!("retracted: {reason}")),
        };
        revisions::record(
            conn,
            item_id,
            by,
            version,
            RevisionAction::EventRetraction,
            &[change],
            now,
        )?;
        changes::announce(
            conn,
            item_id,
            by,
            &ChangePayload::EventRetracted {
                event_id: event_id.into(),
                date_human: event.date().human(),
                status_label: Status::label_of(kind, &event.status),
                reason: reason.to_owned(),
            },
            now,
        )?;
        Ok(true)
    })
}

pub fn for_item(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<EventRow>, DbError> {
    Ok(status_events::table
        .filter(status_events::item_id.eq(item_id))
        .order((status_events::event_date.asc(), status_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?)
}

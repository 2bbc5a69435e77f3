//! Status events, and the one place an item's current status is derived.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::changes::{self, ChangePayload, EventSnapshot};
use super::revisions::{self, FieldChange, RevisionAction};
use super::{search, subscriptions, DbConnection, DbError};
use crate::domain::{
    Confidence, DatePrecision, EventDate, ItemId, Kind, Phase, SourceUrl, Status, UserId,
};
use crate::schema::{items, status_events};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = status_events)]
pub struct EventRow {
    pub id: i32,
    pub item_id: i32,
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
    pub created_by: Option<i32>,
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
struct EventColumns<'a> {
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
fn insert(
    conn: &mut DbConnection,
    item_id: i32,
    event: &NewEvent,
    user_id: Option<i32>,
    at: NaiveDateTime,
) -> Result<i32, DbError> {
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
    item_id: i32,
    event_id: i32,
    event: &NewEvent,
    user_id: Option<i32>,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let change = changes::record(
        conn,
        ItemId(item_id),
        user_id.map(UserId),
        &ChangePayload::EventRecorded {
            event: EventSnapshot::of(event_id, event),
        },
        at,
    )?;
    subscriptions::fan_out(conn, change, ItemId(item_id), at)?;
    Ok(())
}

/// Records a status event on an item: the event, the item's derived status,
/// its search document, the change and a revision, in one transaction.
pub fn record(
    conn: &mut DbConnection,
    item_id: i32,
    event: &NewEvent,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    conn.transaction(|conn| {
        let id = insert(conn, item_id, event, user_id, now)?;
        refresh_status(conn, item_id)?;
        search::refresh(conn, item_id)?;
        record_change(conn, item_id, id, event, user_id, now)?;
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
/// records each as a change and a revision.
pub fn insert_many(
    conn: &mut DbConnection,
    item_id: i32,
    events: &[NewEvent],
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let ids = events
        .iter()
        .map(|event| insert(conn, item_id, event, user_id, now))
        .collect::<Result<Vec<_>, _>>()?;
    refresh_status(conn, item_id)?;
    search::refresh(conn, item_id)?;
    let version = item_version(conn, item_id)?;
    for (id, event) in ids.into_iter().zip(events) {
        record_change(conn, item_id, id, event, user_id, now)?;
        revisions::record(
            conn,
            item_id,
            user_id,
            version,
            RevisionAction::Event,
            &event.describe(),
            now,
        )?;
    }
    Ok(())
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
            None,
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
fn item_version(conn: &mut DbConnection, item_id: i32) -> Result<i32, DbError> {
    Ok(items::table
        .find(item_id)
        .select(items::version)
        .first(conn)?)
}

fn item_kind(conn: &mut DbConnection, item_id: i32) -> Result<Kind, DbError> {
    Ok(items::table.find(item_id).select(items::kind).first(conn)?)
}

pub fn find(
    conn: &mut DbConnection,
    item_id: i32,
    event_id: i32,
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

/// Corrects a standing event in place; the old values stay in the revision.
/// Returns the field changes (empty: nothing differed, nothing written), or
/// `None` when the item has no such event.
pub fn correct(
    conn: &mut DbConnection,
    item_id: i32,
    event_id: i32,
    event: &NewEvent,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<Option<Vec<FieldChange>>, DbError> {
    conn.transaction(|conn| {
        // A write first, so SQLite takes its write lock before any read.
        let touched = diesel::update(
            status_events::table
                .filter(status_events::id.eq(event_id))
                .filter(status_events::item_id.eq(item_id)),
        )
        .set(status_events::updated_at.eq(now))
        .execute(conn)?;
        let Some(old) = (touched > 0)
            .then(|| find(conn, item_id, event_id))
            .transpose()?
            .flatten()
        else {
            return Ok(None);
        };
        let changes = revisions::diff(&old.values(), &event.values());
        if changes.is_empty() {
            return Ok(Some(changes));
        }
        diesel::update(status_events::table.find(event_id))
            .set((
                EventColumns::from(event),
                status_events::edited
                    .eq(status_events::edited.or(user_id.is_some().into_sql::<Bool>())),
            ))
            .execute(conn)?;
        refresh_status(conn, item_id)?;
        search::refresh(conn, item_id)?;
        let version = item_version(conn, item_id)?;
        revisions::record(
            conn,
            item_id,
            user_id,
            version,
            RevisionAction::EventCorrection,
            &changes,
            now,
        )?;
        let change = changes::record(
            conn,
            ItemId(item_id),
            user_id.map(UserId),
            &ChangePayload::EventCorrected {
                event: EventSnapshot::of(event_id, event),
                changes: changes.clone(),
            },
            now,
        )?;
        subscriptions::fan_out(conn, change, ItemId(item_id), now)?;
        Ok(Some(changes))
    })
}

/// Retracts an event: it stays in the history, marked, and no longer counts
/// toward the item's status. Returns false if there is no such standing event.
pub fn retract(
    conn: &mut DbConnection,
    item_id: i32,
    event_id: i32,
    reason: &str,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
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
        refresh_status(conn, item_id)?;
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
            user_id,
            version,
            RevisionAction::EventRetraction,
            &[change],
            now,
        )?;
        let change = changes::record(
            conn,
            ItemId(item_id),
            user_id.map(UserId),
            &ChangePayload::EventRetracted {
                event_id,
                date_human: event.date().human(),
                status_label: Status::label_of(kind, &event.status),
                reason: reason.to_owned(),
            },
            now,
        )?;
        subscriptions::fan_out(conn, change, ItemId(item_id), now)?;
        Ok(true)
    })
}

/// Derives an item's current status, phase and last event date (with its
/// precision) from its events: the latest standing event that moves the
/// status decides the status; developments and retracted events never do.
/// This is the only place these fields are written.
///
/// "Latest" orders dates by their period: the first day, then, on the same
/// first day, a day after a month and a month after a year ("June 2025" is
/// before 1 June 2025, which is the finer date and so the later-known one).
pub fn refresh_status(conn: &mut DbConnection, item_id: i32) -> Result<(), DbError> {
    let standing = status_events::table
        .filter(status_events::item_id.eq(item_id))
        .filter(status_events::retracted.eq(false));
    // 'day' < 'month' < 'year' as text, so ascending puts the finer first.
    let latest_first = (
        status_events::event_date.desc(),
        status_events::date_precision.asc(),
        status_events::id.desc(),
    );
    let current: Option<(String, Option<String>)> = standing
        .filter(status_events::moves_status.eq(true))
        .order(latest_first)
        .select((status_events::status, status_events::phase))
        .first(conn)
        .optional()?;
    let last: Option<(NaiveDate, String)> = standing
        .order(latest_first)
        .select((status_events::event_date, status_events::date_precision))
        .first(conn)
        .optional()?;
    let (status, phase) = match current {
        Some((s, p)) => (Some(s), p),
        None => (None, None),
    };
    let (last_date, last_precision) = last.unzip();
    diesel::update(items::table.find(item_id))
        .set((
            items::current_status.eq(status),
            items::current_phase.eq(phase),
            items::last_event_date.eq(last_date),
            items::last_event_precision.eq(last_precision),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn for_item(conn: &mut DbConnection, item_id: i32) -> Result<Vec<EventRow>, DbError> {
    Ok(status_events::table
        .filter(status_events::item_id.eq(item_id))
        .order((status_events::event_date.asc(), status_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The status label of a stored event of an item of `kind`.
pub fn status_label(kind: Kind, status: &str) -> String {
    Status::label_of(kind, status)
}

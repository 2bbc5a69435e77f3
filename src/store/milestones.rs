//! Milestones: adding, correcting and removing an item's dated points
//! ahead, each with its revision and change. A removed milestone stays as
//! a cancelled row (calendars are told it is cancelled) and is hidden from
//! every other view; every edit raises its `sequence`. Moving a milestone
//! to another first day, or removing it, disarms its reminders. Milestones
//! never touch the item's status.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::author::Author;
use super::changes::{self, ChangePayload, MilestoneSnapshot};
use super::corrections::Correction;
use super::events::item_version;
use super::revisions::{self, FieldChange, RevisionAction};
use super::{reminders, DbConnection, DbError};
use crate::db::write_transaction;
use crate::domain::{
    Confidence, DatePrecision, EventDate, ItemId, MilestoneId, MilestoneKind, SourceUrl, UserId,
};
use crate::schema::milestones;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = milestones)]
pub struct MilestoneRow {
    pub id: MilestoneId,
    pub item_id: ItemId,
    pub kind: MilestoneKind,
    pub milestone_date: NaiveDate,
    pub date_precision: DatePrecision,
    pub note: String,
    pub source_url: String,
    pub confidence: Confidence,
    /// Removed by an editor: only calendars still show it, as cancelled.
    pub cancelled: bool,
    /// Raised on every edit, for calendars.
    pub sequence: i32,
    /// Who added it; `None` for the starter data.
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Whether an editor has corrected or removed it.
    pub edited: bool,
}

impl MilestoneRow {
    pub fn date(&self) -> EventDate {
        EventDate::from_parts(self.milestone_date, self.date_precision)
    }

    /// The milestone's fields as (name, text) pairs, as revisions compare them.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        values(
            self.kind,
            &self.date(),
            &self.note,
            &self.source_url,
            self.confidence,
        )
    }

    /// As it stands now, for change records.
    pub fn as_new(&self) -> Option<NewMilestone> {
        Some(NewMilestone {
            kind: self.kind,
            date: self.date(),
            note: self.note.clone(),
            source: SourceUrl::try_from(self.source_url.as_str()).ok()?,
            confidence: self.confidence,
        })
    }
}

fn values(
    kind: MilestoneKind,
    date: &EventDate,
    note: &str,
    source: &str,
    confidence: Confidence,
) -> Vec<(&'static str, String)> {
    vec![
        ("milestone.kind", kind.as_str().to_owned()),
        ("milestone.date", date.iso()),
        ("milestone.note", note.to_owned()),
        ("milestone.source", source.to_owned()),
        ("milestone.confidence", confidence.as_str().to_owned()),
    ]
}

/// A milestone ready to store: every part already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMilestone {
    pub kind: MilestoneKind,
    pub date: EventDate,
    /// How a computed date was computed, or what the date means.
    pub note: String,
    pub source: SourceUrl,
    pub confidence: Confidence,
}

impl NewMilestone {
    pub fn values(&self) -> Vec<(&'static str, String)> {
        values(
            self.kind,
            &self.date,
            &self.note,
            self.source.as_str(),
            self.confidence,
        )
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = milestones)]
struct MilestoneColumns<'a> {
    kind: &'static str,
    milestone_date: NaiveDate,
    date_precision: &'static str,
    note: &'a str,
    source_url: &'a str,
    confidence: &'static str,
}

impl<'a> From<&'a NewMilestone> for MilestoneColumns<'a> {
    fn from(m: &'a NewMilestone) -> Self {
        MilestoneColumns {
            kind: m.kind.as_str(),
            milestone_date: m.date.start(),
            date_precision: m.date.precision().as_str(),
            note: &m.note,
            source_url: m.source.as_str(),
            confidence: m.confidence.as_str(),
        }
    }
}

fn record_added(
    conn: &mut DbConnection,
    item_id: ItemId,
    id: MilestoneId,
    milestone: &NewMilestone,
    by: Author,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let version = item_version(conn, item_id)?;
    revisions::record(
        conn,
        item_id,
        by,
        version,
        RevisionAction::Milestone,
        &revisions::diff(&[], &milestone.values()),
        now,
    )?;
    announce(
        conn,
        item_id,
        by,
        &ChangePayload::MilestoneAdded {
            milestone: MilestoneSnapshot::of(id.into(), milestone),
        },
        now,
    )
}

/// Records the change and queues its alerts.
fn announce(
    conn: &mut DbConnection,
    item_id: ItemId,
    by: Author,
    payload: &ChangePayload,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    changes::announce(conn, item_id, by, payload, now)?;
    Ok(())
}

/// Adds a milestone to an item, with its revision and change, in one
/// transaction.
pub fn add(
    conn: &mut DbConnection,
    item_id: ItemId,
    milestone: &NewMilestone,
    by: impl Into<Author>,
    now: NaiveDateTime,
) -> Result<MilestoneId, DbError> {
    let by: Author = by.into();
    let user_id = by.user;
    write_transaction(conn, |conn| {
        let id = diesel::insert_into(milestones::table)
            .values((
                MilestoneColumns::from(milestone),
                milestones::item_id.eq(item_id),
                milestones::created_by.eq(user_id),
                milestones::created_at.eq(now),
                milestones::updated_at.eq(now),
            ))
            .returning(milestones::id)
            .get_result(conn)?;
        record_added(conn, item_id, id, milestone, by, now)?;
        Ok(id)
    })
}

/// The item's milestone, unless it was removed.
pub fn find(
    conn: &mut DbConnection,
    item_id: ItemId,
    id: MilestoneId,
) -> Result<Option<MilestoneRow>, DbError> {
    Ok(milestones::table
        .filter(milestones::id.eq(id))
        .filter(milestones::item_id.eq(item_id))
        .filter(milestones::cancelled.eq(false))
        .select(MilestoneRow::as_select())
        .first(conn)
        .optional()?)
}

/// Corrects a standing milestone in place; the old values stay in the
/// revision. Returns the field changes (empty: nothing differed, nothing
/// written), or `None` when the item has no such milestone.
pub fn correct(
    conn: &mut DbConnection,
    item_id: ItemId,
    id: MilestoneId,
    milestone: &NewMilestone,
    by: impl Into<Author>,
    now: NaiveDateTime,
    minor: bool,
) -> Result<Option<Vec<FieldChange>>, DbError> {
    let by: Author = by.into();
    let user_id = by.user;
    write_transaction(conn, |conn| {
        let Some(old) = find(conn, item_id, id)? else {
            return Ok(None);
        };
        let changes = revisions::diff(&old.values(), &milestone.values());
        if changes.is_empty() {
            return Ok(Some(changes));
        }
        diesel::update(milestones::table.find(id))
            .set((
                MilestoneColumns::from(milestone),
                milestones::sequence.eq(milestones::sequence + 1),
                milestones::updated_at.eq(now),
                milestones::edited.eq(milestones::edited.or(user_id.is_some().into_sql::<Bool>())),
            ))
            .execute(conn)?;
        // A new first day re-arms its reminders; those of the old one go.
        reminders::disarm(conn, id, Some(milestone.date.start()))?;
        let correction = Correction {
            item_id,
            by,
            now,
            minor,
            changes: &changes,
        };
        correction.record(
            conn,
            RevisionAction::MilestoneCorrection,
            RevisionAction::MinorMilestoneCorrection,
            &ChangePayload::MilestoneCorrected {
                milestone: MilestoneSnapshot::of(id.into(), milestone),
                changes: changes.clone(),
                minor,
            },
        )?;
        Ok(Some(changes))
    })
}

/// Removes a milestone: it is kept as cancelled (calendars drop it), with
/// a revision and a change saying why. Returns false if there is no such
/// standing milestone.
pub fn remove(
    conn: &mut DbConnection,
    item_id: ItemId,
    id: MilestoneId,
    reason: &str,
    by: impl Into<Author>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let by: Author = by.into();
    let user_id = by.user;
    write_transaction(conn, |conn| {
        let Some(old) = find(conn, item_id, id)? else {
            return Ok(false);
        };
        let snapshot = old.as_new().ok_or_else(|| {
            DbError::from(diesel::result::Error::DeserializationError(
                format!("milestone {id} has a source regwatch refuses").into(),
            ))
        })?;
        diesel::update(milestones::table.find(id))
            .set((
                milestones::cancelled.eq(true),
                milestones::sequence.eq(milestones::sequence + 1),
                milestones::updated_at.eq(now),
                milestones::edited.eq(milestones::edited.or(user_id.is_some().into_sql::<Bool>())),
            ))
            .execute(conn)?;
        reminders::disarm(conn, id, None)?;
        let version = item_version(conn, item_id)?;
        let change = FieldChange {
            field: "milestone.removed".to_owned(),
            old: Some(format!("{} {}", old.date().iso(), old.kind.label())),
            new: Some(format!("removed: {reason}")),
        };
        revisions::record(
            conn,
            item_id,
            by,
            version,
            RevisionAction::MilestoneRemoval,
            &[change],
            now,
        )?;
        announce(
            conn,
            item_id,
            by,
            &ChangePayload::MilestoneRemoved {
                milestone: MilestoneSnapshot::of(id.into(), &snapshot),
                reason: reason.to_owned(),
            },
            now,
        )?;
        Ok(true)
    })
}

/// The item's standing milestones, by date.
pub fn for_item(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<MilestoneRow>, DbError> {
    Ok(milestones::table
        .filter(milestones::item_id.eq(item_id))
        .filter(milestones::cancelled.eq(false))
        .order((milestones::milestone_date.asc(), milestones::id.asc()))
        .select(MilestoneRow::as_select())
        .load(conn)?)
}

/// All of the item's milestones, removed ones included, in the order they
/// were added.
pub fn all_for_item(
    conn: &mut DbConnection,
    item_id: ItemId,
) -> Result<Vec<MilestoneRow>, DbError> {
    Ok(milestones::table
        .filter(milestones::item_id.eq(item_id))
        .order(milestones::id.asc())
        .select(MilestoneRow::as_select())
        .load(conn)?)
}

//! Correcting a standing status event in place: the old values stay in
//! the revision; the change is alerted, or, for a minor correction, only
//! told in digests.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::author::Author;
use super::changes::{ChangePayload, EventSnapshot};
use super::corrections::Correction;
use super::events::{find, EventColumns, NewEvent};
use super::revisions::{self, FieldChange, RevisionAction};
use super::{current_status, search, DbConnection, DbError};
use crate::db::write_transaction;
use crate::domain::{EventId, ItemId};
use crate::schema::status_events;

/// Corrects a standing event in place; the old values stay in the revision.
/// A minor correction (a typo, a better source link) is revised, recorded
/// and shown in the history like any other, marked minor, but sends no
/// immediate alert: only digests tell it.
/// Returns the field changes (empty: nothing differed, nothing written), or
/// `None` when the item has no such event.
pub fn correct(
    conn: &mut DbConnection,
    item_id: ItemId,
    event_id: EventId,
    event: &NewEvent,
    by: impl Into<Author>,
    now: NaiveDateTime,
    minor: bool,
) -> Result<Option<Vec<FieldChange>>, DbError> {
    let by = by.into();
    let user_id = by.user;
    write_transaction(conn, |conn| {
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
        current_status::refresh(conn, item_id)?;
        search::refresh(conn, item_id)?;
        let correction = Correction {
            item_id,
            by,
            now,
            minor,
            changes: &changes,
        };
        correction.record(
            conn,
            RevisionAction::EventCorrection,
            RevisionAction::MinorEventCorrection,
            &ChangePayload::EventCorrected {
                event: EventSnapshot::of(event_id.into(), event),
                changes: changes.clone(),
                minor,
            },
        )?;
        Ok(Some(changes))
    })
}

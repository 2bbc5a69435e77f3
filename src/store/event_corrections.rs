//! Correcting a standing status event in place: the old values stay in
//! the revision; the change is alerted, or, for a minor correction, only
//! told in digests.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::changes::{self, ChangePayload, EventSnapshot};
use super::events::{find, item_version, EventColumns, NewEvent};
use super::revisions::{self, FieldChange, RevisionAction};
use super::subscriptions::{self, Alerting};
use super::{current_status, search, DbConnection, DbError};
use crate::db::write_transaction;
use crate::domain::{EventId, ItemId, UserId};
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
    user_id: Option<UserId>,
    now: NaiveDateTime,
    minor: bool,
) -> Result<Option<Vec<FieldChange>>, DbError> {
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
        let version = item_version(conn, item_id)?;
        revisions::record(
            conn,
            item_id,
            user_id,
            version,
            if minor {
                RevisionAction::MinorEventCorrection
            } else {
                RevisionAction::EventCorrection
            },
            &changes,
            now,
        )?;
        let change = changes::record(
            conn,
            item_id,
            user_id,
            &ChangePayload::EventCorrected {
                event: EventSnapshot::of(event_id.into(), event),
                changes: changes.clone(),
                minor,
            },
            now,
        )?;
        let alerting = if minor {
            Alerting::DigestOnly
        } else {
            Alerting::Immediate
        };
        subscriptions::fan_out_as(conn, change, item_id, now, alerting)?;
        Ok(Some(changes))
    })
}

//! What correcting one of an item's dated records in place (a status
//! event, a milestone) writes after the record itself: the item's revision,
//! marked minor or not, and the change, alerted at once or, when minor,
//! told only in digests.

use chrono::NaiveDateTime;

use super::author::Author;
use super::changes::{self, ChangePayload};
use super::events::item_version;
use super::revisions::{self, FieldChange, RevisionAction};
use super::subscriptions::Alerting;
use super::{DbConnection, DbError};
use crate::domain::ItemId;

/// A correction that changed `changes` of one of the item's records.
pub(super) struct Correction<'a> {
    pub item_id: ItemId,
    pub by: Author,
    pub now: NaiveDateTime,
    /// A typo or a better source link: revised and recorded like any
    /// other, but only digests tell it.
    pub minor: bool,
    pub changes: &'a [FieldChange],
}

impl Correction<'_> {
    /// Records the revision (as `action`, or `minor_action` when minor) and
    /// announces `payload`. Call it last in the correction's transaction,
    /// once the item's derived values are written: alerts are matched
    /// against them.
    pub(super) fn record(
        &self,
        conn: &mut DbConnection,
        action: RevisionAction,
        minor_action: RevisionAction,
        payload: &ChangePayload,
    ) -> Result<(), DbError> {
        let version = item_version(conn, self.item_id)?;
        let action = if self.minor { minor_action } else { action };
        revisions::record(
            conn,
            self.item_id,
            self.by,
            version,
            action,
            self.changes,
            self.now,
        )?;
        let alerting = Alerting::of(self.minor);
        changes::announce_as(conn, self.item_id, self.by, payload, self.now, alerting)?;
        Ok(())
    }
}

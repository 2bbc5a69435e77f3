//! The fan-out of a change: what it owes each confirmed subscription whose
//! scope the changed item is in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::matching::matching;
use crate::db::{DbConnection, DbError};
use crate::domain::{ChangeId, Frequency, ItemId};
use crate::schema::digest_entries;
use crate::store::deliveries;

/// Queues what one change owes: an alert delivery for every matching
/// confirmed immediate subscription, a digest entry for every matching
/// confirmed digest subscription. Call it right after recording the change,
/// in its transaction, after the item's fields, tags, derived status and
/// search document are written (every writer records its change last), so
/// saved filters are matched against the item as it is after the change.
/// Returns how many subscriptions it queued for.
pub fn fan_out(
    conn: &mut DbConnection,
    change_id: ChangeId,
    item_id: ItemId,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    fan_out_as(conn, change_id, item_id, now, Alerting::Immediate)
}

/// Whether a change is worth an immediate alert. A minor correction (a
/// typo, a better source link) is only told in digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alerting {
    /// Immediate subscriptions get an alert, digests an entry.
    Immediate,
    /// Digests only: immediate subscriptions are not alerted.
    DigestOnly,
}

impl Alerting {
    /// A minor correction's alerting: digests only.
    pub fn of(minor: bool) -> Alerting {
        if minor {
            Alerting::DigestOnly
        } else {
            Alerting::Immediate
        }
    }
}

/// [`fan_out`], for a change that may be minor.
pub fn fan_out_as(
    conn: &mut DbConnection,
    change_id: ChangeId,
    item_id: ItemId,
    now: NaiveDateTime,
    alerting: Alerting,
) -> Result<usize, DbError> {
    let mut queued = 0;
    for s in matching(conn, item_id)? {
        match s.frequency {
            Frequency::Immediate if alerting == Alerting::DigestOnly => continue,
            Frequency::Immediate => {
                deliveries::enqueue_alert(conn, s.id, change_id, now)?;
            }
            Frequency::Daily | Frequency::Weekly => {
                diesel::insert_into(digest_entries::table)
                    .values((
                        digest_entries::subscription_id.eq(s.id),
                        digest_entries::change_id.eq(change_id),
                    ))
                    .execute(conn)?;
            }
        }
        queued += 1;
    }
    Ok(queued)
}

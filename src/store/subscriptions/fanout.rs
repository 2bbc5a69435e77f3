//! The fan-out of a change: what it owes each confirmed subscription whose
//! scope the changed item is in.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::matching::matching;
use crate::db::{DbConnection, DbError};
use crate::domain::{ChangeId, Frequency, ItemId};
use crate::schema::{digest_entries, subscriptions};
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
    let (immediate, digests): (Vec<_>, Vec<_>) = matching(conn, item_id)?
        .into_iter()
        .partition(|s| s.frequency == Frequency::Immediate);
    let mut queued = 0;
    if alerting == Alerting::Immediate {
        let ids: Vec<_> = immediate.iter().map(|s| s.id).collect();
        queued += deliveries::enqueue_alerts(conn, &ids, change_id, now)?;
    }
    let ids: Vec<_> = digests.iter().map(|s| s.id).collect();
    for chunk in ids.chunks(deliveries::IN_LIST_CHUNK) {
        let rows = subscriptions::table
            .filter(subscriptions::id.eq_any(chunk))
            .select((subscriptions::id, change_id.into_sql::<Integer>()));
        queued += diesel::insert_into(digest_entries::table)
            .values(rows)
            .into_columns((digest_entries::subscription_id, digest_entries::change_id))
            .execute(conn)?;
    }
    Ok(queued)
}

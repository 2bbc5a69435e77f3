//! The one place an item's current status, phase and last event date are
//! written: derived from its standing events whenever they change.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{DbConnection, DbError};
use crate::domain::ItemId;
use crate::schema::{items, status_events};

/// Derives an item's current status, phase and last event date (with its
/// precision) from its events: the latest standing event that moves the
/// status decides the status; developments and retracted events never do.
/// This is the only place these fields are written.
///
/// "Latest" orders dates by their period: the first day, then, on the same
/// first day, a day after a month and a month after a year ("June 2025" is
/// before 1 June 2025, which is the finer date and so the later-known one).
pub fn refresh(conn: &mut DbConnection, item_id: ItemId) -> Result<(), DbError> {
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

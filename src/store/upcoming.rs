//! Milestones across items, soonest first: `/upcoming`, the "Coming up"
//! box on `/`, and the calendar feeds. Narrowed by the same item filter as
//! the timeline (kind, jurisdiction, tag, phase, text).

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::milestones::MilestoneRow;
use super::timeline::{filter_items, ItemBrief};
use super::{search, DbConnection, DbError};
use crate::db::Db;
use crate::domain::{Countdown, Filter, ItemId};
use crate::schema::{item_tags, items, milestones, tags};

/// Standing milestones still ahead on `today` (a month or year under way
/// included) that match `filter` and overlap its date range, soonest
/// first, at most `limit`.
pub fn upcoming(
    conn: &mut DbConnection,
    filter: &Filter,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<(MilestoneRow, ItemBrief)>, DbError> {
    let backend = conn.backend();
    // A year-precision milestone is stored as its year's first day.
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let mut query = milestones::table
        .inner_join(items::table)
        .filter(milestones::cancelled.eq(false))
        .filter(milestones::milestone_date.ge(year_start))
        .select((MilestoneRow::as_select(), ItemBrief::as_select()))
        .into_boxed::<Db>();
    filter_items!(query, filter, backend);
    if let Some(p) = filter.phase {
        query = query.filter(items::current_phase.eq(p.as_str()));
    }
    if let Some(to) = filter.to {
        query = query.filter(milestones::milestone_date.le(to));
    }
    let rows: Vec<(MilestoneRow, ItemBrief)> = query
        .order((milestones::milestone_date.asc(), milestones::id.asc()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(m, _)| {
            let date = m.date();
            Countdown::of(&date, today).is_ahead() && filter.from.is_none_or(|f| date.end() >= f)
        })
        .take(limit)
        .collect())
}

/// Every milestone that matches `filter` (of one item, if given): past,
/// ahead and cancelled (a calendar must learn of a cancellation), by date.
pub fn for_calendar(
    conn: &mut DbConnection,
    filter: &Filter,
    item: Option<ItemId>,
) -> Result<Vec<(MilestoneRow, ItemBrief)>, DbError> {
    let backend = conn.backend();
    let mut query = milestones::table
        .inner_join(items::table)
        .select((MilestoneRow::as_select(), ItemBrief::as_select()))
        .into_boxed::<Db>();
    filter_items!(query, filter, backend);
    if let Some(p) = filter.phase {
        query = query.filter(items::current_phase.eq(p.as_str()));
    }
    if let Some(id) = item {
        query = query.filter(milestones::item_id.eq(id));
    }
    Ok(query
        .order((milestones::milestone_date.asc(), milestones::id.asc()))
        .load(conn)?)
}

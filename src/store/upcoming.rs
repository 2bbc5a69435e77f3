//! Milestones across items, soonest first: `/upcoming`, the "Coming up"
//! box on `/`, and the calendar feeds. Narrowed by the same item filter as
//! the timeline (kind, jurisdiction, tag, phase, text).

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::event_timeline::enough_to_walk;
use super::milestones::MilestoneRow;
use super::timeline::{filter_items, ItemBrief};
use super::{search, DbConnection, DbError};
use crate::db::{Backend, Db};
use crate::domain::{Countdown, Filter, ItemId};
use crate::schema::{item_tags, items, milestones, tags};
use diesel::dsl::sql;
use diesel::sql_types::{Date, Integer};

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
    // Read a page at a time, soonest first, until `limit` are kept: the
    // few a box shows cost a few rows, not every milestone ahead.
    let chunk = limit.saturating_mul(4).clamp(50, 2000);
    let walk = walk_wins(conn, filter, chunk as i64)?;
    let mut kept = Vec::new();
    let mut offset = 0;
    loop {
        let mut query = milestones::table
            .inner_join(items::table)
            .filter(milestones::cancelled.eq(false))
            .filter(milestones::milestone_date.ge(year_start))
            .select((MilestoneRow::as_select(), ItemBrief::as_select()))
            .into_boxed::<Db>();
        if walk {
            // The same conditions, written so SQLite walks the milestones
            // soonest first and checks each one's item.
            let by_item = Filter {
                tag: None,
                q: None,
                ..filter.clone()
            };
            filter_items!(query, by_item, backend);
            if let Some(t) = &filter.tag {
                query = query.filter(
                    sql::<Integer>("+items.id").eq_any(
                        item_tags::table
                            .inner_join(tags::table)
                            .filter(tags::name.eq(t.as_str().to_owned()))
                            .select(item_tags::item_id),
                    ),
                );
            }
            if let Some(q) = &filter.q {
                query = query.filter(search::matches_item_unindexed(q, backend));
            }
        } else {
            filter_items!(query, filter, backend);
        }
        if let Some(p) = filter.phase {
            query = query.filter(items::current_phase.eq(p.as_str()));
        }
        if let Some(to) = filter.to {
            query = query.filter(milestones::milestone_date.le(to));
        }
        query = if !walk
            && backend == Backend::Postgres
            && (filter.tag.is_some() || filter.q.is_some())
        {
            // Few items match: ordering by a value no index holds keeps
            // PostgreSQL from walking every milestone to meet them.
            query.order((
                sql::<Date>("milestones.milestone_date + 0").asc(),
                milestones::id.asc(),
            ))
        } else {
            query.order((milestones::milestone_date.asc(), milestones::id.asc()))
        };
        let rows: Vec<(MilestoneRow, ItemBrief)> =
            query.limit(chunk as i64).offset(offset as i64).load(conn)?;
        let fetched = rows.len();
        kept.extend(rows.into_iter().filter(|(m, _)| {
            let date = m.date();
            Countdown::of(&date, today).is_ahead() && filter.from.is_none_or(|f| date.end() >= f)
        }));
        if kept.len() >= limit || fetched < chunk {
            kept.truncate(limit);
            return Ok(kept);
        }
        offset += chunk;
    }
}

/// Whether the milestones matching the filter's tag and text are best
/// found by walking all milestones soonest first (many items match) or
/// by reading those of the matching items and sorting (few match).
fn walk_wins(conn: &mut DbConnection, filter: &Filter, needed: i64) -> Result<bool, DbError> {
    if filter.tag.is_none() && filter.q.is_none() {
        return Ok(false);
    }
    let total: Option<i32> = milestones::table
        .select(diesel::dsl::max(milestones::id))
        .first(conn)?;
    let enough = enough_to_walk(conn, needed, total)?;
    let mut matching = enough;
    if let Some(t) = &filter.tag {
        let tagged: Vec<ItemId> = item_tags::table
            .inner_join(tags::table)
            .filter(tags::name.eq(t.as_str().to_owned()))
            .select(item_tags::item_id)
            .limit(enough)
            .load(conn)?;
        matching = matching.min(tagged.len() as i64);
    }
    if let Some(q) = &filter.q {
        matching = matching.min(search::count_matches_up_to(conn, q, enough)?);
    }
    Ok(matching >= enough)
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

//! Milestones across items, soonest first: `/upcoming`, the "Coming up"
//! box on `/`, and the calendar feeds. Narrowed by the same item filter as
//! the timeline (kind, jurisdiction, tag, phase, text).

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::event_timeline::{enough_to_walk, TextPlan};
use super::milestones::MilestoneRow;
use super::search::{Found, TextCondition};
use super::timeline::{filter_items, ItemBrief};
use super::{item_lists, search, DbConnection, DbError};
use crate::db::{Backend, Db};
use crate::domain::{Countdown, Filter, ItemId, TagId};
use crate::schema::{item_tags, items, milestones, tags};
use diesel::dsl::sql;
use diesel::sql_types::Date;

/// Narrows a milestones query to `filter`'s kind and jurisdiction by the
/// milestone's copies of its item's (`milestones_kind_idx` and
/// `milestones_jurisdiction_idx`, in date order).
macro_rules! filter_facets {
    ($query:ident, $filter:expr) => {
        if let Some(k) = $filter.kind {
            $query = $query.filter(milestones::item_kind.eq(k.as_str()));
        }
        if let Some(j) = &$filter.jurisdiction {
            $query = $query.filter(milestones::item_jurisdiction.eq(j.as_str().to_owned()));
        }
    };
}

/// Standing milestones still ahead on `today` (a month or year under way
/// included) that match `filter` and overlap its date range, soonest
/// first, at most `limit`.
pub fn upcoming(
    conn: &mut DbConnection,
    filter: &Filter,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<(MilestoneRow, ItemBrief)>, DbError> {
    upcoming_found(conn, filter, today, limit, &mut Found::default())
}

/// [`upcoming`], sharing the search's matches with the page's other
/// queries.
pub fn upcoming_found(
    conn: &mut DbConnection,
    filter: &Filter,
    today: NaiveDate,
    limit: usize,
    found: &mut Found,
) -> Result<Vec<(MilestoneRow, ItemBrief)>, DbError> {
    upcoming_rows(conn, filter, today, limit, TextPlan::Auto, found)
}

/// [`upcoming`] with the plan for a tag or text filter chosen by the
/// caller: walk the milestones soonest first checking each one's item, or
/// read those of the matching items and sort.
pub fn upcoming_planned(
    conn: &mut DbConnection,
    filter: &Filter,
    today: NaiveDate,
    limit: usize,
    plan: TextPlan,
) -> Result<Vec<(MilestoneRow, ItemBrief)>, DbError> {
    upcoming_rows(conn, filter, today, limit, plan, &mut Found::default())
}

fn upcoming_rows(
    conn: &mut DbConnection,
    filter: &Filter,
    today: NaiveDate,
    limit: usize,
    plan: TextPlan,
    found: &mut Found,
) -> Result<Vec<(MilestoneRow, ItemBrief)>, DbError> {
    let backend = conn.backend();
    // The tag's id, looked up first: with the id itself in the query,
    // PostgreSQL knows how many items carry it (100 or 30,000) and plans
    // for that.
    let tag = match &filter.tag {
        None => None,
        Some(t) => match item_lists::tag_id(conn, t.as_str())? {
            Some(id) => Some(id),
            // A tag no item has ever carried matches nothing.
            None => return Ok(Vec::new()),
        },
    };
    // A year-precision milestone is stored as its year's first day.
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    // Read a page at a time, soonest first, until `limit` are kept: the
    // few a box shows cost a few rows, not every milestone ahead.
    let chunk = limit.saturating_mul(4).clamp(50, 2000);
    let walk = match plan {
        _ if tag.is_none() && filter.q.is_none() => false,
        TextPlan::Walk => true,
        TextPlan::Collect => false,
        TextPlan::Auto => walk_wins(conn, filter, tag, chunk as i64, found)?,
    };
    // How the text narrows: on SQLite a walk checks its rows against the
    // matches read once; otherwise the query does.
    let checked = filter
        .q
        .as_ref()
        .filter(|_| walk && Found::checks_walks(backend));
    let text = match &filter.q {
        None => None,
        Some(_) if checked.is_some() => None,
        Some(q) if walk => Some(TextCondition::Unindexed(q)),
        Some(q) => Some(match found.listed(conn, q)? {
            Some(ids) => TextCondition::Listed(ids),
            None => TextCondition::Search(q),
        }),
    };
    // Kind and jurisdiction are the milestone's own copies (indexed in date
    // order); tag and text are handled above.
    let by_item = Filter {
        kind: None,
        jurisdiction: None,
        tag: None,
        q: None,
        ..filter.clone()
    };
    // On PostgreSQL a phase is checked here, as the walk meets each
    // milestone's item: asked in the query, PostgreSQL joins every
    // milestone ahead with the phase's items (a scan of all 33,000) rather
    // than walk the date index until a rare phase turns up.
    let phase_here = filter.phase.filter(|_| {
        backend == Backend::Postgres && (walk || (tag.is_none() && filter.q.is_none()))
    });
    let mut chunk = chunk;
    let mut kept = Vec::new();
    let mut offset = 0;
    loop {
        let mut query = milestones::table
            .inner_join(items::table)
            .filter(milestones::cancelled.eq(false))
            .filter(milestones::milestone_date.ge(year_start))
            .select((
                MilestoneRow::as_select(),
                ItemBrief::as_select(),
                items::current_phase,
            ))
            .into_boxed::<Db>();
        filter_items!(query, by_item, backend);
        filter_facets!(query, filter);
        if let Some(id) = tag {
            // Walking, each milestone's item is checked as the walk meets it.
            item_lists::filter_tagged!(query, id, walk);
        }
        if let Some(text) = &text {
            query = query.filter(text.condition(backend));
        }
        if let Some(p) = filter.phase.filter(|_| phase_here.is_none()) {
            query = query.filter(items::current_phase.eq(p.as_str()));
        }
        if let Some(to) = filter.to {
            query = query.filter(milestones::milestone_date.le(to));
        }
        query = if !walk && backend == Backend::Postgres && (tag.is_some() || filter.q.is_some()) {
            // Few items match: ordering by a value no index holds keeps
            // PostgreSQL from walking every milestone to meet them.
            query.order((
                sql::<Date>("milestones.milestone_date + 0").asc(),
                milestones::id.asc(),
            ))
        } else {
            query.order((milestones::milestone_date.asc(), milestones::id.asc()))
        };
        let rows: Vec<(MilestoneRow, ItemBrief, Option<String>)> =
            query.limit(chunk as i64).offset(offset as i64).load(conn)?;
        let fetched = rows.len();
        let ids = match checked {
            Some(q) => Some(found.ids(conn, q)?),
            None => None,
        };
        kept.extend(
            rows.into_iter()
                .filter(|(m, item, phase)| {
                    let date = m.date();
                    Countdown::of(&date, today).is_ahead()
                        && filter.from.is_none_or(|f| date.end() >= f)
                        && ids.is_none_or(|ids| ids.binary_search(&item.id.0).is_ok())
                        && phase_here.is_none_or(|p| phase.as_deref() == Some(p.as_str()))
                })
                .map(|(m, item, _)| (m, item)),
        );
        if kept.len() >= limit || fetched < chunk {
            kept.truncate(limit);
            return Ok(kept);
        }
        offset += chunk;
        if phase_here.is_some() {
            // A rare phase: longer stretches, so the walk is not read
            // again and again from its start.
            chunk = chunk.saturating_mul(2).min(20_000);
        }
    }
}

/// Whether the milestones matching the filter's tag and text are best
/// found by walking all milestones soonest first (many items match) or
/// by reading those of the matching items and sorting (few match).
fn walk_wins(
    conn: &mut DbConnection,
    filter: &Filter,
    tag: Option<TagId>,
    needed: i64,
    found: &mut Found,
) -> Result<bool, DbError> {
    let total: Option<i32> = milestones::table
        .select(diesel::dsl::max(milestones::id))
        .first(conn)?;
    let enough = enough_to_walk(conn, needed, total)?;
    let mut matching = enough;
    if let Some(id) = tag {
        matching = matching.min(item_lists::count_tagged_up_to(conn, id, enough)?);
    }
    if let Some(q) = &filter.q {
        if matching >= enough {
            matching = matching.min(found.count_up_to(conn, q, enough)?);
        }
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
    let by_item = Filter {
        kind: None,
        jurisdiction: None,
        ..filter.clone()
    };
    filter_items!(query, by_item, backend);
    filter_facets!(query, filter);
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

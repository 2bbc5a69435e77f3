//! The timeline of standing status events, newest first, narrowed by a
//! filter; a page at a time (`/`, the feeds) or after a key (the API).
//!
//! Each filter is a range of an index in the timeline's own order
//! (event date, then id, both descending), so a page reads about as many
//! rows as it shows:
//! - kind and jurisdiction: the item's values carried on each event
//!   (`status_events_kind_idx`, `status_events_jurisdiction_idx`);
//! - phase: the event's own phase (`status_events_phase_idx`);
//! - tag: `event_tags`, one row per tag of each event's item;
//! - text: the matching items come from the search index. When they are
//!   many, the events are walked newest first and each one's item checked;
//!   when few, every event of those items is read and sorted. A count of
//!   the matches that stops at the point where walking wins decides. On
//!   SQLite the matches are read from the index once per request
//!   ([`Found`]) and the walk checks its rows against them.
//!
//! The triggers of migrations `event_item_facets` and `event_tags` keep
//! the carried values right, whoever writes.

use diesel::prelude::*;

use super::events::EventRow;
use super::search::{Found, TextCondition};
use super::timeline::{dates_overlap, ItemBrief, FIRST_DAY, LAST_DAY};
use super::{DbConnection, DbError, Page};

use crate::db::{Backend, Db};
use crate::domain::{DatePrecision, EventDate, EventKey, Filter, SearchQuery};
use crate::schema::{event_tags, items, status_events, tags};
use diesel::dsl::sql;
use diesel::sql_types::Date;

pub const TIMELINE_PAGE_SIZE: i64 = 50;

/// How a text filter finds its events (tests force each one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPlan {
    /// Whichever reads fewer rows for this page.
    Auto,
    /// Walk the events newest first, checking each one's item.
    Walk,
    /// Read every event of the matching items, then sort.
    Collect,
}

/// Standing (not retracted) status events, newest first.
pub fn timeline(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
) -> Result<Page<(EventRow, ItemBrief)>, DbError> {
    timeline_found(conn, filter, page, &mut Found::default())
}

/// [`timeline`], sharing the search's matches with the page's other
/// queries.
pub fn timeline_found(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    found: &mut Found,
) -> Result<Page<(EventRow, ItemBrief)>, DbError> {
    page_of(conn, filter, page, TextPlan::Auto, found)
}

/// [`timeline`] with the text filter's plan chosen by the caller.
pub fn timeline_planned(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    plan: TextPlan,
) -> Result<Page<(EventRow, ItemBrief)>, DbError> {
    page_of(conn, filter, page, plan, &mut Found::default())
}

fn page_of(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    plan: TextPlan,
    found: &mut Found,
) -> Result<Page<(EventRow, ItemBrief)>, DbError> {
    let offset = (page - 1) * TIMELINE_PAGE_SIZE;
    let rows = timeline_rows(conn, filter, None, offset, TIMELINE_PAGE_SIZE, plan, found)?;
    Ok(Page::from_overfetch(rows, page, TIMELINE_PAGE_SIZE))
}

/// Up to `limit` events of the timeline after the event `after` (from the
/// newest without), and whether more follow.
pub fn timeline_after(
    conn: &mut DbConnection,
    filter: &Filter,
    after: Option<EventKey>,
    limit: i64,
) -> Result<(Vec<(EventRow, ItemBrief)>, bool), DbError> {
    timeline_after_planned(conn, filter, after, limit, TextPlan::Auto)
}

/// [`timeline_after`] with the text filter's plan chosen by the caller.
pub fn timeline_after_planned(
    conn: &mut DbConnection,
    filter: &Filter,
    after: Option<EventKey>,
    limit: i64,
    plan: TextPlan,
) -> Result<(Vec<(EventRow, ItemBrief)>, bool), DbError> {
    let mut rows = timeline_rows(conn, filter, after, 0, limit, plan, &mut Found::default())?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The conditions on the event and its item, for either join.
macro_rules! event_conditions {
    ($query:ident, $filter:expr, $text:expr) => {
        $query = $query.filter(status_events::retracted.eq(false));
        if let Some(k) = $filter.kind {
            $query = $query.filter(status_events::item_kind.eq(k.as_str()));
        }
        if let Some(j) = &$filter.jurisdiction {
            $query = $query.filter(status_events::item_jurisdiction.eq(j.as_str().to_owned()));
        }
        if let Some(p) = $filter.phase {
            $query = $query.filter(status_events::phase.eq(p.as_str()));
        }
        if $filter.from.is_some() || $filter.to.is_some() {
            $query = $query.filter(dates_overlap!($filter));
        }
        if let Some(text) = $text {
            $query = $query.filter(text);
        }
    };
}

/// Newest first after `key`: an earlier day, or the same day and a lower
/// id; the range on the date alone lets the index start at the key.
macro_rules! after_key {
    ($query:ident, $after:expr, $date:expr, $id:expr) => {
        if let Some(key) = $after {
            $query = $query.filter(
                $date
                    .le(key.date)
                    .and($date.lt(key.date).or($id.lt(key.id))),
            );
        }
    };
}

/// One more than `limit` timeline rows, after `offset` rows past `after`.
fn timeline_rows(
    conn: &mut DbConnection,
    filter: &Filter,
    after: Option<EventKey>,
    offset: i64,
    limit: i64,
    plan: TextPlan,
    found: &mut Found,
) -> Result<Vec<(EventRow, ItemBrief)>, DbError> {
    let backend = conn.backend();
    let walk = match (&filter.q, plan) {
        (None, _) => false,
        (Some(_), TextPlan::Walk) => true,
        (Some(_), TextPlan::Collect) => false,
        (Some(q), TextPlan::Auto) => walk_wins(conn, q, offset + limit + 1, found)?,
    };
    let Some(q) = filter
        .q
        .as_ref()
        .filter(|_| walk && Found::checks_walks(backend))
    else {
        let text = match &filter.q {
            None => None,
            // Written so the database cannot start from the search and
            // keeps to the walk's order.
            Some(q) if walk => Some(TextCondition::Unindexed(q)),
            Some(q) => Some(match found.listed(conn, q)? {
                Some(ids) => TextCondition::Listed(ids),
                None => TextCondition::Search(q),
            }),
        };
        return rows(conn, filter, text.as_ref(), walk, after, offset, limit + 1);
    };
    // Walk newest first a stretch at a time, keeping the events of the
    // matching items, until the page and one more are found.
    let wanted = offset + limit + 1;
    let share = found.ids(conn, q)?.len() as f64 / f64::from(max_item(conn)?.max(1));
    let stretch = ((wanted as f64 / share.max(0.01)) * 1.2).clamp(100.0, 5000.0) as i64;
    let mut kept = Vec::new();
    let mut key = after;
    loop {
        let walked = rows(conn, filter, None, walk, key, 0, stretch)?;
        let ids = found.ids(conn, q)?;
        key = walked.last().map(|(e, _)| EventKey {
            date: e.event_date,
            id: e.id,
        });
        let ended = (walked.len() as i64) < stretch;
        kept.extend(
            walked
                .into_iter()
                .filter(|(_, item)| ids.binary_search(&item.id.0).is_ok()),
        );
        if kept.len() as i64 >= wanted || ended {
            return Ok(kept.into_iter().skip(offset as usize).collect());
        }
    }
}

/// `count` timeline rows after `offset` rows past `after`, the text
/// condition (if any) given.
#[allow(clippy::too_many_arguments)]
fn rows(
    conn: &mut DbConnection,
    filter: &Filter,
    text: Option<&TextCondition<'_>>,
    walk: bool,
    after: Option<EventKey>,
    offset: i64,
    count: i64,
) -> Result<Vec<(EventRow, ItemBrief)>, DbError> {
    let backend = conn.backend();
    let select = (EventRow::as_select(), ItemBrief::as_select());
    if let Some(tag) = &filter.tag {
        // The tag's range of `event_tags`, newest first, each row joined
        // to its event and item.
        let tag_id = tags::table
            .filter(tags::name.eq(tag.as_str().to_owned()))
            .select(tags::id)
            .single_value();
        let mut query = event_tags::table
            .inner_join(status_events::table.inner_join(items::table))
            .filter(event_tags::tag_id.nullable().eq(tag_id))
            .select(select)
            .into_boxed::<Db>();
        event_conditions!(query, filter, text.map(|t| t.condition(backend)));
        after_key!(query, after, event_tags::event_date, event_tags::event_id);
        return Ok(query
            .order((event_tags::event_date.desc(), event_tags::event_id.desc()))
            .limit(count)
            .offset(offset)
            .load(conn)?);
    }
    let mut query = status_events::table
        .inner_join(items::table)
        .select(select)
        .into_boxed::<Db>();
    event_conditions!(query, filter, text.map(|t| t.condition(backend)));
    after_key!(query, after, status_events::event_date, status_events::id);
    query = if filter.q.is_some() && !walk && backend == Backend::Postgres {
        // Few items match: PostgreSQL would still walk the date index
        // hoping to meet them soon (reading every event when they are
        // old); ordering by a value no index holds makes it read the
        // matching items' events and sort them.
        query.order((
            sql::<Date>("status_events.event_date + 0").desc(),
            status_events::id.desc(),
        ))
    } else {
        query.order((status_events::event_date.desc(), status_events::id.desc()))
    };
    Ok(query.limit(count).offset(offset).load(conn)?)
}

/// Whether to find `needed` rows matching a text search by walking all
/// events newest first (right when the matching items are many) rather
/// than by reading every event of the matching items and sorting (right
/// when they are few).
fn walk_wins(
    conn: &mut DbConnection,
    q: &SearchQuery,
    needed: i64,
    found: &mut Found,
) -> Result<bool, DbError> {
    let events: Option<i32> = status_events::table
        .select(diesel::dsl::max(status_events::id))
        .first(conn)?;
    let enough = enough_to_walk(conn, needed, events)?;
    Ok(found.count_up_to(conn, q, enough)? >= enough)
}

/// The highest item id: about how many items there are.
pub(super) fn max_item(conn: &mut DbConnection) -> Result<i32, DbError> {
    let max: Option<i32> = items::table
        .select(diesel::dsl::max(items::id))
        .first(conn)?;
    Ok(max.unwrap_or(0))
}

/// How many matching items make walking `rows` rows (about `total` of
/// them, each of one item) in order and checking each one's item cheaper
/// than reading the rows of the matching items and sorting them, to find
/// `needed`.
///
/// Walking finds `needed` rows after about `needed / share` rows, where
/// `share` is the matching items' share of all items; collecting reads
/// about `share * total` rows. Walking wins when `share² * total >=
/// needed`, that is when at least `items * sqrt(needed / total)` items
/// match: callers count the matches only up to that many. Highest ids
/// stand in for the counts: exact enough, and free.
pub(super) fn enough_to_walk(
    conn: &mut DbConnection,
    needed: i64,
    total: Option<i32>,
) -> Result<i64, DbError> {
    let items: Option<i32> = items::table
        .select(diesel::dsl::max(items::id))
        .first(conn)?;
    let (Some(items), Some(total)) = (items, total) else {
        // Nothing to walk: collecting reads nothing either.
        return Ok(i64::MAX);
    };
    let share = (needed as f64 / f64::from(total.max(1))).sqrt().min(1.0);
    Ok((f64::from(items) * share).ceil().max(1.0) as i64)
}

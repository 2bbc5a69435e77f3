//! The two reading views over many items: the timeline of status events and
//! the item table, both narrowed by the same filter; and the values the
//! filter menus offer.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::events::EventRow;
use super::items::ItemRow;
use super::search;
use super::{DbConnection, DbError, Page};
use diesel::dsl::sql;
use diesel::sql_types::Integer;

use crate::db::{Backend, Db};
use crate::domain::{DatePrecision, EventDate, EventKey, Filter, ItemId, Kind, Sort};
use crate::schema::{item_tags, items, status_events, tags};

/// Conditions on the item that both views share.
macro_rules! filter_items {
    ($query:ident, $filter:expr, $backend:expr) => {
        if let Some(k) = $filter.kind {
            $query = $query.filter(items::kind.eq(k.as_str()));
        }
        if let Some(j) = &$filter.jurisdiction {
            $query = $query.filter(items::jurisdiction.eq(j.as_str().to_owned()));
        }
        if let Some(t) = &$filter.tag {
            $query = $query.filter(
                items::id.eq_any(
                    item_tags::table
                        .inner_join(tags::table)
                        .filter(tags::name.eq(t.as_str().to_owned()))
                        .select(item_tags::item_id),
                ),
            );
        }
        if let Some(q) = &$filter.q {
            $query = $query.filter(search::matches_item(q, $backend));
        }
    };
}
pub(super) use filter_items;

/// Events whose date overlaps the filter's range: a date known only to its
/// month or year is in when that month or year overlaps the range.
///
/// An event's stored date is the first day of its period, so its period
/// reaches `from` exactly when that day is on or after `from`, or is the
/// first day of `from`'s month (month precision) or year (year precision).
/// The condition stays a range on the date, from `from`'s year to `to`,
/// so the date indexes serve it.
macro_rules! dates_overlap {
    ($filter:expr) => {{
        let from = $filter.from.unwrap_or(FIRST_DAY);
        let to = $filter.to.unwrap_or(LAST_DAY);
        let month = EventDate::from_parts(from, DatePrecision::Month).start();
        let year = EventDate::from_parts(from, DatePrecision::Year).start();
        status_events::event_date.between(year, to).and(
            status_events::event_date
                .ge(from)
                .or(status_events::date_precision
                    .eq(DatePrecision::Month.as_str())
                    .and(status_events::event_date.eq(month)))
                .or(status_events::date_precision
                    .eq(DatePrecision::Year.as_str())
                    .and(status_events::event_date.eq(year))),
        )
    }};
}

/// The item table's conditions: the shared ones, plus the item's current
/// phase and a standing event in the date range.
macro_rules! filter_item_table {
    ($query:ident, $filter:expr, $backend:expr) => {
        filter_items!($query, $filter, $backend);
        if let Some(p) = $filter.phase {
            $query = $query.filter(items::current_phase.eq(p.as_str()));
        }
        if $filter.from.is_some() || $filter.to.is_some() {
            $query = $query.filter(diesel::dsl::exists(
                status_events::table
                    .filter(status_events::item_id.eq(items::id))
                    .filter(status_events::retracted.eq(false))
                    .filter(dates_overlap!($filter)),
            ));
        }
    };
}

/// Item columns shown beside each timeline event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct ItemBrief {
    pub id: ItemId,
    pub slug: String,
    pub title: String,
    pub short_title: Option<String>,
    pub kind: Kind,
    pub jurisdiction: String,
}

/// Bounds of an open-ended date range, valid on both backends.
const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();

pub const TIMELINE_PAGE_SIZE: i64 = 50;
pub const ITEMS_PAGE_SIZE: i64 = 50;

/// Standing (not retracted) status events, newest first.
pub fn timeline(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
) -> Result<Page<(EventRow, ItemBrief)>, DbError> {
    let offset = (page - 1) * TIMELINE_PAGE_SIZE;
    let rows = timeline_rows(conn, filter, None, offset, TIMELINE_PAGE_SIZE)?;
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
    let mut rows = timeline_rows(conn, filter, after, 0, limit)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// One more than `limit` timeline rows, after `offset` rows past `after`.
fn timeline_rows(
    conn: &mut DbConnection,
    filter: &Filter,
    after: Option<EventKey>,
    offset: i64,
    limit: i64,
) -> Result<Vec<(EventRow, ItemBrief)>, DbError> {
    let backend = conn.backend();
    // The item conditions beyond those the events carry.
    let by_item = Filter {
        kind: None,
        jurisdiction: None,
        ..filter.clone()
    };
    let mut query = status_events::table
        .inner_join(items::table)
        .filter(status_events::retracted.eq(false))
        .select((EventRow::as_select(), ItemBrief::as_select()))
        .into_boxed::<Db>();
    // Each event carries its item's kind and jurisdiction (kept right by
    // triggers), so these are ranges of indexes in the timeline's order.
    if let Some(k) = filter.kind {
        query = query.filter(status_events::item_kind.eq(k.as_str()));
    }
    if let Some(j) = &filter.jurisdiction {
        query = query.filter(status_events::item_jurisdiction.eq(j.as_str().to_owned()));
    }
    if backend == Backend::Sqlite
        && by_item.has_item_conditions()
        && scan_by_date(conn, filter, offset + limit + 1)?
    {
        // The same conditions, written so SQLite walks the events in date
        // order and checks each item, instead of collecting every event of
        // every matching item and sorting them.
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
        filter_items!(query, by_item, backend);
    }
    if let Some(p) = filter.phase {
        query = query.filter(status_events::phase.eq(p.as_str()));
    }
    if filter.from.is_some() || filter.to.is_some() {
        query = query.filter(dates_overlap!(filter));
    }
    if let Some(key) = after {
        // Newest first: an earlier day, or the same day and a lower id;
        // the range on the date alone lets the date index start at the key.
        query = query.filter(
            status_events::event_date.le(key.date).and(
                status_events::event_date
                    .lt(key.date)
                    .or(status_events::id.lt(key.id)),
            ),
        );
    }
    Ok(query
        .order((status_events::event_date.desc(), status_events::id.desc()))
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?)
}

/// Whether SQLite should find a timeline page by walking all events newest
/// first (right when the matching items are many) rather than by reading
/// every event of the matching items and sorting (right when they are few).
///
/// Walking finds `needed` rows (from the newest, or from a cursor's
/// position, where the date index starts the walk) after about
/// `needed / share` events, where
/// `share` is the matching items' share of all items; collecting reads about
/// `share * events` rows. Walking wins when `share² * events >= needed`.
fn scan_by_date(conn: &mut DbConnection, filter: &Filter, needed: i64) -> Result<bool, DbError> {
    let backend = conn.backend();
    let mut matching = items::table
        .select(diesel::dsl::count_star())
        .into_boxed::<Db>();
    filter_items!(matching, filter, backend);
    let matching: i64 = matching.first(conn)?;
    // Highest ids stand in for the counts: exact enough, and free.
    let items: Option<i32> = items::table
        .select(diesel::dsl::max(items::id))
        .first(conn)?;
    let events: Option<i32> = status_events::table
        .select(diesel::dsl::max(status_events::id))
        .first(conn)?;
    let (Some(items), Some(events)) = (items, events) else {
        return Ok(false);
    };
    let share = matching as f64 / f64::from(items.max(1));
    Ok(share * share * f64::from(events) >= needed as f64)
}

/// Items matching the filter, sorted. The date range keeps items with at
/// least one standing event in it; the phase is the item's current phase.
pub fn items(
    conn: &mut DbConnection,
    filter: &Filter,
    sort: Sort,
    page: i64,
) -> Result<Page<ItemRow>, DbError> {
    let backend = conn.backend();
    let mut query = items::table.select(ItemRow::as_select()).into_boxed::<Db>();
    filter_item_table!(query, filter, backend);
    let rows = super::keyset::order(query, sort)
        .limit(ITEMS_PAGE_SIZE + 1)
        .offset((page - 1) * ITEMS_PAGE_SIZE)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, page, ITEMS_PAGE_SIZE))
}

/// Narrows a query over items to the item table this filter gives
/// (current phase; a standing event in the date range): the items a
/// filtered feed or export follows.
pub fn filter_item_table<'a, ST: 'a>(
    mut query: items::BoxedQuery<'a, Db, ST>,
    filter: &'a Filter,
    backend: Backend,
) -> items::BoxedQuery<'a, Db, ST> {
    filter_item_table!(query, filter, backend);
    query
}

/// Whether one item is in the item table this filter gives (its current
/// phase, and a standing event in the date range): what a saved-filter
/// subscription follows.
pub fn item_matches(
    conn: &mut DbConnection,
    filter: &Filter,
    item_id: ItemId,
) -> Result<bool, DbError> {
    let backend = conn.backend();
    let mut query = items::table
        .filter(items::id.eq(item_id))
        .select(items::id)
        .into_boxed::<Db>();
    filter_item_table!(query, filter, backend);
    Ok(query.first::<ItemId>(conn).optional()?.is_some())
}

/// Values the filter menus offer: jurisdictions and tags in use.
#[derive(Debug, Default)]
pub struct Facets {
    pub jurisdictions: Vec<String>,
    pub tags: Vec<String>,
}

pub fn facets(conn: &mut DbConnection) -> Result<Facets, DbError> {
    let jurisdictions = items::table
        .select(items::jurisdiction)
        .distinct()
        .order(items::jurisdiction)
        .load(conn)?;
    let tags = tags::table
        .filter(diesel::dsl::exists(
            item_tags::table.filter(item_tags::tag_id.eq(tags::id)),
        ))
        .order(tags::name)
        .select(tags::name)
        .load(conn)?;
    Ok(Facets {
        jurisdictions,
        tags,
    })
}

//! The two reading views over many items: the timeline of status events and
//! the item table, both narrowed by the same filter; and the values the
//! filter menus offer.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::items::ItemRow;
use super::search;
use super::{DbConnection, DbError, Page};

use crate::db::{Backend, Db};
use crate::domain::{DatePrecision, EventDate, Filter, ItemId, Kind, Sort};
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
pub use super::event_timeline::{
    timeline, timeline_after, timeline_after_planned, timeline_planned, TextPlan,
    TIMELINE_PAGE_SIZE,
};
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

pub(super) use dates_overlap;

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
pub(super) const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
pub(super) const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();

pub const ITEMS_PAGE_SIZE: i64 = 50;

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
    // Each next jurisdiction after the last one found, one probe of
    // items_jurisdiction_idx apiece: PostgreSQL would otherwise read every
    // item for the few distinct values.
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let jurisdictions = diesel::sql_query(
        "WITH RECURSIVE j(v) AS (
             SELECT MIN(jurisdiction) FROM items
             UNION ALL
             SELECT (SELECT MIN(jurisdiction) FROM items WHERE jurisdiction > j.v)
             FROM j WHERE j.v IS NOT NULL
         )
         SELECT v FROM j WHERE v IS NOT NULL ORDER BY v",
    )
    .load::<Value>(conn)?
    .into_iter()
    .map(|r| r.v)
    .collect();
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

//! The two reading views over many items: the timeline of status events and
//! the item table, both narrowed by the same filter; and the values the
//! filter menus offer.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::item_lists;
use super::items::ItemRow;
use super::search::{self, Found, TextCondition};
use super::{DbConnection, DbError, Page};

use crate::db::{Backend, Db};
use crate::domain::{DatePrecision, EventDate, Filter, ItemId, Kind, Sort, SortColumn};
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
    timeline, timeline_after, timeline_after_planned, timeline_found, timeline_planned, TextPlan,
    TIMELINE_PAGE_SIZE,
};
pub(super) use filter_items;

/// Events whose date overlaps the filter's range: a date known only to its
/// month or year is in when that month or year overlaps the range.
///
/// An event's stored date is the first day of its period, so its period
/// reaches `from` exactly when that day is on or after `from`, or, for a
/// month or a year, on or after the first day of `from`'s month or year.
/// That lower bound is one `CASE` on the precision, not an `OR` of three
/// ranges: offered an `OR`, SQLite reads every event of the range through
/// three index lookups and sorts them all (0.3 s for a month at a million
/// events), where one range on the date lets it walk the timeline's index
/// in the page's order.
macro_rules! dates_overlap {
    ($filter:expr) => {{
        let from = $filter.from.unwrap_or(FIRST_DAY);
        let to = $filter.to.unwrap_or(LAST_DAY);
        let month = EventDate::from_parts(from, DatePrecision::Month).start();
        let year = EventDate::from_parts(from, DatePrecision::Year).start();
        let precision = status_events::date_precision;
        status_events::event_date.between(year, to).and(
            status_events::event_date.ge(diesel::dsl::case_when(
                precision.eq(DatePrecision::Year.as_str()),
                year.into_sql::<diesel::sql_types::Date>(),
            )
            .when(
                precision.eq(DatePrecision::Month.as_str()),
                month.into_sql::<diesel::sql_types::Date>(),
            )
            .otherwise(from.into_sql::<diesel::sql_types::Date>())),
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
    items_planned(conn, filter, sort, page, TextPlan::Auto)
}

/// [`items`] with the plan for a tag or text filter chosen by the caller:
/// walk the items in the sort's order checking each one (right when many
/// match and an index holds the order), or read the matching items and
/// sort them (right when few match).
pub fn items_planned(
    conn: &mut DbConnection,
    filter: &Filter,
    sort: Sort,
    page: i64,
    plan: TextPlan,
) -> Result<Page<ItemRow>, DbError> {
    let backend = conn.backend();
    let offset = (page - 1) * ITEMS_PAGE_SIZE;
    let walk = match plan {
        _ if filter.tag.is_none() => false,
        TextPlan::Walk => true,
        TextPlan::Collect => false,
        // PostgreSQL, given the tag's id, weighs the two itself.
        TextPlan::Auto if backend == Backend::Postgres => false,
        TextPlan::Auto => walk_items_wins(conn, filter, sort, offset + ITEMS_PAGE_SIZE + 1)?,
    };
    let query = items::table.select(ItemRow::as_select()).into_boxed::<Db>();
    let Some(mut query) = with_tag_id(conn, query, filter, walk)? else {
        return Ok(Page::from_overfetch(Vec::new(), page, ITEMS_PAGE_SIZE));
    };
    if let Some(q) = &filter.q {
        let text = match filter.q.as_ref().filter(|_| !walk) {
            Some(_) => match Found::default().listed(conn, q)? {
                Some(ids) => TextCondition::Listed(ids),
                None => TextCondition::Search(q),
            },
            None => TextCondition::Unindexed(q),
        };
        query = query.filter(text.condition(backend));
    }
    let rows = super::keyset::order(query, sort)
        .limit(ITEMS_PAGE_SIZE + 1)
        .offset(offset)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, page, ITEMS_PAGE_SIZE))
}

/// Whether to find `needed` items of a tag by walking the items in the
/// sort's order: only for an order an index holds (title, last event),
/// and when enough items carry the tag that the walk meets them soon.
fn walk_items_wins(
    conn: &mut DbConnection,
    filter: &Filter,
    sort: Sort,
    needed: i64,
) -> Result<bool, DbError> {
    let Some(t) = &filter.tag else {
        return Ok(false);
    };
    if !matches!(sort.column, SortColumn::Title | SortColumn::LastEvent) {
        return Ok(false);
    }
    let total = super::event_timeline::max_item(conn)?;
    let enough = super::event_timeline::enough_to_walk(conn, needed, Some(total))?;
    let Some(id) = item_lists::tag_id(conn, t.as_str())? else {
        return Ok(false);
    };
    Ok(item_lists::count_tagged_up_to(conn, id, enough)? >= enough)
}

/// Narrows a query over items to the item table `filter` gives, but for
/// its text, with the tag's id looked up first: with the id itself in the
/// query, PostgreSQL knows how many items carry it (100 or 30,000) and
/// plans for that. `walk`: the tag is checked item by item, for a walk in
/// an index's order. `None` when no item ever carried the tag.
pub(super) fn with_tag_id<'a, ST: 'a>(
    conn: &mut DbConnection,
    mut query: items::BoxedQuery<'a, Db, ST>,
    filter: &Filter,
    walk: bool,
) -> Result<Option<items::BoxedQuery<'a, Db, ST>>, DbError> {
    let backend = conn.backend();
    let by_item = Filter {
        tag: None,
        q: None,
        ..filter.clone()
    };
    filter_item_table!(query, by_item, backend);
    let Some(t) = &filter.tag else {
        return Ok(Some(query));
    };
    let Some(id) = item_lists::tag_id(conn, t.as_str())? else {
        return Ok(None);
    };
    item_lists::filter_tagged!(query, id, walk);
    Ok(Some(query))
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

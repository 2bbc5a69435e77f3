//! The item table's order, and reading it a page at a time after a key
//! (keyset paging): the rows after the key's position, so rows inserted,
//! edited or removed elsewhere never shift a page onto rows already read.
//!
//! Every sort ends on the id, so the order is total; items without the
//! sorted value (no status, phase or event yet) come last in either
//! direction, on both backends.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::items::ItemRow;
use super::timeline::filter_item_table;
use super::{DbConnection, DbError};
use crate::db::Db;
use crate::domain::{Filter, ItemId, ItemKey, Sort, SortColumn};
use crate::schema::items;

type Cond = Box<dyn BoxableExpression<items::table, Db, SqlType = Bool>>;

/// Rows beyond `v` on `col` in the sort's direction, or level with it and
/// `rest`; with the range `col >= v` (`<=` descending) first, so an index
/// on `col` starts at the key.
macro_rules! beyond {
    ($col:expr, $v:expr, $desc:expr, $rest:expr) => {{
        let v = $v;
        let rest: Cond = $rest;
        let cond: Cond = if $desc {
            Box::new(
                $col.le(v.clone())
                    .and($col.lt(v.clone()).or($col.eq(v).and(rest))),
            )
        } else {
            Box::new(
                $col.ge(v.clone())
                    .and($col.gt(v.clone()).or($col.eq(v).and(rest))),
            )
        };
        cond
    }};
}

/// Rows after `value` on a column that may be empty (empty sorts last),
/// then `rest` among equal values.
macro_rules! beyond_nullable {
    ($col:expr, $value:expr, $desc:expr, $rest:expr) => {{
        let cond: Cond = match $value {
            None => Box::new($col.is_null().and($rest)),
            Some(v) => {
                Box::new(
                    $col.is_null()
                        .or(beyond!($col.assume_not_null(), v, $desc, $rest)),
                )
            }
        };
        cond
    }};
}

fn id_beyond(id: ItemId, desc: bool) -> Cond {
    if desc {
        Box::new(items::id.lt(id))
    } else {
        Box::new(items::id.gt(id))
    }
}

/// Title A to Z, then id: the tiebreak of the other text columns.
fn title_beyond(title: String, id: ItemId) -> Cond {
    beyond!(items::title, title, false, id_beyond(id, false))
}

/// The rows after `key` in the order of `sort`; `None` when the key does
/// not come from that sort.
pub fn after(sort: Sort, key: &ItemKey) -> Option<Cond> {
    let desc = sort.descending;
    let key = key.clone();
    let cond = match (sort.column, key) {
        (SortColumn::Title, ItemKey::Title { title, id }) => {
            beyond!(items::title, title, desc, id_beyond(id, desc))
        }
        (SortColumn::Kind, ItemKey::Column { value, title, id }) => {
            beyond!(items::kind, value?, desc, title_beyond(title, id))
        }
        (SortColumn::Jurisdiction, ItemKey::Column { value, title, id }) => {
            beyond!(items::jurisdiction, value?, desc, title_beyond(title, id))
        }
        (SortColumn::Status, ItemKey::Column { value, title, id }) => {
            beyond_nullable!(items::current_status, value, desc, title_beyond(title, id))
        }
        (SortColumn::Phase, ItemKey::Column { value, title, id }) => {
            beyond_nullable!(items::current_phase, value, desc, title_beyond(title, id))
        }
        (SortColumn::LastEvent, ItemKey::LastEvent { last, id }) => match last {
            None => Box::new(items::last_event_date.is_null().and(id_beyond(id, desc))),
            // On the same first day the coarser precision comes first
            // oldest first ('year' > 'month' > 'day' as text), last newest
            // first: the opposite direction to the date's.
            Some((date, precision)) => beyond_nullable!(
                items::last_event_date,
                Some(date),
                desc,
                beyond!(
                    items::last_event_precision.assume_not_null(),
                    precision.as_str().to_owned(),
                    !desc,
                    id_beyond(id, desc)
                )
            ),
        },
        _ => return None,
    };
    Some(cond)
}

/// The key of `row` in the order of `sort`.
pub fn key_of(row: &ItemRow, sort: Sort) -> ItemKey {
    let column = |value: Option<String>| ItemKey::Column {
        value,
        title: row.title.clone(),
        id: row.id,
    };
    match sort.column {
        SortColumn::Title => ItemKey::Title {
            title: row.title.clone(),
            id: row.id,
        },
        SortColumn::Kind => column(Some(row.kind.as_str().to_owned())),
        SortColumn::Jurisdiction => column(Some(row.jurisdiction.clone())),
        SortColumn::Status => column(row.current_status.clone()),
        SortColumn::Phase => column(row.current_phase.map(|p| p.as_str().to_owned())),
        SortColumn::LastEvent => ItemKey::LastEvent {
            last: row.last_event_date.zip(row.last_event_precision),
            id: row.id,
        },
    }
}

/// Sorts a query over items as the item table does.
pub fn order<'a, ST: 'a>(
    query: items::BoxedQuery<'a, Db, ST>,
    sort: Sort,
) -> items::BoxedQuery<'a, Db, ST> {
    use items::*;
    match (sort.column, sort.descending) {
        (SortColumn::Title, false) => query.order((title.asc(), id.asc())),
        (SortColumn::Title, true) => query.order((title.desc(), id.desc())),
        (SortColumn::Kind, false) => query.order((kind.asc(), title.asc(), id.asc())),
        (SortColumn::Kind, true) => query.order((kind.desc(), title.asc(), id.asc())),
        (SortColumn::Jurisdiction, false) => {
            query.order((jurisdiction.asc(), title.asc(), id.asc()))
        }
        (SortColumn::Jurisdiction, true) => {
            query.order((jurisdiction.desc(), title.asc(), id.asc()))
        }
        (SortColumn::Status, false) => query.order((
            current_status.is_null().asc(),
            current_status.asc(),
            title.asc(),
            id.asc(),
        )),
        (SortColumn::Status, true) => query.order((
            current_status.is_null().asc(),
            current_status.desc(),
            title.asc(),
            id.asc(),
        )),
        (SortColumn::Phase, false) => query.order((
            current_phase.is_null().asc(),
            current_phase.asc(),
            title.asc(),
            id.asc(),
        )),
        (SortColumn::Phase, true) => query.order((
            current_phase.is_null().asc(),
            current_phase.desc(),
            title.asc(),
            id.asc(),
        )),
        // By period: the first day, then the coarser precision first on the
        // same day ('year' > 'month' > 'day' as text), as `refresh_status`
        // orders "latest". The index items_last_event_idx has this order.
        (SortColumn::LastEvent, false) => query.order((
            last_event_date.is_null().asc(),
            last_event_date.asc(),
            last_event_precision.desc(),
            id.asc(),
        )),
        (SortColumn::LastEvent, true) => query.order((
            last_event_date.is_null().asc(),
            last_event_date.desc(),
            last_event_precision.asc(),
            id.desc(),
        )),
    }
}

/// Up to `limit` items of the item table after `after` (from the first
/// without), and whether more follow. `None` when the key does not come
/// from this sort.
pub fn items_after(
    conn: &mut DbConnection,
    filter: &Filter,
    sort: Sort,
    after: Option<&ItemKey>,
    limit: i64,
) -> Result<Option<(Vec<ItemRow>, bool)>, DbError> {
    let backend = conn.backend();
    let mut query = filter_item_table(
        items::table.select(ItemRow::as_select()).into_boxed::<Db>(),
        filter,
        backend,
    );
    if let Some(key) = after {
        let Some(cond) = self::after(sort, key) else {
            return Ok(None);
        };
        query = query.filter(cond);
    }
    let mut rows = order(query, sort).limit(limit + 1).load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(Some((rows, more)))
}

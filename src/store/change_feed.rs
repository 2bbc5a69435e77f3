//! The changes a feed shows: newest first, of one item or of the items a
//! timeline filter gives, each with its item and who made it.

use std::collections::HashSet;

use diesel::prelude::*;

use super::changes::ChangeRow;
use super::search;
use super::timeline::{filter_item_table, with_tag_id, ItemBrief};
use super::{DbConnection, DbError};
use crate::db::Db;
use crate::domain::{ChangeId, Filter, ItemId};
use crate::schema::{changes, items, users};

/// How many changes a feed holds: the newest.
pub const FEED_LENGTH: i64 = 50;

/// Up to this many matching items are named in the query; beyond, the
/// newest changes are read page by page and kept when their item matches.
const LISTED_ITEMS: usize = 500;

/// Whose changes a feed follows.
#[derive(Debug, Clone, Copy)]
pub enum FeedScope<'a> {
    /// The items in the item table this filter gives (every item when
    /// the filter is empty).
    Filter(&'a Filter),
    Item(ItemId),
}

/// One change with its item and author (`None`: the starter data).
#[derive(Debug, Clone, Queryable)]
pub struct FeedChange {
    pub change: ChangeRow,
    pub item: ItemBrief,
    pub author: Option<String>,
}

/// The newest [`FEED_LENGTH`] changes in `scope`, newest first.
pub fn newest(conn: &mut DbConnection, scope: FeedScope<'_>) -> Result<Vec<FeedChange>, DbError> {
    let filter = match scope {
        FeedScope::Item(id) => return page(conn, Some(&[id]), None, FEED_LENGTH),
        FeedScope::Filter(filter) if filter.is_empty() => {
            return page(conn, None, None, FEED_LENGTH)
        }
        FeedScope::Filter(filter) => filter,
    };
    let backend = conn.backend();
    // No more than one past the listed limit: a tag on 30,000 items need
    // not be read whole to learn that it is on too many to list.
    let Some(mut listing) = with_tag_id(
        conn,
        items::table.select(items::id).into_boxed::<Db>(),
        filter,
        false,
    )?
    else {
        // No item ever carried the tag.
        return Ok(Vec::new());
    };
    if let Some(q) = &filter.q {
        listing = listing.filter(search::matches_item(q, backend));
    }
    let matching: Vec<ItemId> = listing.limit(LISTED_ITEMS as i64 + 1).load(conn)?;
    if matching.len() <= LISTED_ITEMS {
        return page(conn, Some(&matching), None, FEED_LENGTH);
    }
    let mut found = Vec::new();
    let mut before = None;
    loop {
        let rows = page(conn, None, before, 4 * FEED_LENGTH)?;
        let Some(last) = rows.last() else {
            return Ok(found);
        };
        before = Some(last.change.id);
        // Which of this page's items the filter gives, in one query.
        let mut ids: Vec<i32> = rows.iter().map(|r| r.change.item_id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let matching: HashSet<ItemId> = filter_item_table(
            items::table
                .select(items::id)
                .filter(items::id.eq_any(ids))
                .into_boxed::<Db>(),
            filter,
            backend,
        )
        .load::<ItemId>(conn)?
        .into_iter()
        .collect();
        for row in rows {
            if matching.contains(&row.change.item_id) {
                found.push(row);
                if found.len() as i64 == FEED_LENGTH {
                    return Ok(found);
                }
            }
        }
    }
}

/// Up to `limit` changes, newest first: of `items` if given, older than
/// change `before` if given.
fn page(
    conn: &mut DbConnection,
    items: Option<&[ItemId]>,
    before: Option<ChangeId>,
    limit: i64,
) -> Result<Vec<FeedChange>, DbError> {
    let mut query = changes::table
        .inner_join(items::table)
        .left_join(users::table)
        .select((
            ChangeRow::as_select(),
            ItemBrief::as_select(),
            users::email.nullable(),
        ))
        .into_boxed::<Db>();
    if let Some(ids) = items {
        query = query.filter(changes::item_id.eq_any(ids.iter().map(|i| i.0)));
    }
    if let Some(id) = before {
        query = query.filter(changes::id.lt(id));
    }
    Ok(query.order(changes::id.desc()).limit(limit).load(conn)?)
}

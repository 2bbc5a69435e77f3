//! Reading items out for export: every item a filter gives, in id order,
//! a batch at a time with its lists, events, milestones and outgoing links, so an
//! export of any size holds one batch in memory.

use std::collections::HashMap;

use diesel::prelude::*;

use super::events::EventRow;
use super::items::ItemRow;
use super::milestones::MilestoneRow;
use super::timeline::filter_item_table;
use super::{DbConnection, DbError};
use crate::db::Db;
use crate::domain::{Filter, ItemId};
use crate::schema::{
    item_identifiers, item_links, item_parties, item_tags, items, milestones, status_events, tags,
};

/// Items read per batch.
const BATCH: i64 = 500;

/// One item with everything an export writes.
#[derive(Debug, Clone)]
pub struct ExportedItem {
    pub row: ItemRow,
    pub identifiers: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<String>,
    /// Oldest first, retracted ones included.
    pub events: Vec<EventRow>,
    /// Standing milestones (not removed), soonest first.
    pub milestones: Vec<MilestoneRow>,
    /// Outgoing links: (relation, the other item's slug).
    pub links: Vec<(String, String)>,
}

/// Hands each item the filter gives (every item when it is empty) to
/// `each`, in id order; stops at the first error. Returns how many.
pub fn for_each<E: From<DbError>>(
    conn: &mut DbConnection,
    filter: &Filter,
    mut each: impl FnMut(ExportedItem) -> Result<(), E>,
) -> Result<usize, E> {
    let backend = conn.backend();
    let mut after = ItemId(0);
    let mut count = 0;
    loop {
        let mut query = items::table
            .filter(items::id.gt(after))
            .select(ItemRow::as_select())
            .order(items::id.asc())
            .limit(BATCH)
            .into_boxed::<Db>();
        if !filter.is_empty() {
            query = filter_item_table(query, filter, backend);
        }
        let rows: Vec<ItemRow> = query.load(conn).map_err(DbError::from)?;
        let Some(last) = rows.last() else {
            return Ok(count);
        };
        after = last.id;
        for item in batch(conn, rows)? {
            each(item)?;
            count += 1;
        }
    }
}

/// The batch's items with their lists, events and links: one query each.
fn batch(conn: &mut DbConnection, rows: Vec<ItemRow>) -> Result<Vec<ExportedItem>, DbError> {
    let ids: Vec<ItemId> = rows.iter().map(|r| r.id).collect();
    let mut identifiers = group(
        item_identifiers::table
            .filter(item_identifiers::item_id.eq_any(&ids))
            .order((item_identifiers::item_id, item_identifiers::position))
            .select((item_identifiers::item_id, item_identifiers::value))
            .load(conn)?,
    );
    let mut parties = group(
        item_parties::table
            .filter(item_parties::item_id.eq_any(&ids))
            .order((item_parties::item_id, item_parties::position))
            .select((item_parties::item_id, item_parties::name))
            .load(conn)?,
    );
    let mut tags = group(
        item_tags::table
            .inner_join(tags::table)
            .filter(item_tags::item_id.eq_any(&ids))
            .order((item_tags::item_id, tags::name))
            .select((item_tags::item_id, tags::name))
            .load(conn)?,
    );
    let events: Vec<EventRow> = status_events::table
        .filter(status_events::item_id.eq_any(&ids))
        .order((
            status_events::item_id,
            status_events::event_date.asc(),
            status_events::id.asc(),
        ))
        .select(EventRow::as_select())
        .load(conn)?;
    let mut events = group(events.into_iter().map(|e| (e.item_id, e)).collect());
    let milestones: Vec<MilestoneRow> = milestones::table
        .filter(milestones::item_id.eq_any(&ids))
        .filter(milestones::cancelled.eq(false))
        .order((
            milestones::item_id,
            milestones::milestone_date.asc(),
            milestones::id.asc(),
        ))
        .select(MilestoneRow::as_select())
        .load(conn)?;
    let mut milestones = group(milestones.into_iter().map(|m| (m.item_id, m)).collect());
    let targets = diesel::alias!(items as targets);
    let mut links = group(
        item_links::table
            .inner_join(targets.on(targets.field(items::id).eq(item_links::to_item_id)))
            .filter(item_links::from_item_id.eq_any(&ids))
            .order((item_links::from_item_id, item_links::id))
            .select((
                item_links::from_item_id,
                (item_links::relation, targets.field(items::slug)),
            ))
            .load::<(ItemId, (String, String))>(conn)?,
    );
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            ExportedItem {
                row,
                identifiers: identifiers.remove(&id).unwrap_or_default(),
                parties: parties.remove(&id).unwrap_or_default(),
                tags: tags.remove(&id).unwrap_or_default(),
                events: events.remove(&id).unwrap_or_default(),
                milestones: milestones.remove(&id).unwrap_or_default(),
                links: links.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

fn group<T>(pairs: Vec<(ItemId, T)>) -> HashMap<ItemId, Vec<T>> {
    let mut map: HashMap<ItemId, Vec<T>> = HashMap::new();
    for (id, value) in pairs {
        map.entry(id).or_default().push(value);
    }
    map
}

//! An item's multi-valued fields: identifiers and parties (in order) and
//! tags, written together with the item and read one list at a time.

use diesel::prelude::*;

use super::items::ItemFields;
use super::{insert_unless_duplicate, DbConnection, DbError};
use crate::domain::{ItemId, TagId};
use crate::schema::{item_identifiers, item_parties, item_tags, tags};

/// Replaces the item's lists with those of `fields`.
pub(super) fn write(
    conn: &mut DbConnection,
    item_id: ItemId,
    fields: &ItemFields,
) -> Result<(), DbError> {
    diesel::delete(item_identifiers::table.filter(item_identifiers::item_id.eq(item_id)))
        .execute(conn)?;
    diesel::delete(item_parties::table.filter(item_parties::item_id.eq(item_id))).execute(conn)?;
    diesel::delete(item_tags::table.filter(item_tags::item_id.eq(item_id))).execute(conn)?;
    write_new(conn, item_id, fields)
}

/// Writes the lists of an item just created (it has none yet).
pub(super) fn write_new(
    conn: &mut DbConnection,
    item_id: ItemId,
    fields: &ItemFields,
) -> Result<(), DbError> {
    for (position, value) in fields.identifiers.iter().enumerate() {
        diesel::insert_into(item_identifiers::table)
            .values((
                item_identifiers::item_id.eq(item_id),
                item_identifiers::position.eq(position as i32),
                item_identifiers::value.eq(value),
            ))
            .execute(conn)?;
    }
    for (position, name) in fields.parties.iter().enumerate() {
        diesel::insert_into(item_parties::table)
            .values((
                item_parties::item_id.eq(item_id),
                item_parties::position.eq(position as i32),
                item_parties::name.eq(name),
            ))
            .execute(conn)?;
    }
    for tag in &fields.tags {
        let tag_id = match tag_id(conn, tag.as_str())? {
            Some(id) => id,
            None => {
                insert_unless_duplicate(conn, |conn| {
                    diesel::insert_into(tags::table)
                        .values(tags::name.eq(tag.as_str()))
                        .execute(conn)
                })?;
                tag_id(conn, tag.as_str())?.ok_or(diesel::result::Error::NotFound)?
            }
        };
        insert_unless_duplicate(conn, |conn| {
            diesel::insert_into(item_tags::table)
                .values((item_tags::item_id.eq(item_id), item_tags::tag_id.eq(tag_id)))
                .execute(conn)
        })?;
    }
    Ok(())
}

/// The id of a tag in use (or once used), if any.
pub(super) fn tag_id(conn: &mut DbConnection, name: &str) -> Result<Option<TagId>, DbError> {
    Ok(tags::table
        .filter(tags::name.eq(name))
        .select(tags::id)
        .first(conn)
        .optional()?)
}

/// A tag's id written into the SQL text rather than bound: diesel keeps
/// prepared statements, and PostgreSQL plans a kept statement once for
/// any value, as if every tag were carried by the average number of
/// items. Written out, the plan fits this tag (100 items or 30,000).
pub(super) fn tag_literal(id: TagId) -> diesel::expression::SqlLiteral<diesel::sql_types::Integer> {
    diesel::dsl::sql(&id.0.to_string())
}

/// Narrows a query over items to those carrying the tag `$id`: checked
/// item by item as a walk meets them (`$walk`), or as the list of the
/// tag's items.
macro_rules! filter_tagged {
    ($query:ident, $id:expr, $walk:expr) => {
        $query = if $walk {
            $query.filter(diesel::dsl::exists(
                item_tags::table
                    .filter(item_tags::item_id.eq(items::id))
                    .filter(item_tags::tag_id.eq(item_lists::tag_literal($id))),
            ))
        } else {
            $query.filter(
                items::id.eq_any(
                    item_tags::table
                        .filter(item_tags::tag_id.eq(item_lists::tag_literal($id)))
                        .select(item_tags::item_id),
                ),
            )
        }
    };
}
pub(super) use filter_tagged;

/// How many items carry the tag, counting no further than `limit`.
pub(super) fn count_tagged_up_to(
    conn: &mut DbConnection,
    id: TagId,
    limit: i64,
) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    // Both numbers written out, as in [`tag_literal`].
    let counted: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM item_tags WHERE tag_id = {} LIMIT {}) AS t",
        id.0,
        limit.max(0)
    ))
    .get_result(conn)?;
    Ok(counted.n)
}

pub fn identifiers_of(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<String>, DbError> {
    Ok(item_identifiers::table
        .filter(item_identifiers::item_id.eq(item_id))
        .order(item_identifiers::position)
        .select(item_identifiers::value)
        .load(conn)?)
}

pub fn parties_of(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<String>, DbError> {
    Ok(item_parties::table
        .filter(item_parties::item_id.eq(item_id))
        .order(item_parties::position)
        .select(item_parties::name)
        .load(conn)?)
}

pub fn tags_of(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<String>, DbError> {
    Ok(item_tags::table
        .inner_join(tags::table)
        .filter(item_tags::item_id.eq(item_id))
        .order(tags::name)
        .select(tags::name)
        .load(conn)?)
}

/// An item's id, slug, kind and identifiers (in order).
pub type ItemIdentifiers = (ItemId, String, crate::domain::Kind, Vec<String>);

/// Every item that has identifiers, with them in order (what the official
/// sources' connectors look items up by), ordered by slug.
pub fn items_with_identifiers(conn: &mut DbConnection) -> Result<Vec<ItemIdentifiers>, DbError> {
    use crate::schema::items;
    let rows: Vec<(ItemId, String, crate::domain::Kind, String)> = item_identifiers::table
        .inner_join(items::table)
        .order((items::slug.asc(), item_identifiers::position.asc()))
        .select((items::id, items::slug, items::kind, item_identifiers::value))
        .load(conn)?;
    let mut out: Vec<ItemIdentifiers> = Vec::new();
    for (id, slug, kind, value) in rows {
        match out.last_mut() {
            Some(last) if last.0 == id => last.3.push(value),
            _ => out.push((id, slug, kind, vec![value])),
        }
    }
    Ok(out)
}

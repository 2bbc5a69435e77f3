//! Typed links between items ("could restrict", "uses"...).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::author::Author;
use super::changes::{self, ChangePayload};
use super::revisions::{self, FieldChange, RevisionAction};
use super::{insert_unless_duplicate, items as item_rows, DbConnection, DbError};
use crate::db::write_transaction;
use crate::domain::{ItemId, Kind, LinkId, Phase, Slug, UserId};
use crate::schema::{item_links, items};

/// A link as seen from one item: outgoing ("this item could restrict X")
/// or incoming ("X could restrict this item").
#[derive(Debug, Clone)]
pub struct LinkView {
    pub id: LinkId,
    pub outgoing: bool,
    pub relation: String,
    pub other_slug: String,
    pub other_title: String,
    pub other_short_title: Option<String>,
    pub other_kind: Kind,
    pub other_phase: Option<Phase>,
}

/// Why an editor's link was not added.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("No item has the slug \"{0}\".")]
    UnknownTarget(Slug),
    #[error("An item cannot be linked to itself.")]
    SelfLink,
    #[error("This item already {relation} {title}.")]
    Duplicate { relation: String, title: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Links an item to the item at `target` with `relation`, as an editor
/// does: refused when no item has that slug, when it is the item itself,
/// or when the item already links to it with this relation.
pub fn add(
    conn: &mut DbConnection,
    item_id: ItemId,
    target: &Slug,
    relation: &str,
    user_id: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), LinkError> {
    let other = item_rows::find_by_slug(conn, target.as_str())?
        .ok_or_else(|| LinkError::UnknownTarget(target.clone()))?;
    if other.id == item_id {
        return Err(LinkError::SelfLink);
    }
    if insert(conn, item_id, other.id, relation, user_id, now)? {
        Ok(())
    } else {
        Err(LinkError::Duplicate {
            relation: relation.to_owned(),
            title: other.title,
        })
    }
}

/// Inserts a link unless the same one exists; returns whether it was new.
pub fn insert(
    conn: &mut DbConnection,
    from_item_id: ItemId,
    to_item_id: ItemId,
    relation: &str,
    by: impl Into<Author>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let by: Author = by.into();
    let user_id = by.user;
    conn.transaction(|conn| {
        let added = insert_unless_duplicate(conn, |conn| {
            diesel::insert_into(item_links::table)
                .values((
                    item_links::from_item_id.eq(from_item_id),
                    item_links::to_item_id.eq(to_item_id),
                    item_links::relation.eq(relation),
                    item_links::created_by.eq(user_id),
                    item_links::created_at.eq(now),
                ))
                .execute(conn)
        })?;
        if added {
            record_on_both(conn, from_item_id, to_item_id, relation, by, true, now)?;
        }
        Ok(added)
    })
}

/// Records a link change on both of its items, each seeing the other.
pub(crate) fn record_on_both(
    conn: &mut DbConnection,
    from_item_id: ItemId,
    to_item_id: ItemId,
    relation: &str,
    by: impl Into<Author>,
    added: bool,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let by: Author = by.into();
    let slug_title = |conn: &mut DbConnection, id: ItemId| -> Result<(String, String), DbError> {
        Ok(items::table
            .find(id)
            .select((items::slug, items::title))
            .first(conn)?)
    };
    let from = slug_title(conn, from_item_id)?;
    let to = slug_title(conn, to_item_id)?;
    let version: i32 = items::table
        .find(from_item_id)
        .select(items::version)
        .first(conn)?;
    let text = format!("{relation} {}", to.0);
    let change = if added {
        FieldChange {
            field: "link".to_owned(),
            old: None,
            new: Some(text),
        }
    } else {
        FieldChange {
            field: "link".to_owned(),
            old: Some(text),
            new: None,
        }
    };
    let action = if added {
        RevisionAction::Link
    } else {
        RevisionAction::Unlink
    };
    revisions::record(conn, from_item_id, by, version, action, &[change], now)?;
    for (item_id, (other_slug, other_title), outgoing) in
        [(from_item_id, to, true), (to_item_id, from, false)]
    {
        let relation = relation.to_owned();
        let payload = if added {
            ChangePayload::LinkAdded {
                relation,
                other_slug,
                other_title,
                outgoing,
            }
        } else {
            ChangePayload::LinkRemoved {
                relation,
                other_slug,
                other_title,
                outgoing,
            }
        };
        changes::announce(conn, item_id, by, &payload, now)?;
    }
    Ok(())
}

pub fn for_item(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<LinkView>, DbError> {
    type Row = (
        LinkId,
        String,
        String,
        String,
        Option<String>,
        Kind,
        Option<Phase>,
    );
    let outgoing: Vec<Row> = item_links::table
        .inner_join(items::table.on(items::id.eq(item_links::to_item_id)))
        .filter(item_links::from_item_id.eq(item_id))
        .order(item_links::id)
        .select((
            item_links::id,
            item_links::relation,
            items::slug,
            items::title,
            items::short_title,
            items::kind,
            items::current_phase,
        ))
        .load(conn)?;
    let incoming: Vec<Row> = item_links::table
        .inner_join(items::table.on(items::id.eq(item_links::from_item_id)))
        .filter(item_links::to_item_id.eq(item_id))
        .order(item_links::id)
        .select((
            item_links::id,
            item_links::relation,
            items::slug,
            items::title,
            items::short_title,
            items::kind,
            items::current_phase,
        ))
        .load(conn)?;
    let view = |outgoing: bool| {
        move |(
            id,
            relation,
            other_slug,
            other_title,
            other_short_title,
            other_kind,
            other_phase,
        ): Row| LinkView {
            id,
            outgoing,
            relation,
            other_slug,
            other_title,
            other_short_title,
            other_kind,
            other_phase,
        }
    };
    Ok(outgoing
        .into_iter()
        .map(view(true))
        .chain(incoming.into_iter().map(view(false)))
        .collect())
}

/// Removes a link that starts or ends at `item_id`; false if there is none.
///
/// The item's id and the link's are of different types, so they cannot be
/// swapped:
///
/// ```compile_fail
/// # use regwatch::domain::{ItemId, LinkId};
/// # use regwatch::store::{links, DbConnection};
/// # fn swapped(conn: &mut DbConnection, item: ItemId, link: LinkId) {
/// links::remove(conn, link, item, None, chrono::NaiveDateTime::MIN);
/// # }
/// ```
pub fn remove(
    conn: &mut DbConnection,
    item_id: ItemId,
    link_id: LinkId,
    user_id: Option<UserId>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        let link: Option<(ItemId, ItemId, String)> = item_links::table
            .find(link_id)
            .filter(
                item_links::from_item_id
                    .eq(item_id)
                    .or(item_links::to_item_id.eq(item_id)),
            )
            .select((
                item_links::from_item_id,
                item_links::to_item_id,
                item_links::relation,
            ))
            .first(conn)
            .optional()?;
        let Some((from, to, relation)) = link else {
            return Ok(false);
        };
        let deleted = diesel::delete(item_links::table.find(link_id)).execute(conn)?;
        if deleted == 0 {
            return Ok(false);
        }
        record_on_both(conn, from, to, &relation, user_id, false, now)?;
        Ok(true)
    })
}

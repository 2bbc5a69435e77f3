//! Items and their multi-valued fields (identifiers, parties, tags).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::changes::{self, ChangePayload};
use super::events::{self, EventRow};
use super::links::{self, LinkView};
use super::revisions::{self, FieldChange, RevisionAction};
use super::{insert_unless_duplicate, search, subscriptions, DbConnection, DbError};
use crate::domain::{
    DatePrecision, EventDate, ItemId, Jurisdiction, Kind, Phase, Slug, Tag, UserId,
};
use crate::schema::{item_identifiers, item_parties, item_tags, items, tags};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct ItemRow {
    pub id: i32,
    pub slug: String,
    pub kind: Kind,
    pub title: String,
    pub short_title: Option<String>,
    pub original_title: Option<String>,
    pub jurisdiction: String,
    pub summary: String,
    pub status_summary: Option<String>,
    pub current_status: Option<String>,
    pub current_phase: Option<Phase>,
    pub last_event_date: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_event_precision: Option<DatePrecision>,
}

impl ItemRow {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn phase(&self) -> Option<Phase> {
        self.current_phase
    }

    /// The date of the latest standing event, at its precision.
    pub fn last_event(&self) -> Option<EventDate> {
        let precision = self.last_event_precision.unwrap_or(DatePrecision::Day);
        self.last_event_date
            .map(|d| EventDate::from_parts(d, precision))
    }

    pub fn status_label(&self) -> Option<String> {
        self.current_status
            .as_deref()
            .map(|s| events::status_label(self.kind(), s))
    }
}

/// An item's editable fields, every one already valid.
#[derive(Debug, Clone)]
pub struct ItemFields {
    pub kind: Kind,
    pub slug: Slug,
    pub title: String,
    pub short_title: Option<String>,
    pub original_title: Option<String>,
    pub jurisdiction: Jurisdiction,
    pub summary: String,
    pub status_summary: Option<String>,
    pub identifiers: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<Tag>,
}

impl ItemFields {
    /// The fields as (name, text) pairs: what revisions compare.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        vec![
            ("kind", self.kind.as_str().to_owned()),
            ("slug", self.slug.to_string()),
            ("title", self.title.clone()),
            ("short_title", self.short_title.clone().unwrap_or_default()),
            (
                "original_title",
                self.original_title.clone().unwrap_or_default(),
            ),
            ("jurisdiction", self.jurisdiction.to_string()),
            ("summary", self.summary.clone()),
            (
                "status_summary",
                self.status_summary.clone().unwrap_or_default(),
            ),
            ("identifiers", self.identifiers.join("\n")),
            ("parties", self.parties.join("\n")),
            (
                "tags",
                self.tags
                    .iter()
                    .map(Tag::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]
    }
}

/// Creates an item with its identifiers, parties and tags, its search
/// document and its first revision, in one transaction.
pub fn create(
    conn: &mut DbConnection,
    fields: &ItemFields,
    user_id: Option<i32>,
    at: NaiveDateTime,
) -> Result<i32, DbError> {
    conn.transaction(|conn| {
        let id: i32 = diesel::insert_into(items::table)
            .values((
                items::slug.eq(fields.slug.as_str()),
                items::kind.eq(fields.kind.as_str()),
                items::title.eq(&fields.title),
                items::short_title.eq(&fields.short_title),
                items::original_title.eq(&fields.original_title),
                items::jurisdiction.eq(fields.jurisdiction.as_str()),
                items::summary.eq(&fields.summary),
                items::status_summary.eq(&fields.status_summary),
                items::version.eq(1),
                items::created_at.eq(at),
                items::updated_at.eq(at),
            ))
            .returning(items::id)
            .get_result(conn)?;
        write_lists(conn, id, fields)?;
        search::refresh(conn, id)?;
        let changes = revisions::diff(&[], &fields.values());
        revisions::record(conn, id, user_id, 1, RevisionAction::Create, &changes, at)?;
        let change = changes::record(
            conn,
            ItemId(id),
            user_id.map(UserId),
            &ChangePayload::ItemCreated {
                title: fields.title.clone(),
            },
            at,
        )?;
        subscriptions::fan_out(conn, change, ItemId(id), at)?;
        Ok(id)
    })
}

fn write_lists(conn: &mut DbConnection, item_id: i32, fields: &ItemFields) -> Result<(), DbError> {
    diesel::delete(item_identifiers::table.filter(item_identifiers::item_id.eq(item_id)))
        .execute(conn)?;
    diesel::delete(item_parties::table.filter(item_parties::item_id.eq(item_id))).execute(conn)?;
    diesel::delete(item_tags::table.filter(item_tags::item_id.eq(item_id))).execute(conn)?;
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
        insert_unless_duplicate(conn, |conn| {
            diesel::insert_into(tags::table)
                .values(tags::name.eq(tag.as_str()))
                .execute(conn)
        })?;
        let tag_id: i32 = tags::table
            .filter(tags::name.eq(tag.as_str()))
            .select(tags::id)
            .first(conn)?;
        insert_unless_duplicate(conn, |conn| {
            diesel::insert_into(item_tags::table)
                .values((item_tags::item_id.eq(item_id), item_tags::tag_id.eq(tag_id)))
                .execute(conn)
        })?;
    }
    Ok(())
}

/// How an edit ended.
#[derive(Debug)]
pub enum UpdateOutcome {
    /// Saved as this new version, with these field changes.
    Saved {
        version: i32,
        changes: Vec<FieldChange>,
    },
    /// Nothing differed from the stored item; nothing was written.
    Unchanged,
    /// Someone saved a newer version since the form was loaded; nothing
    /// was written.
    Conflict { current_version: i32 },
}

/// Saves edited fields if the item is still at `expected_version`.
///
/// The version check and bump is the transaction's first statement, so two
/// editors saving the same version end with exactly one saved version.
pub fn update(
    conn: &mut DbConnection,
    item_id: i32,
    expected_version: i32,
    fields: &ItemFields,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<UpdateOutcome, DbError> {
    conn.transaction(|conn| {
        let bumped = diesel::update(
            items::table
                .filter(items::id.eq(item_id))
                .filter(items::version.eq(expected_version)),
        )
        .set(items::version.eq(items::version + 1))
        .execute(conn)?;
        if bumped == 0 {
            let current_version = items::table
                .find(item_id)
                .select(items::version)
                .first(conn)?;
            return Ok(UpdateOutcome::Conflict { current_version });
        }
        let old = current_fields(conn, item_id)?;
        let changes = revisions::diff(&old, &fields.values());
        if changes.is_empty() {
            // Undo the bump: an empty save is not a new version.
            return Err(diesel::result::Error::RollbackTransaction.into());
        }
        let version = expected_version + 1;
        diesel::update(items::table.find(item_id))
            .set((
                items::slug.eq(fields.slug.as_str()),
                items::kind.eq(fields.kind.as_str()),
                items::title.eq(&fields.title),
                items::short_title.eq(&fields.short_title),
                items::original_title.eq(&fields.original_title),
                items::jurisdiction.eq(fields.jurisdiction.as_str()),
                items::summary.eq(&fields.summary),
                items::status_summary.eq(&fields.status_summary),
                items::updated_at.eq(now),
            ))
            .execute(conn)?;
        write_lists(conn, item_id, fields)?;
        search::refresh(conn, item_id)?;
        revisions::record(
            conn,
            item_id,
            user_id,
            version,
            RevisionAction::Edit,
            &changes,
            now,
        )?;
        let change = changes::record(
            conn,
            ItemId(item_id),
            user_id.map(UserId),
            &ChangePayload::FieldsEdited {
                changes: changes.clone(),
            },
            now,
        )?;
        subscriptions::fan_out(conn, change, ItemId(item_id), now)?;
        Ok(UpdateOutcome::Saved { version, changes })
    })
    .or_else(|e| match e {
        DbError::Query(diesel::result::Error::RollbackTransaction) => Ok(UpdateOutcome::Unchanged),
        e => Err(e),
    })
}

/// The stored editable fields of an item as (name, text) pairs.
pub fn current_fields(
    conn: &mut DbConnection,
    item_id: i32,
) -> Result<Vec<(&'static str, String)>, DbError> {
    Ok(load_fields(conn, item_id)?.values())
}

/// The stored editable fields of an item.
pub fn load_fields(conn: &mut DbConnection, item_id: i32) -> Result<ItemFields, DbError> {
    let item: ItemRow = items::table
        .find(item_id)
        .select(ItemRow::as_select())
        .first(conn)?;
    let identifiers = identifiers_of(conn, item_id)?;
    let parties = parties_of(conn, item_id)?;
    let tags = tags_of(conn, item_id)?
        .iter()
        .filter_map(|t| Tag::try_from(t.as_str()).ok())
        .collect();
    Ok(ItemFields {
        kind: item.kind(),
        slug: Slug::try_from(item.slug.as_str()).unwrap_or_else(|_| {
            Slug::try_from(format!("item-{}", item.id).as_str()).expect("valid slug")
        }),
        title: item.title,
        short_title: item.short_title,
        original_title: item.original_title,
        jurisdiction: Jurisdiction::try_from(item.jurisdiction.as_str())
            .unwrap_or_else(|_| Jurisdiction::try_from("XX").expect("valid code")),
        summary: item.summary,
        status_summary: item.status_summary,
        identifiers,
        parties,
        tags,
    })
}

pub fn find(conn: &mut DbConnection, id: ItemId) -> Result<Option<ItemRow>, DbError> {
    Ok(items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> Result<Option<ItemRow>, DbError> {
    Ok(items::table
        .filter(items::slug.eq(slug))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?)
}

/// Everything the item page shows.
#[derive(Debug)]
pub struct ItemDetail {
    pub item: ItemRow,
    pub identifiers: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<String>,
    pub events: Vec<EventRow>,
    pub links: Vec<LinkView>,
}

pub fn detail(conn: &mut DbConnection, slug: &str) -> Result<Option<ItemDetail>, DbError> {
    let Some(item) = find_by_slug(conn, slug)? else {
        return Ok(None);
    };
    let identifiers = identifiers_of(conn, item.id)?;
    let parties = parties_of(conn, item.id)?;
    let tags = tags_of(conn, item.id)?;
    let events = events::for_item(conn, item.id)?;
    let links = links::for_item(conn, item.id)?;
    Ok(Some(ItemDetail {
        item,
        identifiers,
        parties,
        tags,
        events,
        links,
    }))
}

pub fn identifiers_of(conn: &mut DbConnection, item_id: i32) -> Result<Vec<String>, DbError> {
    Ok(item_identifiers::table
        .filter(item_identifiers::item_id.eq(item_id))
        .order(item_identifiers::position)
        .select(item_identifiers::value)
        .load(conn)?)
}

pub fn parties_of(conn: &mut DbConnection, item_id: i32) -> Result<Vec<String>, DbError> {
    Ok(item_parties::table
        .filter(item_parties::item_id.eq(item_id))
        .order(item_parties::position)
        .select(item_parties::name)
        .load(conn)?)
}

pub fn tags_of(conn: &mut DbConnection, item_id: i32) -> Result<Vec<String>, DbError> {
    Ok(item_tags::table
        .inner_join(tags::table)
        .filter(item_tags::item_id.eq(item_id))
        .order(tags::name)
        .select(tags::name)
        .load(conn)?)
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

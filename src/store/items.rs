//! Items: their rows, creating and editing them (each save a revision and a
//! change, in one transaction), and what the item page reads. The lists an
//! item holds (identifiers, parties, tags) are in `item_lists`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;

use super::author::Author;
use super::changes::{self, ChangePayload};
use super::columns::checked;
use super::events::{self, EventRow};
use super::item_lists;
use super::links::{self, LinkView};
use super::revisions::{self, FieldChange, RevisionAction};
use super::{search, DbConnection, DbError};
use crate::db::write_transaction;
use crate::domain::{
    DatePrecision, EventDate, ItemId, Jurisdiction, Kind, Phase, Slug, Status, Tag,
};
use crate::schema::items;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct ItemRow {
    pub id: ItemId,
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

    /// The date of the latest standing event, at its precision (the two
    /// are written together).
    pub fn last_event(&self) -> Option<EventDate> {
        self.last_event_date
            .zip(self.last_event_precision)
            .map(|(date, precision)| EventDate::from_parts(date, precision))
    }

    pub fn status_label(&self) -> Option<String> {
        self.current_status
            .as_deref()
            .map(|s| Status::label_of(self.kind(), s))
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

/// Why an item could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    /// Another item has the slug (slugs are unique: they are addresses).
    #[error("Another item already uses the slug \"{0}\"; choose another.")]
    SlugTaken(Slug),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ItemError {
    fn from(e: diesel::result::Error) -> Self {
        ItemError::Db(e.into())
    }
}

/// The error of a statement that writes an item's slug: the slug's unique
/// index refusing it means another item took it first.
fn slug_taken_or(e: diesel::result::Error, slug: &Slug) -> ItemError {
    match e {
        diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            ItemError::SlugTaken(slug.clone())
        }
        e => e.into(),
    }
}

/// Creates an item with its identifiers, parties and tags, its search
/// document and its first revision, in one transaction; refused when its
/// slug is taken.
pub fn create(
    conn: &mut DbConnection,
    fields: &ItemFields,
    by: impl Into<Author>,
    at: NaiveDateTime,
) -> Result<ItemId, ItemError> {
    insert_new(conn, fields, by.into(), at, true)
}

/// [`create`] for a writer that records the item's first events next, in
/// the same transaction (an import): their write indexes the item with
/// them. The search document is written here too only when the creation
/// is alerted, since saved filters are matched against the new item at
/// once; a bulk import writes it once.
pub fn create_before_events(
    conn: &mut DbConnection,
    fields: &ItemFields,
    by: Author,
    at: NaiveDateTime,
) -> Result<ItemId, ItemError> {
    insert_new(conn, fields, by, at, by.alerts())
}

fn insert_new(
    conn: &mut DbConnection,
    fields: &ItemFields,
    by: Author,
    at: NaiveDateTime,
    index: bool,
) -> Result<ItemId, ItemError> {
    conn.transaction(|conn| {
        let id: ItemId = diesel::insert_into(items::table)
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
            .get_result(conn)
            .map_err(|e| slug_taken_or(e, &fields.slug))?;
        item_lists::write_new(conn, id, fields)?;
        if index {
            search::refresh(conn, id)?;
        }
        let changes = revisions::diff(&[], &fields.values());
        revisions::record(conn, id, by, 1, RevisionAction::Create, &changes, at)?;
        changes::announce(
            conn,
            id,
            by,
            &ChangePayload::ItemCreated {
                title: fields.title.clone(),
            },
            at,
        )?;
        Ok(id)
    })
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

/// Saves edited fields if the item is still at `expected_version`;
/// refused when the new slug is another item's (checked first: a taken
/// slug is refused even when the version is stale).
///
/// The version check and bump is the transaction's first statement, so two
/// editors saving the same version end with exactly one saved version.
pub fn update(
    conn: &mut DbConnection,
    item_id: ItemId,
    expected_version: i32,
    fields: &ItemFields,
    by: impl Into<Author>,
    now: NaiveDateTime,
) -> Result<UpdateOutcome, ItemError> {
    let by = by.into();
    if find_by_slug(conn, fields.slug.as_str())?.is_some_and(|other| other.id != item_id) {
        return Err(ItemError::SlugTaken(fields.slug.clone()));
    }
    write_transaction(conn, |conn| {
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
            .execute(conn)
            .map_err(|e| slug_taken_or(e, &fields.slug))?;
        item_lists::write(conn, item_id, fields)?;
        search::refresh(conn, item_id)?;
        revisions::record(
            conn,
            item_id,
            by,
            version,
            RevisionAction::Edit,
            &changes,
            now,
        )?;
        changes::announce(
            conn,
            item_id,
            by,
            &ChangePayload::FieldsEdited {
                changes: changes.clone(),
            },
            now,
        )?;
        Ok(UpdateOutcome::Saved { version, changes })
    })
    .or_else(|e| match e {
        ItemError::Db(DbError::Query(diesel::result::Error::RollbackTransaction)) => {
            Ok(UpdateOutcome::Unchanged)
        }
        e => Err(e),
    })
}

/// The stored editable fields of an item as (name, text) pairs.
pub fn current_fields(
    conn: &mut DbConnection,
    item_id: ItemId,
) -> Result<Vec<(&'static str, String)>, DbError> {
    Ok(load_fields(conn, item_id)?.values())
}

/// The stored editable fields of an item.
pub fn load_fields(conn: &mut DbConnection, item_id: ItemId) -> Result<ItemFields, DbError> {
    let item: ItemRow = items::table
        .find(item_id)
        .select(ItemRow::as_select())
        .first(conn)?;
    let identifiers = item_lists::identifiers_of(conn, item_id)?;
    let parties = item_lists::parties_of(conn, item_id)?;
    let tags = item_lists::tags_of(conn, item_id)?
        .iter()
        .map(|t| checked(Tag::try_from(t.as_str())))
        .collect::<Result<_, _>>()?;
    Ok(ItemFields {
        kind: item.kind(),
        slug: checked(Slug::try_from(item.slug.as_str()))?,
        title: item.title,
        short_title: item.short_title,
        original_title: item.original_title,
        jurisdiction: checked(Jurisdiction::try_from(item.jurisdiction.as_str()))?,
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
    let identifiers = item_lists::identifiers_of(conn, item.id)?;
    let parties = item_lists::parties_of(conn, item.id)?;
    let tags = item_lists::tags_of(conn, item.id)?;
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

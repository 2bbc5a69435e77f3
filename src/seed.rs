//! The starter dataset: verified facts embedded in the binary, loaded into an
//! empty database on first start and by `regwatch seed`.
//!
//! Loading is idempotent: an item whose slug exists is left as it is, apart
//! from starter events and links it lacks, which are added.

use std::collections::HashSet;

use diesel::prelude::*;
use serde::Deserialize;

use crate::db::{DbConnection, DbError};
use crate::domain::{InvalidValue, Jurisdiction, Kind, Slug, SourceUrl, Status, Tag};
use crate::schema::status_events;
use crate::store::events::{self, NewEvent};
use crate::store::items::{self, ItemFields};
use crate::store::{links, settings};

/// The starter data file, as verified.
pub const STARTER_DATA: &str = include_str!("seed/starter.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub items: Vec<SeedItem>,
    #[serde(default)]
    pub links: Vec<SeedLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedItem {
    pub slug: String,
    pub title: String,
    pub short_title: Option<String>,
    pub original_title: Option<String>,
    pub kind: String,
    pub jurisdiction: String,
    #[serde(default)]
    pub identifiers: Vec<String>,
    #[serde(default)]
    pub parties: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub summary: String,
    pub events: Vec<SeedEvent>,
    pub current: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEvent {
    pub date: String,
    pub status: String,
    pub confidence: String,
    #[serde(default)]
    pub note: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLink {
    pub from: String,
    pub to: String,
    pub relation: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the data file is not valid YAML of the expected shape: {0}")]
    Parse(#[from] serde_norway::Error),
    #[error("item {slug}: {problem}")]
    Invalid { slug: String, problem: InvalidValue },
    #[error("link {from} -> {to}: no item with slug {missing}")]
    UnknownLinkTarget {
        from: String,
        to: String,
        missing: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SeedError {
    fn from(e: diesel::result::Error) -> Self {
        SeedError::Db(DbError::Query(e))
    }
}

/// What a load did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub items_added: usize,
    pub events_added: usize,
    pub links_added: usize,
}

struct ValidItem {
    fields: ItemFields,
    events: Vec<NewEvent>,
}

fn validate(item: &SeedItem) -> Result<ValidItem, InvalidValue> {
    let kind: Kind = item.kind.parse()?;
    let text = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let fields = ItemFields {
        kind,
        slug: Slug::try_from(item.slug.as_str())?,
        title: item.title.trim().to_owned(),
        short_title: text(&item.short_title),
        original_title: text(&item.original_title),
        jurisdiction: Jurisdiction::try_from(item.jurisdiction.as_str())?,
        summary: item.summary.trim().to_owned(),
        status_summary: text(&item.current),
        identifiers: item.identifiers.clone(),
        parties: item.parties.clone(),
        tags: item
            .tags
            .iter()
            .map(|t| Tag::try_from(t.as_str()))
            .collect::<Result<_, _>>()?,
    };
    let events = item
        .events
        .iter()
        .map(|e| {
            Ok(NewEvent {
                date: e.date.parse()?,
                status: Status::parse(kind, &e.status)?,
                note: e.note.trim().to_owned(),
                source: SourceUrl::try_from(e.source.as_str())?,
                confidence: e.confidence.parse()?,
            })
        })
        .collect::<Result<Vec<_>, InvalidValue>>()?;
    Ok(ValidItem { fields, events })
}

pub fn parse(text: &str) -> Result<SeedFile, SeedError> {
    Ok(serde_norway::from_str(text)?)
}

/// Loads a data file in one transaction: all of it or none of it.
pub fn load(conn: &mut DbConnection, text: &str) -> Result<SeedReport, SeedError> {
    let file = parse(text)?;
    let valid = file
        .items
        .iter()
        .map(|i| {
            validate(i).map_err(|problem| SeedError::Invalid {
                slug: i.slug.clone(),
                problem,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    conn.transaction(|conn| {
        let mut report = SeedReport::default();
        for item in &valid {
            let slug = item.fields.slug.as_str();
            let id = match items::find_by_slug(conn, slug)? {
                Some(existing) => existing.id,
                None => {
                    report.items_added += 1;
                    items::create(conn, &item.fields, None)?
                }
            };
            let missing = missing_events(conn, id, &item.events)?;
            report.events_added += missing.len();
            if !missing.is_empty() {
                events::insert_many(conn, id, &missing, None)?;
            }
        }
        for link in &file.links {
            let find = |conn: &mut DbConnection, slug: &str| -> Result<i32, SeedError> {
                items::find_by_slug(conn, slug)?
                    .map(|i| i.id)
                    .ok_or_else(|| SeedError::UnknownLinkTarget {
                        from: link.from.clone(),
                        to: link.to.clone(),
                        missing: slug.to_owned(),
                    })
            };
            let from = find(conn, &link.from)?;
            let to = find(conn, &link.to)?;
            if links::insert(conn, from, to, link.relation.trim(), None)? {
                report.links_added += 1;
            }
        }
        Ok(report)
    })
}

/// The events of `wanted` the item does not have yet (same date, precision,
/// status and source).
fn missing_events(
    conn: &mut DbConnection,
    item_id: i32,
    wanted: &[NewEvent],
) -> Result<Vec<NewEvent>, DbError> {
    let have: HashSet<(chrono::NaiveDate, String, String, String)> = status_events::table
        .filter(status_events::item_id.eq(item_id))
        .select((
            status_events::event_date,
            status_events::date_precision,
            status_events::status,
            status_events::source_url,
        ))
        .load::<(chrono::NaiveDate, String, String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(wanted
        .iter()
        .filter(|e| {
            !have.contains(&(
                e.date.start(),
                e.date.precision().as_str().to_owned(),
                e.status.name().to_owned(),
                e.source.as_str().to_owned(),
            ))
        })
        .cloned()
        .collect())
}

const SEEDED_KEY: &str = "starter_data_loaded_at";

/// Loads the starter data the first time a database is started, and never
/// again (so items an editor removed do not come back).
pub fn load_on_first_start(conn: &mut DbConnection) -> Result<Option<SeedReport>, SeedError> {
    if settings::get(conn, SEEDED_KEY)?.is_some() {
        return Ok(None);
    }
    let report = conn.transaction(|conn| {
        let report = load(conn, STARTER_DATA)?;
        settings::set(conn, SEEDED_KEY, &crate::store::now().to_string())?;
        Ok::<_, SeedError>(report)
    })?;
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventDate;

    #[test]
    fn the_starter_data_is_valid_and_keeps_month_precision() {
        let file = parse(STARTER_DATA).unwrap();
        assert_eq!(file.items.len(), 6);
        for item in &file.items {
            let valid = validate(item).unwrap_or_else(|e| panic!("{}: {e}", item.slug));
            assert_eq!(valid.events.len(), item.events.len());
        }
        let measures = file
            .items
            .iter()
            .find(|i| i.slug == "cn-generative-ai-interim-measures")
            .unwrap();
        let draft: EventDate = measures.events[0].date.parse().unwrap();
        assert_eq!(draft.iso(), "2023-04");
        assert_eq!(draft.precision(), crate::domain::DatePrecision::Month);
    }
}

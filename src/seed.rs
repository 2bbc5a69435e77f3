//! The starter dataset: verified facts embedded in the binary, loaded into an
//! empty database on first start and by `regwatch seed`.
//!
//! Loading is idempotent, and brings a database loaded from an earlier
//! version of the data up to date (see [`load`]). Everything it writes is
//! attributed to the starter data: revisions and changes without a user.

use std::fmt;

use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::db::{write_transaction, DbConnection, DbError};
use crate::domain::{InvalidValue, ItemId};
use crate::exchange;
use crate::import::apply::ApplyError;
use crate::import::plan::ItemPlan;
use crate::import::{self, Mode};
use crate::store::author::Author;
use crate::store::events;
use crate::store::items::{self, ItemError};
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

/// The starter data's item, event and link shapes are the import shapes
/// (the import format is a superset of the starter data's).
pub use crate::exchange::{FileLink as SeedLink, ItemRecord as SeedItem};

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
    Item(#[from] ItemError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
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
    /// Items whose fields were brought in line with the data.
    pub items_corrected: usize,
    /// Events corrected to the data (a date made precise, a source or
    /// confidence corrected...).
    pub events_corrected: usize,
    /// Starter events that differ from the data but that an editor has
    /// corrected or retracted, left as the editor left them.
    pub events_kept: usize,
    /// Starter events loaded before loading wrote their revision, whose
    /// revision was written now.
    pub history_written: usize,
    pub milestones_added: usize,
    /// Starter milestones corrected to the data.
    pub milestones_corrected: usize,
}

impl SeedReport {
    /// Counts what storing a starter item does.
    fn count(&mut self, plan: &ItemPlan) {
        if plan.existing.is_none() {
            self.items_added += 1;
        } else if !plan.field_changes.is_empty() {
            self.items_corrected += 1;
        }
        self.events_added += plan.add_events.len();
        self.events_corrected += plan.correct_events.len();
        self.events_kept += plan.kept_events;
        self.milestones_added += plan.add_milestones.len();
        self.milestones_corrected += plan.correct_milestones.len();
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} items, {} events and {} links added; {} items and {} events corrected",
            self.items_added,
            self.events_added,
            self.links_added,
            self.items_corrected,
            self.events_corrected
        )?;
        if self.milestones_added + self.milestones_corrected > 0 {
            write!(
                f,
                "; {} milestones added and {} corrected",
                self.milestones_added, self.milestones_corrected
            )?;
        }
        if self.events_kept > 0 {
            write!(
                f,
                "; {} events an editor changed were left as they are",
                self.events_kept
            )?;
        }
        if self.history_written > 0 {
            write!(
                f,
                "; history recorded for {} events loaded earlier",
                self.history_written
            )?;
        }
        Ok(())
    }
}

/// A starter item, checked: the starter data retracts no events and lists
/// its links after the items.
fn validate(item: &SeedItem) -> Result<exchange::ValidItem, InvalidValue> {
    let valid = exchange::validate_item(item).map_err(|problems| {
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        InvalidValue::new(messages.join("; "))
    })?;
    if let Some(i) = valid.events.iter().position(|e| e.retraction.is_some()) {
        return Err(InvalidValue::new(format!(
            "events[{i}]: the starter data retracts no events"
        )));
    }
    if !valid.links.is_empty() {
        return Err(InvalidValue::new(
            "links: the starter data lists its links after the items",
        ));
    }
    Ok(valid)
}

pub fn parse(text: &str) -> Result<SeedFile, SeedError> {
    Ok(serde_norway::from_str(text)?)
}

/// Loads a data file in one transaction: all of it or none of it.
///
/// Items, events and links the database lacks are added. What the data
/// corrects is corrected where no editor has changed it since: an item's
/// fields unless an editor has edited them, and each starter event (matched
/// by its date, status and source, or else by its status and a date in the
/// same period, as when a month becomes a day) unless an editor has
/// corrected or retracted it. Each correction is a revision and a change
/// attributed to the starter data. Events an editor recorded are never
/// touched. Milestones are matched by kind and corrected the same way.
/// Each item goes the way an import's does ([`import::plan`] in
/// [`Mode::Starter`], then [`import::apply`]).
pub fn load(
    conn: &mut DbConnection,
    text: &str,
    now: NaiveDateTime,
) -> Result<SeedReport, SeedError> {
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
    write_transaction(conn, |conn| {
        let mut report = SeedReport::default();
        if settings::get(conn, HISTORY_KEY)?.is_none() {
            report.history_written = events::record_starter_history(conn)?;
            settings::set(conn, HISTORY_KEY, &now.to_string())?;
        }
        for item in &valid {
            let plan = import::plan::plan(conn, item, Mode::Starter)?;
            report.count(&plan);
            import::apply::apply(conn, &plan, Author::STARTER, now)?;
        }
        for link in &file.links {
            let find = |conn: &mut DbConnection, slug: &str| -> Result<ItemId, SeedError> {
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
            if links::insert(conn, from, to, link.relation.trim(), Author::STARTER, now)? {
                report.links_added += 1;
            }
        }
        Ok(report)
    })
}

/// Set once the starter events loaded before loading wrote revisions have
/// had theirs written.
const HISTORY_KEY: &str = "starter_history_recorded_at";

const SEEDED_KEY: &str = "starter_data_loaded_at";

/// Loads the starter data the first time a database is started, and never
/// again (so items an editor removed do not come back).
pub fn load_on_first_start(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<Option<SeedReport>, SeedError> {
    if settings::get(conn, SEEDED_KEY)?.is_some() {
        return Ok(None);
    }
    let report = write_transaction(conn, |conn| {
        let report = load(conn, STARTER_DATA, now)?;
        settings::set(conn, SEEDED_KEY, &now.to_string())?;
        Ok::<_, SeedError>(report)
    })?;
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DatePrecision, EventDate};

    #[test]
    fn the_starter_data_is_valid_and_keeps_each_precision() {
        let file = parse(STARTER_DATA).unwrap();
        assert_eq!(file.items.len(), 7);
        let mut events = 0;
        for item in &file.items {
            let valid = validate(item).unwrap_or_else(|e| panic!("{}: {e}", item.slug));
            assert_eq!(valid.events.len(), item.events.len());
            events += valid.events.len();
        }
        assert_eq!(events, 28);
        let dates = |slug: &str| -> Vec<EventDate> {
            let item = file.items.iter().find(|i| i.slug == slug).unwrap();
            item.events
                .iter()
                .map(|e| e.date.parse().unwrap())
                .collect()
        };
        let draft = dates("cn-generative-ai-interim-measures")[0];
        assert_eq!(
            (draft.iso(), draft.precision()),
            ("2023-04-11".to_owned(), DatePrecision::Day)
        );
        let apple = dates("apple-alibaba-china-ai");
        assert_eq!(
            (apple[0].iso(), apple[0].precision()),
            ("2024".to_owned(), DatePrecision::Year)
        );
        assert!(apple
            .iter()
            .any(|d| d.iso() == "2025-10" && d.precision() == DatePrecision::Month));
    }

    #[test]
    fn starter_data_cannot_carry_what_loading_it_would_drop() {
        let file = parse(
            "items:\n- slug: a\n  title: A\n  kind: bill\n  jurisdiction: US\n  events:\n  \
             - {date: 2025, status: introduced, confidence: high, source: 'https://example.org/',\n     \
             retracted: true, retraction_note: wrong}\n\
             - slug: b\n  title: B\n  kind: bill\n  jurisdiction: US\n  links: [{relation: uses, to: a}]\n",
        )
        .unwrap();
        let refusals: Vec<String> = file
            .items
            .iter()
            .map(|i| validate(i).err().unwrap().to_string())
            .collect();
        assert_eq!(
            refusals,
            [
                "events[0]: the starter data retracts no events",
                "links: the starter data lists its links after the items"
            ]
        );
    }
}

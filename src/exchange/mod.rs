//! Import and export files: items with their events, milestones and links
//! as JSON, YAML (the starter data's shape) or CSV (one row per item).
//!
//! Reading streams: each record is read, checked and handed over on its
//! own, so a caller can store it and move on. A record with problems comes
//! with where it is (`items[3]`, or a CSV line) and every problem, and
//! reading goes on; a file that cannot be read on (not JSON, a broken
//! quote) stops with where it broke.
//!
//! - JSON: `{"items": [...], "links": [...]}`; memory holds one record at
//!   a time, whatever the file's size.
//! - YAML: the same document as YAML; the parser reads the whole document
//!   before the first record (fine for hand-written files; use JSON or CSV
//!   for large ones).
//! - CSV: item fields only, no events, milestones or links.

mod csv_file;
mod csv_lines;
mod document;
mod record;
mod validate;
mod write;

use std::fmt;
use std::io::Read;
use std::str::FromStr;

pub use csv_file::{CsvRow, CsvWriter, CSV_COLUMNS};
pub use record::{EventRecord, FileLink, ItemRecord, LinkRecord, MilestoneRecord};
pub use validate::{
    validate_item, validate_link, Problem, ValidEvent, ValidItem, ValidLink, ValidMilestone,
};
pub use write::{JsonWriter, YamlWriter};

/// A file format for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Csv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Json, Format::Yaml];

    /// The `--format` value and the usual file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Yaml => "application/yaml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The format a file name's extension names (`.yml` too), if any.
    pub fn of_file_name(name: &str) -> Option<Format> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "yml" => Some(Format::Yaml),
            ext => ext.parse().ok(),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown format \"{s}\"; expected csv, json or yaml"))
    }
}

/// One thing read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Item(Box<ValidItem>),
    /// A link listed on its own, after the items.
    Link(ValidLink),
}

/// Where a record is in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In JSON or YAML, e.g. `items[3]` or `links[0]`.
    Path(String),
    /// The CSV line the row starts on (the header is line 1).
    Line(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Path(path) => f.write_str(path),
            Location::Line(line) => write!(f, "line {line}"),
        }
    }
}

/// A record that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub at: Location,
    /// The record's slug as written, when it could be read.
    pub slug: Option<String>,
    pub problems: Vec<Problem>,
}

impl RecordError {
    /// One line per problem, each saying where it is: `items[3].events[1].date:
    /// "2025-13" is not a date...` or `line 4, tags[0]: ...`.
    pub fn messages(&self) -> Vec<String> {
        let at = &self.at;
        self.problems
            .iter()
            .map(|p| match (at, p.path.as_str()) {
                (_, "") => format!("{at}: {}", p.message),
                (Location::Path(_), path) => format!("{at}.{path}: {}", p.message),
                (Location::Line(_), path) => format!("{at}, {path}: {}", p.message),
            })
            .collect()
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.messages().join("\n"))
    }
}

impl std::error::Error for RecordError {}

/// What reading hands over, record by record.
pub type Record = Result<Incoming, RecordError>;

/// Why reading stopped before the end of the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E> {
    #[error("the file is not JSON of the expected shape: {0}")]
    Json(serde_json::Error),
    #[error("the file is not YAML of the expected shape: {0}")]
    Yaml(serde_norway::Error),
    #[error("the file is not CSV of the expected shape: {0}")]
    Csv(String),
    /// The caller's handler refused to go on.
    #[error("{0}")]
    Stopped(E),
}

/// Reads `input` in `format`, handing each record to `handle` in file
/// order; an error from `handle` stops reading and is returned as
/// [`ReadError::Stopped`].
pub fn read<R: Read, E>(
    format: Format,
    input: R,
    mut handle: impl FnMut(Record) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    read_located(format, input, |_, record| handle(record))
}

/// As [`read`], handing each record over with where it is in the file.
pub fn read_located<R: Read, E>(
    format: Format,
    input: R,
    handle: impl FnMut(Location, Record) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    match format {
        Format::Json => document::read_json(input, handle),
        Format::Yaml => document::read_yaml(input, handle),
        Format::Csv => csv_file::read_csv(input, handle),
    }
}

/// Checks an item record read at `at`.
fn check_item(at: Location, record: &ItemRecord) -> Record {
    validate_item(record)
        .map(|item| Incoming::Item(Box::new(item)))
        .map_err(|problems| RecordError {
            at,
            slug: Some(record.slug.clone()),
            problems,
        })
}

#[cfg(test)]
mod tests;

//! CSV: one row per item, for spreadsheets. RFC 4180 (quoted where
//! needed, CRLF line ends), UTF-8 with a byte order mark so that
//! spreadsheets read non-Latin titles as UTF-8 rather than a legacy code
//! page. Identifiers, parties and tags share a cell each, joined by `; `
//! (a `;` or `\` inside an entry is written `\;` or `\\`).
//!
//! A cell that a spreadsheet would run as a formula (one starting with
//! `=`, `+`, `-` or `@`) is written after an apostrophe, which reading
//! takes off again, so export then import gives back the same text.
//!
//! Import reads the item's own fields only: events, milestones and links
//! are not in CSV, and the derived columns (status, phase, last event,
//! url) are ignored. Columns are found by their header, in any order.

use std::borrow::Cow;
use std::io::{self, Read, Write};

use csv::{ErrorKind, StringRecord, Terminator, WriterBuilder};

use super::csv_lines::Counted;
use super::record::ItemRecord;
use super::{check_item, Location, ReadError, Record, RecordError};
use crate::domain::{EventDate, Phase};
use crate::exchange::validate::Problem;

/// The header row, in order.
pub const CSV_COLUMNS: [&str; 16] = [
    "slug",
    "title",
    "short_title",
    "original_title",
    "kind",
    "jurisdiction",
    "status",
    "phase",
    "last_event_date",
    "last_event_precision",
    "identifiers",
    "parties",
    "tags",
    "summary",
    "current",
    "url",
];

/// Columns an import needs.
const REQUIRED: [&str; 4] = ["slug", "title", "kind", "jurisdiction"];

const BYTE_ORDER_MARK: &[u8] = "\u{feff}".as_bytes();

/// One item's row: its fields and where it stands.
#[derive(Debug, Clone)]
pub struct CsvRow<'a> {
    /// Only the item's own fields are written; events and the rest are not.
    pub item: &'a ItemRecord,
    /// The current status word, e.g. `introduced`.
    pub status: Option<&'a str>,
    pub phase: Option<Phase>,
    /// Written at its precision (`2025-06`), with the precision beside it.
    pub last_event: Option<EventDate>,
    /// The item's page.
    pub url: &'a str,
}

/// Writes the byte order mark and the header, then a row per item.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(BYTE_ORDER_MARK)?;
        let mut csv = WriterBuilder::new()
            .terminator(Terminator::CRLF)
            .from_writer(out);
        csv.write_record(CSV_COLUMNS)?;
        Ok(CsvWriter { csv })
    }

    pub fn write(&mut self, row: &CsvRow<'_>) -> io::Result<()> {
        let item = row.item;
        let optional = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells: [String; 16] = [
            item.slug.clone(),
            item.title.clone(),
            optional(&item.short_title),
            optional(&item.original_title),
            item.kind.clone(),
            item.jurisdiction.clone(),
            row.status.unwrap_or_default().to_owned(),
            row.phase.map(Phase::as_str).unwrap_or_default().to_owned(),
            row.last_event.map(|d| d.iso()).unwrap_or_default(),
            (row.last_event.map(|d| d.precision().as_str()))
                .unwrap_or_default()
                .to_owned(),
            join_list(&item.identifiers),
            join_list(&item.parties),
            join_list(&item.tags),
            item.summary.clone(),
            optional(&item.current),
            row.url.to_owned(),
        ];
        self.csv
            .write_record(cells.iter().map(|c| guard(c).into_owned()))?;
        Ok(())
    }

    /// Hands back the output, flushed.
    pub fn finish(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

/// Reads rows into item records (without events), checking each.
pub(super) fn read_csv<R: Read, E>(
    input: R,
    mut handle: impl FnMut(Location, Record) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let (input, lines) = Counted::new(input);
    // The csv reader skips a byte order mark.
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let columns = Columns::of(reader.headers().map_err(file_error)?)?;
    let mut row = StringRecord::new();
    let mut line_of = |pos: Option<&csv::Position>| {
        Location::Line(
            lines
                .borrow_mut()
                .line_of_row_at(pos.map_or(0, |p| p.byte())),
        )
    };
    loop {
        let (at, record) = match reader.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let at = line_of(row.position());
                (at.clone(), check_item(at, &columns.record(&row)))
            }
            Err(e) => {
                let e = row_error(e, &mut line_of).map_err(file_error)?;
                (e.at.clone(), Err(e))
            }
        };
        handle(at, record).map_err(ReadError::Stopped)?;
    }
}

fn file_error<E>(e: csv::Error) -> ReadError<E> {
    ReadError::Csv(e.to_string())
}

/// A row that cannot be read is that row's problem; reading goes on.
fn row_error(
    e: csv::Error,
    line_of: &mut impl FnMut(Option<&csv::Position>) -> Location,
) -> Result<RecordError, csv::Error> {
    let (pos, message) = match e.kind() {
        ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            pos.as_ref(),
            format!("has {len} cells where the header has {expected_len}"),
        ),
        ErrorKind::Utf8 { pos, .. } => (pos.as_ref(), "is not UTF-8 text".to_owned()),
        _ => return Err(e),
    };
    Ok(RecordError {
        at: line_of(pos),
        slug: None,
        problems: vec![Problem {
            path: String::new(),
            message: format!("the row {message}"),
        }],
    })
}

/// Where each known column is.
struct Columns(Vec<(usize, &'static str)>);

impl Columns {
    fn of<E>(header: &StringRecord) -> Result<Columns, ReadError<E>> {
        let mut found = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let name = name.trim();
            let Some(known) = CSV_COLUMNS.iter().find(|c| **c == name) else {
                return Err(ReadError::Csv(format!(
                    "line 1: unknown column \"{name}\"; the columns are {}",
                    CSV_COLUMNS.join(", ")
                )));
            };
            found.push((i, *known));
        }
        let missing: Vec<_> = (REQUIRED.iter())
            .filter(|r| !found.iter().any(|(_, c)| c == *r))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(ReadError::Csv(format!(
                "line 1: the header has no {} column",
                missing.join(" column, no ")
            )));
        }
        Ok(Columns(found))
    }

    fn record(&self, row: &StringRecord) -> ItemRecord {
        let mut item = ItemRecord::default();
        for &(i, column) in &self.0 {
            let cell = unguard(row.get(i).unwrap_or_default());
            let optional = || Some(cell.to_owned()).filter(|c| !c.trim().is_empty());
            match column {
                "slug" => item.slug = cell.to_owned(),
                "title" => item.title = cell.to_owned(),
                "short_title" => item.short_title = optional(),
                "original_title" => item.original_title = optional(),
                "kind" => item.kind = cell.to_owned(),
                "jurisdiction" => item.jurisdiction = cell.to_owned(),
                "identifiers" => item.identifiers = split_list(cell),
                "parties" => item.parties = split_list(cell),
                "tags" => item.tags = split_list(cell),
                "summary" => item.summary = cell.to_owned(),
                "current" => item.current = optional(),
                _ => {} // derived from events, or the page: not imported
            }
        }
        item
    }
}

fn join_list(entries: &[String]) -> String {
    let escaped: Vec<String> = entries
        .iter()
        .map(|e| e.replace('\\', "\\\\").replace(';', "\\;"))
        .collect();
    escaped.join("; ")
}

/// Entries split at each `;` not written `\;`, trimmed, blanks dropped.
fn split_list(cell: &str) -> Vec<String> {
    let mut entries = vec![String::new()];
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => entries
                .last_mut()
                .expect("never empty")
                .push(chars.next().unwrap_or('\\')),
            ';' => entries.push(String::new()),
            c => entries.last_mut().expect("never empty").push(c),
        }
    }
    entries
        .into_iter()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect()
}

/// Whether a spreadsheet would take a cell for a formula, past any
/// apostrophes already in front of it.
fn formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@'])
}

fn guard(cell: &str) -> Cow<'_, str> {
    if formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

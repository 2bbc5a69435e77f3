//! Export: the items a filter gives, written as CSV, JSON or YAML
//! (`/items.csv`, `/items.json`, `regwatch export`). Items are read and
//! written a batch at a time, so an export of any size needs little memory.

use std::io::Write;

use crate::db::{DbConnection, DbError};
use crate::domain::{Filter, Phase};
use crate::exchange::{
    CsvRow, CsvWriter, EventRecord, Format, ItemRecord, JsonWriter, LinkRecord, MilestoneRecord,
    YamlWriter,
};
use crate::store::export::{self, ExportedItem};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes the items `filter` gives to `out` in `format`, in id order;
/// `base_url` makes the CSV's item links. Returns how many items.
pub fn write<W: Write + ?Sized>(
    conn: &mut DbConnection,
    filter: &Filter,
    format: Format,
    base_url: &str,
    out: &mut W,
) -> Result<usize, ExportError> {
    match format {
        Format::Json => {
            let mut w = JsonWriter::new(out)?;
            let n = export::for_each(conn, filter, |item| {
                w.write(&record_of(&item)).map_err(ExportError::from)
            })?;
            w.finish()?;
            Ok(n)
        }
        Format::Yaml => {
            let mut w = YamlWriter::new(out);
            let n = export::for_each(conn, filter, |item| {
                w.write(&record_of(&item)).map_err(ExportError::from)
            })?;
            w.finish()?;
            Ok(n)
        }
        Format::Csv => {
            let mut w = CsvWriter::new(out)?;
            let n = export::for_each(conn, filter, |item| {
                let record = record_of(&item);
                let url = format!("{base_url}/items/{}", item.row.slug);
                let status = item.row.current_status.as_deref();
                w.write(&CsvRow {
                    item: &record,
                    status,
                    phase: item.row.phase(),
                    last_event: item.row.last_event(),
                    url: &url,
                })
                .map_err(ExportError::from)
            })?;
            w.finish()?.flush()?;
            Ok(n)
        }
    }
}

/// The record an export writes for a stored item: what an import needs to
/// give it back.
pub fn record_of(item: &ExportedItem) -> ItemRecord {
    let row = &item.row;
    ItemRecord {
        slug: row.slug.clone(),
        title: row.title.clone(),
        short_title: row.short_title.clone(),
        original_title: row.original_title.clone(),
        kind: row.kind.as_str().to_owned(),
        jurisdiction: row.jurisdiction.clone(),
        identifiers: item.identifiers.clone(),
        parties: item.parties.clone(),
        tags: item.tags.clone(),
        summary: row.summary.clone(),
        current: row.status_summary.clone(),
        events: item
            .events
            .iter()
            .map(|e| EventRecord {
                date: e.date().iso(),
                precision: Some(e.date_precision.as_str().to_owned()),
                status: e.status.clone(),
                moves_status: Some(e.moves_status),
                phase: e.phase.map(Phase::as_str).map(str::to_owned),
                confidence: e.confidence.as_str().to_owned(),
                note: e.note.clone(),
                source: e.source_url.clone(),
                retracted: e.retracted,
                retraction_note: e.retraction_note.clone(),
            })
            .collect(),
        milestones: item
            .milestones
            .iter()
            .map(|m| MilestoneRecord {
                date: m.date().iso(),
                precision: Some(m.date_precision.as_str().to_owned()),
                kind: m.kind.as_str().to_owned(),
                confidence: m.confidence.as_str().to_owned(),
                note: m.note.clone(),
                source: m.source_url.clone(),
            })
            .collect(),
        links: item
            .links
            .iter()
            .map(|(relation, to)| LinkRecord {
                relation: relation.clone(),
                to: to.clone(),
            })
            .collect(),
    }
}

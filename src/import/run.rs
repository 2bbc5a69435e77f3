//! Importing a file record by record: each record is read, checked,
//! planned, stored in a savepoint of its own (nothing of a record with a
//! problem is stored; the rest goes on) and reported, then dropped, so
//! memory holds one record at a time however large the file. Links whose
//! target comes later in the file wait for the end of the file.
//!
//! Records are committed in batches of [`BATCH_RECORDS`], one transaction
//! each (a commit per record is what makes a large import slow), and a
//! record's report is handed on once its batch is committed, so a report
//! never claims what a failed commit lost.

use std::collections::HashSet;
use std::io::Read;

use chrono::NaiveDateTime;

use super::apply::{self, ApplyError};
use super::plan::{self, Mode};
use super::report::{self, Outcome, RecordReport, Summary};
use crate::db::{self, write_transaction, DbConnection, DbError};
use crate::domain::ItemId;
use crate::exchange::{self, Format, Incoming, Location, ReadError, ValidLink};
use crate::store::author::Author;
use crate::store::items;

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Report what would change; store nothing.
    pub dry_run: bool,
    /// Who imports, and whether alerts are queued.
    pub by: Author,
    pub now: NaiveDateTime,
}

/// How an import ended.
#[derive(Debug, Default)]
pub struct Finished {
    pub summary: Summary,
    /// Why reading stopped before the end of the file (records before
    /// that point were imported).
    pub stopped: Option<String>,
}

impl Finished {
    /// Whether every record was taken and the whole file read.
    pub fn succeeded(&self) -> bool {
        self.summary.failed == 0 && self.stopped.is_none()
    }
}

/// Records stored per transaction: enough that commits cost little, few
/// enough that a batch's held reports and, on PostgreSQL, the time the
/// change-id lock is held stay small.
pub const BATCH_RECORDS: usize = 250;

/// A link that waits for its target.
struct Pending {
    at: String,
    from: Option<ItemId>,
    link: ValidLink,
}

struct Importer<'c, F> {
    conn: &'c mut DbConnection,
    options: Options,
    report: F,
    summary: Summary,
    pending: Vec<Pending>,
    /// In a dry run: the slugs of the file's new items, which links may name.
    new_slugs: HashSet<String>,
    /// Whether a batch transaction is open, and the records in it.
    batch_open: bool,
    batch_records: usize,
    /// Reports of the open batch's records, handed on once it commits.
    held: Vec<RecordReport>,
}

/// Imports `input` read as `format`, handing each record's report to
/// `report` as soon as it is stored. An error is returned only when the
/// database fails; a file that cannot be read on is [`Finished::stopped`].
pub fn run<R: Read>(
    conn: &mut DbConnection,
    format: Format,
    input: R,
    options: Options,
    report: impl FnMut(RecordReport),
) -> Result<Finished, DbError> {
    let mut importer = Importer {
        conn,
        options,
        report,
        summary: Summary::default(),
        pending: Vec::new(),
        new_slugs: HashSet::new(),
        batch_open: false,
        batch_records: 0,
        held: Vec::new(),
    };
    let read = exchange::read_located(format, input, |at, record| match record {
        Ok(Incoming::Item(item)) => importer.item(at, &item),
        Ok(Incoming::Link(link)) => importer.link(at, link),
        Err(e) => {
            importer.emit(RecordReport {
                at: e.at.to_string(),
                slug: e.slug.clone(),
                outcome: Outcome::Failed,
                lines: e.problems.iter().map(ToString::to_string).collect(),
            });
            Ok(())
        }
    });
    let stopped = match read {
        Ok(()) => None,
        Err(ReadError::Stopped(e)) => return Err(importer.abandon(e)),
        Err(e) => Some(e.to_string()),
    };
    if let Err(e) = importer
        .end_batch()
        .and_then(|()| importer.resolve_pending())
        .and_then(|()| importer.end_batch())
    {
        return Err(importer.abandon(e));
    }
    Ok(Finished {
        summary: importer.summary,
        stopped,
    })
}

impl<F: FnMut(RecordReport)> Importer<'_, F> {
    fn emit(&mut self, report: RecordReport) {
        if self.batch_open {
            self.held.push(report);
        } else {
            self.summary.count(report.outcome);
            (self.report)(report);
        }
    }

    /// Opens a batch transaction unless one is open (or the caller's
    /// transaction holds the import: then it is the batch).
    fn begin_batch(&mut self) -> Result<(), DbError> {
        if !self.batch_open && !self.options.dry_run {
            self.batch_open = db::begin_write(self.conn)?;
            self.batch_records = 0;
        }
        Ok(())
    }

    /// Counts a record into the open batch; commits it when full.
    fn stored_one(&mut self) -> Result<(), DbError> {
        self.batch_records += 1;
        if self.batch_records >= BATCH_RECORDS {
            self.end_batch()?;
        }
        Ok(())
    }

    /// Commits the open batch, then hands on its records' reports.
    fn end_batch(&mut self) -> Result<(), DbError> {
        if self.batch_open {
            db::commit(self.conn)?;
            self.batch_open = false;
        }
        for report in std::mem::take(&mut self.held) {
            self.emit(report);
        }
        Ok(())
    }

    /// After a database failure: the open batch is rolled back and its
    /// reports dropped (none of it is stored).
    fn abandon(&mut self, e: DbError) -> DbError {
        if std::mem::take(&mut self.batch_open) {
            // The failure itself is what the caller needs to hear of.
            let _ = db::rollback(self.conn);
        }
        self.held.clear();
        e
    }

    fn failed(&mut self, at: String, slug: Option<String>, message: String) {
        self.emit(RecordReport {
            at,
            slug,
            outcome: Outcome::Failed,
            lines: vec![message],
        });
    }

    fn item(&mut self, at: Location, item: &exchange::ValidItem) -> Result<(), DbError> {
        self.begin_batch()?;
        let at = at.to_string();
        let plan = plan::plan(self.conn, item, Mode::Import)?;
        let report = report::of_plan(at.clone(), &plan);
        if self.options.dry_run {
            if plan.existing.is_none() {
                self.new_slugs.insert(plan.slug().to_string());
            }
            self.pending
                .extend(plan.add_links.iter().map(|link| Pending {
                    at: at.clone(),
                    from: None,
                    link: link.clone(),
                }));
        } else if report.outcome != Outcome::Unchanged {
            match apply::apply(self.conn, &plan, self.options.by, self.options.now) {
                Ok(applied) => self
                    .pending
                    .extend(applied.pending_links.into_iter().map(|link| Pending {
                        at: at.clone(),
                        from: Some(applied.item_id),
                        link,
                    })),
                Err(ApplyError::Db(e)) => return Err(e),
                Err(e) => {
                    self.failed(at, report.slug, e.to_string());
                    return self.stored_one();
                }
            }
        }
        self.emit(report);
        self.stored_one()
    }

    /// A link listed on its own: both items must be stored (or, in a dry
    /// run, in the file) by now.
    fn link(&mut self, at: Location, link: ValidLink) -> Result<(), DbError> {
        let at = at.to_string();
        let slug = Some(format!("{} → {}", link.from, link.to));
        let from = items::find_by_slug(self.conn, link.from.as_str())?;
        let from = match (from, self.new_slugs.contains(link.from.as_str())) {
            (Some(item), _) => Some(item.id),
            (None, true) => None,
            (None, false) => {
                let message = format!("from: no item has the slug \"{}\"", link.from);
                self.failed(at, slug, message);
                return Ok(());
            }
        };
        self.pending.push(Pending { at, from, link });
        Ok(())
    }

    /// Adds the links that waited for the end of the file, each reported
    /// as a record of its own.
    fn resolve_pending(&mut self) -> Result<(), DbError> {
        for p in std::mem::take(&mut self.pending) {
            let slug = Some(format!("{} → {}", p.link.from, p.link.to));
            let known = self.new_slugs.contains(p.link.to.as_str())
                || items::find_by_slug(self.conn, p.link.to.as_str())?.is_some();
            if !known {
                let message = format!(
                    "link \"{} {}\": no item has the slug \"{}\", in the database or the file; the link was not stored",
                    p.link.relation, p.link.to, p.link.to
                );
                self.failed(p.at, slug, message);
                continue;
            }
            let is_record = p.at.starts_with("links[");
            let added = match (p.from, self.options.dry_run) {
                (Some(from), false) => {
                    self.begin_batch()?;
                    let (by, now) = (self.options.by, self.options.now);
                    let added = write_transaction(self.conn, |conn| {
                        apply::add_link(conn, from, &p.link, by, now)
                    })?;
                    self.stored_one()?;
                    added
                }
                (Some(from), true) => !apply::has_link(self.conn, from, &p.link)?,
                (None, _) => true,
            };
            // An item's own links were reported with the item.
            if is_record {
                let (outcome, lines) = if added {
                    let line = format!("link added: {} {}", p.link.relation, p.link.to);
                    (Outcome::New, vec![line])
                } else {
                    (Outcome::Unchanged, Vec::new())
                };
                self.emit(RecordReport {
                    at: p.at,
                    slug,
                    outcome,
                    lines,
                });
            }
        }
        Ok(())
    }
}

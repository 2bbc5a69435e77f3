//! Importing a file record by record: each record is read, checked,
//! planned, stored in a transaction of its own (nothing of a record with
//! a problem is stored; the rest goes on) and reported, then dropped, so
//! memory holds one record at a time however large the file. Links whose
//! target comes later in the file wait for the end of the file.

use std::collections::HashSet;
use std::io::Read;

use chrono::NaiveDateTime;

use super::apply::{self, ApplyError};
use super::plan::{self, Mode};
use super::report::{self, Outcome, RecordReport, Summary};
use crate::db::{write_transaction, DbConnection, DbError};
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
        Err(ReadError::Stopped(e)) => return Err(e),
        Err(e) => Some(e.to_string()),
    };
    importer.resolve_pending()?;
    Ok(Finished {
        summary: importer.summary,
        stopped,
    })
}

impl<F: FnMut(RecordReport)> Importer<'_, F> {
    fn emit(&mut self, report: RecordReport) {
        self.summary.count(report.outcome);
        (self.report)(report);
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
                    return Ok(());
                }
            }
        }
        self.emit(report);
        Ok(())
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
                    let (by, now) = (self.options.by, self.options.now);
                    write_transaction(self.conn, |conn| {
                        apply::add_link(conn, from, &p.link, by, now)
                    })?
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

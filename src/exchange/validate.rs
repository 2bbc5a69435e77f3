//! Raw records into domain values: every field is checked, and every
//! problem is reported with its path in the record (`events[1].date`), not
//! just the first, so one pass over a file says all that is wrong with it.
//! Text is held to the same limits as the edit forms
//! ([`crate::domain::limits`]).

use std::fmt;

use super::record::{EventRecord, FileLink, ItemRecord, LinkRecord, MilestoneRecord};
use crate::domain::limits::*;
use crate::domain::{
    Confidence, DatePrecision, EventDate, Jurisdiction, Kind, MilestoneKind, MultiLine, Phase,
    SingleLine, Slug, SourceUrl, Status, StatusEffect, Tag,
};

/// What is wrong with one field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the record, e.g. `events[1].date`; empty for the record
    /// as a whole.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// An item whose every value is valid, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidItem {
    pub slug: Slug,
    pub title: SingleLine,
    pub short_title: Option<SingleLine>,
    pub original_title: Option<SingleLine>,
    pub kind: Kind,
    pub jurisdiction: Jurisdiction,
    /// Blank entries dropped.
    pub identifiers: Vec<SingleLine>,
    pub parties: Vec<SingleLine>,
    /// In name order, without repeats: tags are a set.
    pub tags: Vec<Tag>,
    pub summary: MultiLine,
    /// The status note.
    pub current: Option<SingleLine>,
    pub events: Vec<ValidEvent>,
    pub milestones: Vec<ValidMilestone>,
    /// Links from this item.
    pub links: Vec<ValidLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEvent {
    pub date: EventDate,
    /// A status of the item's kind.
    pub status: Status,
    pub note: MultiLine,
    pub source: SourceUrl,
    pub confidence: Confidence,
    /// Why the event was retracted, if it was.
    pub retraction: Option<MultiLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMilestone {
    pub date: EventDate,
    pub kind: MilestoneKind,
    pub note: MultiLine,
    pub source: SourceUrl,
    pub confidence: Confidence,
}

/// "{from} {relation} {to}"; both ends are slugs, which may name items
/// not stored yet (or not in the file at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLink {
    pub from: Slug,
    pub relation: SingleLine,
    pub to: Slug,
}

/// Checks an item record; all its problems, or its valid values.
pub fn validate_item(record: &ItemRecord) -> Result<ValidItem, Vec<Problem>> {
    let mut c = Checks::default();
    let slug = c.slug("slug", &record.slug);
    let kind = c.parse("kind", record.kind.trim().parse::<Kind>());
    let title = c.required("title", &record.title, TITLE_MAX);
    let short_title = c.optional(
        "short_title",
        record.short_title.as_deref(),
        SHORT_TITLE_MAX,
    );
    let original_title = c.optional(
        "original_title",
        record.original_title.as_deref(),
        ORIGINAL_TITLE_MAX,
    );
    let jurisdiction = c.parse(
        "jurisdiction",
        Jurisdiction::try_from(record.jurisdiction.as_str()),
    );
    let identifiers = c.list(
        "identifiers",
        &record.identifiers,
        IDENTIFIERS_MAX,
        IDENTIFIER_MAX,
    );
    let parties = c.list("parties", &record.parties, PARTIES_MAX, PARTY_MAX);
    let tags = c.tags(&record.tags);
    let summary = c.multi_line("summary", &record.summary, SUMMARY_MAX);
    let current = c.optional("current", record.current.as_deref(), STATUS_NOTE_MAX);
    let events: Vec<_> = (record.events.iter().enumerate())
        .filter_map(|(i, e)| c.event(&format!("events[{i}]"), kind, e))
        .collect();
    let milestones: Vec<_> = (record.milestones.iter().enumerate())
        .filter_map(|(i, m)| c.milestone(&format!("milestones[{i}]"), m))
        .collect();
    let links: Vec<_> = (record.links.iter().enumerate())
        .filter_map(|(i, l)| c.link(&format!("links[{i}]"), slug.as_ref(), l))
        .collect();
    match (slug, kind, title, jurisdiction, summary) {
        (Some(slug), Some(kind), Some(title), Some(jurisdiction), Some(summary))
            if c.problems.is_empty() =>
        {
            Ok(ValidItem {
                slug,
                title,
                short_title,
                original_title,
                kind,
                jurisdiction,
                identifiers,
                parties,
                tags,
                summary,
                current,
                events,
                milestones,
                links,
            })
        }
        _ => Err(c.problems),
    }
}

/// Checks a link listed on its own.
pub fn validate_link(record: &FileLink) -> Result<ValidLink, Vec<Problem>> {
    let mut c = Checks::default();
    let from = c.slug("from", &record.from);
    let link = LinkRecord {
        relation: record.relation.clone(),
        to: record.to.clone(),
    };
    match c.link("", from.as_ref(), &link) {
        Some(link) if c.problems.is_empty() => Ok(link),
        _ => Err(c.problems),
    }
}

/// Problems found so far; each check returns `None` when it found one.
#[derive(Default)]
struct Checks {
    problems: Vec<Problem>,
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

impl Checks {
    fn problem(&mut self, path: impl Into<String>, message: impl fmt::Display) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.to_string(),
        });
    }

    fn parse<T>(&mut self, path: &str, parsed: Result<T, impl fmt::Display>) -> Option<T> {
        parsed.map_err(|e| self.problem(path, e)).ok()
    }

    /// Whether `text` has at most `max` characters.
    fn within(&mut self, path: &str, text: &str, max: usize) -> bool {
        let fits = text.chars().count() <= max;
        if !fits {
            self.problem(path, format!("has at most {max} characters"));
        }
        fits
    }

    fn single_line(&mut self, path: &str, value: &str, max: usize) -> Option<SingleLine> {
        let line = self.parse(path, SingleLine::try_from(value))?;
        self.within(path, line.as_str(), max).then_some(line)
    }

    fn multi_line(&mut self, path: &str, value: &str, max: usize) -> Option<MultiLine> {
        let text = self.parse(path, MultiLine::try_from(value))?;
        self.within(path, text.as_str(), max).then_some(text)
    }

    fn required(&mut self, path: &str, value: &str, max: usize) -> Option<SingleLine> {
        let line = self.single_line(path, value, max)?;
        if line.as_str().is_empty() {
            self.problem(path, "is required");
            return None;
        }
        Some(line)
    }

    /// Absent and blank are the same: no value.
    fn optional(&mut self, path: &str, value: Option<&str>, max: usize) -> Option<SingleLine> {
        self.single_line(path, value?, max)
            .filter(|l| !l.as_str().is_empty())
    }

    fn slug(&mut self, path: &str, value: &str) -> Option<Slug> {
        let slug = self.parse(path, Slug::try_from(value))?;
        if RESERVED_SLUGS.contains(&slug.as_str()) {
            self.problem(path, format!("\"{slug}\" is reserved; choose another slug"));
            return None;
        }
        Some(slug)
    }

    /// One line each, blank entries dropped.
    fn list(
        &mut self,
        path: &str,
        values: &[String],
        max_entries: usize,
        max_len: usize,
    ) -> Vec<SingleLine> {
        let list: Vec<SingleLine> = (values.iter().enumerate())
            .filter_map(|(i, v)| self.single_line(&format!("{path}[{i}]"), v, max_len))
            .filter(|l| !l.as_str().is_empty())
            .collect();
        if list.len() > max_entries {
            self.problem(path, format!("at most {max_entries} entries"));
        }
        list
    }

    fn tags(&mut self, values: &[String]) -> Vec<Tag> {
        let mut tags: Vec<Tag> = (values.iter().enumerate())
            .filter_map(|(i, t)| self.parse(&format!("tags[{i}]"), Tag::try_from(t.as_str())))
            .collect();
        tags.sort();
        tags.dedup();
        if tags.len() > TAGS_MAX {
            self.problem("tags", format!("at most {TAGS_MAX} tags"));
        }
        tags
    }

    /// A date at the precision given, or at the one its form gives.
    fn date(&mut self, prefix: &str, date: &str, precision: Option<&str>) -> Option<EventDate> {
        let path = join(prefix, "date");
        match precision {
            None => self.parse(&path, date.parse::<EventDate>()),
            Some(p) => {
                let precision = self.parse(
                    &join(prefix, "precision"),
                    p.trim().parse::<DatePrecision>(),
                )?;
                self.parse(&path, EventDate::parse_with_precision(date, precision))
            }
        }
    }

    fn source(&mut self, prefix: &str, value: &str) -> Option<SourceUrl> {
        self.parse(&join(prefix, "source"), SourceUrl::try_from(value))
    }

    fn confidence(&mut self, prefix: &str, value: &str) -> Option<Confidence> {
        self.parse(&join(prefix, "confidence"), value.trim().parse())
    }

    /// `kind` is `None` when the item's kind is itself wrong: the status
    /// then cannot be checked.
    fn event(&mut self, prefix: &str, kind: Option<Kind>, e: &EventRecord) -> Option<ValidEvent> {
        let date = self.date(prefix, &e.date, e.precision.as_deref());
        let status = kind.and_then(|kind| {
            let status = self.parse(
                &join(prefix, "status"),
                Status::parse(kind, e.status.trim()),
            )?;
            self.effect(prefix, status, e.moves_status, e.phase.as_deref());
            Some(status)
        });
        let confidence = self.confidence(prefix, &e.confidence);
        let note = self.multi_line(&join(prefix, "note"), &e.note, NOTE_MAX);
        let source = self.source(prefix, &e.source);
        let retraction = self.retraction(prefix, e.retracted, e.retraction_note.as_deref());
        Some(ValidEvent {
            date: date?,
            status: status?,
            note: note?,
            source: source?,
            confidence: confidence?,
            retraction: retraction?,
        })
    }

    /// What a record says the status does must be what it does.
    fn effect(&mut self, prefix: &str, status: Status, moves: Option<bool>, phase: Option<&str>) {
        let name = status.name();
        if let Some(moves) = moves.filter(|&m| m != status.moves_status()) {
            let message = if moves {
                format!("is true, but \"{name}\" is a development: it leaves the status unchanged")
            } else {
                format!("is false, but \"{name}\" moves the status")
            };
            self.problem(join(prefix, "moves_status"), message);
        }
        let path = join(prefix, "phase");
        let Some(phase) = phase.and_then(|p| self.parse(&path, p.trim().parse::<Phase>())) else {
            return;
        };
        match status.effect() {
            StatusEffect::Moves(p) if p == phase => {}
            StatusEffect::Moves(p) => self.problem(
                path,
                format!("is {phase}, but \"{name}\" moves the item into phase {p}"),
            ),
            StatusEffect::Development => self.problem(
                path,
                format!("is {phase}, but \"{name}\" is a development, which has no phase"),
            ),
        }
    }

    /// `Some(None)`: not retracted; `None`: a problem.
    fn retraction(
        &mut self,
        prefix: &str,
        retracted: bool,
        note: Option<&str>,
    ) -> Option<Option<MultiLine>> {
        let path = join(prefix, "retraction_note");
        let note = note.unwrap_or_default();
        if !retracted {
            if note.trim().is_empty() {
                return Some(None);
            }
            self.problem(path, "only a retracted event has one (retracted is false)");
            return None;
        }
        let reason = self.multi_line(&path, note, REASON_MAX)?;
        if reason.as_str().is_empty() {
            self.problem(path, "a retracted event says why it was retracted");
            return None;
        }
        Some(Some(reason))
    }

    fn milestone(&mut self, prefix: &str, m: &MilestoneRecord) -> Option<ValidMilestone> {
        let date = self.date(prefix, &m.date, m.precision.as_deref());
        let kind = self.parse(
            &join(prefix, "kind"),
            m.kind.trim().parse::<MilestoneKind>(),
        );
        let confidence = self.confidence(prefix, &m.confidence);
        let note = self.multi_line(&join(prefix, "note"), &m.note, NOTE_MAX);
        let source = self.source(prefix, &m.source);
        Some(ValidMilestone {
            date: date?,
            kind: kind?,
            note: note?,
            source: source?,
            confidence: confidence?,
        })
    }

    /// `from` is `None` when the item's own slug is wrong.
    fn link(&mut self, prefix: &str, from: Option<&Slug>, l: &LinkRecord) -> Option<ValidLink> {
        let relation = self.required(&join(prefix, "relation"), &l.relation, RELATION_MAX);
        let to_path = join(prefix, "to");
        let to = self.parse(&to_path, Slug::try_from(l.to.as_str()))?;
        let from = from?;
        if *from == to {
            self.problem(to_path, "an item cannot be linked to itself");
            return None;
        }
        Some(ValidLink {
            from: from.clone(),
            relation: relation?,
            to,
        })
    }
}

//! What each email shows, shaped for its templates under
//! `templates/email/`: one view per message (confirmation, alert, digest,
//! reminder) and the parts they share (the item, the change, the milestone
//! ahead, the subscription).
//! Templates render in strict mode, so a field they name must be here.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::{field_label, period_unit, Countdown, DatePrecision, EventDate};
use crate::store::changes::{ChangePayload, ChangeRow, EventSnapshot, MilestoneSnapshot};
use crate::store::items::ItemRow;
use crate::store::milestones::MilestoneRow;
use crate::store::revisions::FieldChange;

/// `email/confirmation`: the link that confirms a subscription.
#[derive(Debug, Serialize)]
pub struct Confirmation {
    pub email: String,
    pub subscription: Following,
    pub links: ConfirmationLinks,
}

#[derive(Debug, Serialize)]
pub struct ConfirmationLinks {
    pub confirm: String,
    pub manage: String,
    pub site: String,
}

/// `email/alert`: one change to one item.
#[derive(Debug, Serialize)]
pub struct Alert {
    pub subscription: Following,
    pub links: SubscriberLinks,
    pub item: Item,
    pub change: Change,
}

/// `email/reminder`: a milestone of an item coming up.
#[derive(Debug, Serialize)]
pub struct Reminder {
    pub subscription: Following,
    pub links: SubscriberLinks,
    pub item: Item,
    pub milestone: Upcoming,
}

/// `email/digest`: the changes of a period, grouped by item, and the
/// milestones coming up.
#[derive(Debug, Serialize)]
pub struct Digest {
    pub subscription: Following,
    pub links: SubscriberLinks,
    /// `daily` or `weekly`.
    pub period: &'static str,
    pub from: String,
    pub to: String,
    pub count: usize,
    pub plural: bool,
    pub item_count: usize,
    pub items_plural: bool,
    pub groups: Vec<DigestGroup>,
    pub has_changes: bool,
    pub upcoming: Vec<UpcomingEntry>,
    pub upcoming_count: usize,
    pub upcoming_plural: bool,
}

/// A milestone coming up in a digest, with its item.
#[derive(Debug, Serialize)]
pub struct UpcomingEntry {
    pub item: Item,
    pub milestone: Upcoming,
}

/// A milestone ahead, as reminders and digests tell it.
#[derive(Debug, Serialize)]
pub struct Upcoming {
    pub kind_label: &'static str,
    /// At its precision: `2027-03-13`, `2027-03` or `2027`.
    pub date: String,
    pub date_human: String,
    /// `month` or `year` when the day is not known.
    pub unit: Option<&'static str>,
    /// The first day it counts down to (`1 March 2027`).
    pub starts: String,
    pub days_left: u32,
    /// `in 7 days`, `tomorrow`, `today`.
    pub when: String,
    /// `End of session in 7 days: 3 January 2027`, or `Comment deadline in
    /// March 2027, which begins in 7 days`.
    pub headline: String,
    pub note: String,
    pub source: String,
    pub confidence: &'static str,
}

impl Upcoming {
    /// The milestone as it stands on `today` (on or before its first day).
    pub fn of(m: &MilestoneRow, today: NaiveDate) -> Upcoming {
        let date = m.date();
        let days_left = match Countdown::of(&date, today) {
            Countdown::DaysLeft(n) => n,
            Countdown::Underway | Countdown::Passed => 0,
        };
        let when = match days_left {
            0 => "today".to_owned(),
            1 => "tomorrow".to_owned(),
            n => format!("in {n} days"),
        };
        let unit = period_unit(date.precision());
        let headline = match unit {
            None => format!("{} {when}: {}", m.kind.label(), date.human()),
            Some(_) => format!(
                "{} in {}, which begins {when}",
                m.kind.label(),
                date.human()
            ),
        };
        Upcoming {
            kind_label: m.kind.label(),
            date: date.iso(),
            date_human: date.human(),
            unit,
            starts: EventDate::from_parts(date.start(), DatePrecision::Day).human(),
            days_left,
            when,
            headline,
            note: m.note.clone(),
            source: m.source_url.clone(),
            confidence: m.confidence.as_str(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DigestGroup {
    pub item: Item,
    pub changes: Vec<Change>,
}

/// What the subscriber follows, for the footer.
#[derive(Debug, Serialize)]
pub struct Following {
    pub scope: String,
    pub frequency_label: &'static str,
}

/// The links every alert and digest carries.
#[derive(Debug, Serialize)]
pub struct SubscriberLinks {
    pub manage: String,
    pub unsubscribe: String,
}

#[derive(Debug, Serialize)]
pub struct Item {
    /// The short title, or the title.
    pub name: String,
    pub title: String,
    pub kind_label: &'static str,
    pub jurisdiction: String,
    pub url: String,
}

impl Item {
    pub fn of(row: &ItemRow, base_url: &str) -> Item {
        Item {
            name: row.short_title.clone().unwrap_or_else(|| row.title.clone()),
            title: row.title.clone(),
            kind_label: row.kind.label(),
            jurisdiction: row.jurisdiction.clone(),
            url: format!("{base_url}/items/{}", row.slug),
        }
    }
}

/// What changed: a headline and a one-line summary, and the event, or the
/// edited fields, or sentences.
#[derive(Debug, Serialize)]
pub struct Change {
    pub headline: &'static str,
    pub summary: String,
    /// When it changed (`3 March 2031 09:00 UTC`).
    pub at: String,
    pub event: Option<Event>,
    pub fields: Vec<Field>,
    pub lines: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Event {
    /// At its precision: `2025-01-29`, `2025-01` or `2025`.
    pub date: String,
    pub date_human: String,
    pub precision: String,
    /// Known to the month or the year only.
    pub approximate: bool,
    pub status_label: String,
    /// A development: the status is unchanged.
    pub development: bool,
    pub note: String,
    pub source: String,
}

impl From<&EventSnapshot> for Event {
    fn from(e: &EventSnapshot) -> Event {
        Event {
            date: e.date.clone(),
            date_human: e.date_human.clone(),
            precision: e.precision.clone(),
            approximate: e.precision != "day",
            status_label: e.status_label.clone(),
            development: !e.moves_status,
            note: e.note.clone(),
            source: e.source.clone(),
        }
    }
}

/// One edited field, `(empty)` where it had or has no value.
#[derive(Debug, Serialize)]
pub struct Field {
    pub label: String,
    pub old: String,
    pub new: String,
}

impl From<&FieldChange> for Field {
    fn from(c: &FieldChange) -> Field {
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".to_owned());
        Field {
            label: field_label(&c.field).into_owned(),
            old: shown(&c.old),
            new: shown(&c.new),
        }
    }
}

/// A time as emails show it.
pub fn when(t: NaiveDateTime) -> String {
    t.format("%-d %B %Y %H:%M UTC").to_string()
}

impl From<&ChangeRow> for Change {
    fn from(row: &ChangeRow) -> Change {
        let mut change = Change {
            headline: "",
            summary: String::new(),
            at: when(row.created_at),
            event: None,
            fields: Vec::new(),
            lines: Vec::new(),
        };
        match &row.payload.0 {
            ChangePayload::ItemCreated { title } => {
                change.headline = "New item";
                change.summary = "new item".to_owned();
                change.lines = vec![format!("“{title}” is now tracked.")];
            }
            ChangePayload::FieldsEdited { changes } => {
                change.headline = "Fields edited";
                change.summary = format!("{} edited", names(changes));
                change.fields = changes.iter().map(Field::from).collect();
            }
            ChangePayload::EventRecorded { event } => {
                change.headline = if event.moves_status {
                    "New status event"
                } else {
                    "New development"
                };
                change.summary = format!("{} ({})", event.status_label, event.date_human);
                change.event = Some(event.into());
            }
            ChangePayload::EventCorrected {
                event,
                changes,
                minor,
            } => {
                change.headline = if *minor {
                    "Status event corrected (minor correction)"
                } else {
                    "Status event corrected (material change)"
                };
                change.summary = format!("event of {} corrected", event.date_human);
                change.lines = vec![weight_line(*minor).to_owned()];
                change.event = Some(event.into());
                change.fields = changes.iter().map(Field::from).collect();
            }
            ChangePayload::EventRetracted {
                date_human,
                status_label,
                reason,
                ..
            } => {
                change.headline = "Status event retracted";
                change.summary = format!("event of {date_human} retracted");
                change.lines = vec![
                    format!("The event “{status_label}” of {date_human} was retracted."),
                    format!("Reason: {reason}"),
                ];
            }
            ChangePayload::LinkAdded {
                relation,
                other_title,
                outgoing,
                ..
            } => {
                change.headline = "Related item added";
                change.summary = format!("linked to {other_title}");
                change.lines = vec![if *outgoing {
                    format!("This item {relation} “{other_title}”.")
                } else {
                    format!("“{other_title}” {relation} this item.")
                }];
            }
            ChangePayload::LinkRemoved {
                relation,
                other_title,
                outgoing,
                ..
            } => {
                change.headline = "Related item removed";
                change.summary = format!("link to {other_title} removed");
                change.lines = vec![if *outgoing {
                    format!("This item no longer {relation} “{other_title}”.")
                } else {
                    format!("“{other_title}” no longer {relation} this item.")
                }];
            }
            ChangePayload::MilestoneAdded { milestone } => {
                change.headline = "Milestone scheduled";
                change.summary =
                    format!("{} ({})", milestone.kind_label, milestone_when(milestone));
                change.lines = milestone_lines(milestone, "Scheduled");
            }
            ChangePayload::MilestoneCorrected {
                milestone,
                changes,
                minor,
            } => {
                change.headline = if *minor {
                    "Milestone corrected (minor correction)"
                } else {
                    "Milestone moved or corrected (material change)"
                };
                change.summary =
                    format!("{} now {}", milestone.kind_label, milestone_when(milestone));
                change.lines = milestone_lines(milestone, "Now");
                change.lines.push(weight_line(*minor).to_owned());
                change.fields = changes.iter().map(Field::from).collect();
            }
            ChangePayload::MilestoneRemoved { milestone, reason } => {
                change.headline = "Milestone removed";
                change.summary = format!(
                    "{} of {} removed",
                    milestone.kind_label,
                    milestone_when(milestone)
                );
                change.lines = vec![
                    format!(
                        "Removed: {}, {}.",
                        milestone.kind_label,
                        milestone_when(milestone)
                    ),
                    format!("Reason: {reason}"),
                ];
            }
        }
        change
    }
}

/// What a correction's editor said of its weight.
fn weight_line(minor: bool) -> &'static str {
    if minor {
        "Marked by the editor as a minor correction (a typo or a better source link): told in digests only."
    } else {
        "Marked by the editor as a material change."
    }
}

/// The edited fields in a summary: `short title, status note`.
fn names(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| field_label(&c.field).to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A milestone's date at its precision, saying when it is known only to
/// the month or year.
fn milestone_when(m: &MilestoneSnapshot) -> String {
    if m.precision == "day" {
        m.date_human.clone()
    } else {
        format!("{} (known to the {})", m.date_human, m.precision)
    }
}

/// What a milestone alert says: what is scheduled, when, why and where from.
fn milestone_lines(m: &MilestoneSnapshot, label: &str) -> Vec<String> {
    let mut lines = vec![format!("{label}: {}, {}.", m.kind_label, milestone_when(m))];
    if !m.note.is_empty() {
        lines.push(format!("Note: {}", m.note));
    }
    lines.push(format!("Source: {}", m.source));
    lines
}

//! How pages show a milestone: its kind, its date at its precision, how
//! far off it is, and its source. A passed milestone is shown as the point
//! it was scheduled for, never as something that happened.

use chrono::NaiveDate;
use serde::Serialize;

use super::reading::host_of;
use crate::domain::{Confidence, Countdown, DatePrecision, MilestoneId};
use crate::store::milestones::MilestoneRow;

#[derive(Debug, Serialize)]
pub struct MilestoneView {
    pub id: MilestoneId,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub date_iso: String,
    pub date_human: String,
    pub precision: &'static str,
    pub approximate: bool,
    /// "in 7 days", "tomorrow", "passed"; says when the date is known only
    /// to its month or year.
    pub countdown: String,
    /// Days until its day (or its period's first day); none once under way
    /// or passed.
    pub days_left: Option<u32>,
    pub passed: bool,
    pub note: String,
    pub source_url: String,
    pub source_host: String,
    pub confidence: &'static str,
    pub confidence_label: &'static str,
    pub low_confidence: bool,
}

impl MilestoneView {
    pub fn of(m: &MilestoneRow, today: NaiveDate) -> Self {
        let date = m.date();
        let countdown = Countdown::of(&date, today);
        MilestoneView {
            id: m.id,
            kind: m.kind.as_str(),
            kind_label: m.kind.label(),
            date_iso: date.iso(),
            date_human: date.human(),
            precision: date.precision().as_str(),
            approximate: date.precision() != DatePrecision::Day,
            countdown: countdown.phrase(&date),
            days_left: match countdown {
                Countdown::DaysLeft(n) => Some(n),
                Countdown::Underway | Countdown::Passed => None,
            },
            passed: !countdown.is_ahead(),
            note: m.note.clone(),
            source_url: m.source_url.clone(),
            source_host: host_of(&m.source_url),
            confidence: m.confidence.as_str(),
            confidence_label: m.confidence.description(),
            low_confidence: m.confidence == Confidence::Low,
        }
    }
}

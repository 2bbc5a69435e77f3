//! The fields every dated record's form shares (a status event's, a
//! milestone's): the date with its precision, the note, the source and the
//! confidence.

use super::{multi_line, set, FieldErrors};
use crate::domain::{Confidence, DatePrecision, EventDate, SourceUrl};

/// The shared fields, parsed.
pub(super) struct Dated {
    pub date: EventDate,
    pub note: String,
    pub source: SourceUrl,
    pub confidence: Confidence,
}

/// The shared fields as a browser posted them.
pub(super) struct DatedText<'a> {
    pub date: &'a str,
    pub precision: &'a str,
    pub note: &'a str,
    pub source_url: &'a str,
    pub confidence: &'a str,
}

impl DatedText<'_> {
    /// The parsed fields, or `None` with a message in `e` for each wrong one.
    pub(super) fn parse(&self, e: &mut FieldErrors) -> Option<Dated> {
        let precision = if self.precision.trim().is_empty() {
            Some(DatePrecision::Day)
        } else {
            set(
                e,
                "precision",
                self.precision.trim().parse::<DatePrecision>(),
            )
        };
        let date = match (self.date.trim(), precision) {
            ("", _) => {
                e.insert("date", "A date is required.".to_owned());
                None
            }
            (d, Some(p)) => set(e, "date", EventDate::parse_with_precision(d, p)),
            (_, None) => None,
        };
        let note = multi_line(e, "note", "A note", self.note, 2000).unwrap_or_default();
        let source = set(e, "source_url", SourceUrl::try_from(self.source_url));
        let confidence = if self.confidence.trim().is_empty() {
            e.insert("confidence", "Choose a confidence.".to_owned());
            None
        } else {
            set(
                e,
                "confidence",
                self.confidence.trim().parse::<Confidence>(),
            )
        };
        Some(Dated {
            date: date?,
            note,
            source: source?,
            confidence: confidence?,
        })
    }
}

/// Whether the editor ticked "minor correction, no immediate alert".
pub(super) fn is_minor(minor: &str) -> bool {
    !minor.trim().is_empty()
}

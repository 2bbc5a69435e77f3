//! The forms that record, correct and retract a status event.

use serde::{Deserialize, Serialize};

use super::dated::{is_minor, DatedText};
use super::{multi_line, set, FieldErrors};
use crate::domain::{Kind, Status};
use crate::store::events::{EventRow, NewEvent};

/// Record or correct a status event.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EventForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub date: String,
    pub precision: String,
    pub status: String,
    pub note: String,
    pub source_url: String,
    pub confidence: String,
    /// Corrections only: "minor correction, no immediate alert" ticked.
    pub minor: String,
}

impl EventForm {
    /// Whether the editor marked the correction minor.
    pub fn is_minor(&self) -> bool {
        is_minor(&self.minor)
    }

    pub fn from_event(e: &EventRow) -> Self {
        EventForm {
            csrf_token: String::new(),
            date: e.date().iso(),
            precision: e.date().precision().as_str().to_owned(),
            status: e.status.clone(),
            note: e.note.clone(),
            source_url: e.source_url.clone(),
            confidence: e.confidence.as_str().to_owned(),
            minor: String::new(),
        }
    }

    pub fn validate(&self, kind: Kind) -> Result<NewEvent, FieldErrors> {
        let mut e = FieldErrors::new();
        let dated = self.dated().parse(&mut e);
        let status = if self.status.trim().is_empty() {
            e.insert("status", "Choose a status.".to_owned());
            None
        } else {
            set(&mut e, "status", Status::parse(kind, self.status.trim()))
        };
        match (dated, status) {
            (Some(d), Some(status)) if e.is_empty() => Ok(NewEvent {
                date: d.date,
                status,
                note: d.note,
                source: d.source,
                confidence: d.confidence,
            }),
            _ => Err(e),
        }
    }

    fn dated(&self) -> DatedText<'_> {
        DatedText {
            date: &self.date,
            precision: &self.precision,
            note: &self.note,
            source_url: &self.source_url,
            confidence: &self.confidence,
        }
    }
}

/// Retract an event, with the reason.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RetractForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub reason: String,
}

impl RetractForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        match multi_line(&mut e, "reason", "A reason", &self.reason, 500) {
            Some(reason) => Ok(reason),
            None if e.is_empty() => {
                e.insert("reason", "A reason is required.".to_owned());
                Err(e)
            }
            None => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_dates_must_match_their_precision_and_status_its_kind() {
        let form = EventForm {
            date: "2025-02-30".into(),
            precision: "day".into(),
            status: "final-rule".into(),
            source_url: "ftp://x.org".into(),
            confidence: "certain".into(),
            ..Default::default()
        };
        let errors = form.validate(Kind::Bill).unwrap_err();
        for field in ["date", "status", "source_url", "confidence"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let month = EventForm {
            date: "2025-02-13".into(),
            precision: "month".into(),
            status: "introduced".into(),
            source_url: "https://www.congress.gov/".into(),
            confidence: "high".into(),
            ..Default::default()
        };
        assert!(month.validate(Kind::Bill).unwrap_err().contains_key("date"));
        let ok = EventForm {
            date: "2025-02".into(),
            ..month
        };
        assert_eq!(ok.validate(Kind::Bill).unwrap().date.iso(), "2025-02");
    }
}

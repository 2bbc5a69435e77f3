//! The forms that add, correct and remove a milestone.

use serde::{Deserialize, Serialize};

use super::dated::{is_minor, DatedText};
use super::{set, FieldErrors};
use crate::domain::MilestoneKind;
use crate::store::milestones::{MilestoneRow, NewMilestone};

/// Add or correct a milestone.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MilestoneForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub kind: String,
    pub date: String,
    pub precision: String,
    pub note: String,
    pub source_url: String,
    pub confidence: String,
    /// Corrections only: "minor correction, no immediate alert" ticked.
    pub minor: String,
}

impl MilestoneForm {
    /// Whether the editor marked the correction minor.
    pub fn is_minor(&self) -> bool {
        is_minor(&self.minor)
    }

    pub fn from_milestone(m: &MilestoneRow) -> Self {
        MilestoneForm {
            csrf_token: String::new(),
            kind: m.kind.as_str().to_owned(),
            date: m.date().iso(),
            precision: m.date_precision.as_str().to_owned(),
            note: m.note.clone(),
            source_url: m.source_url.clone(),
            confidence: m.confidence.as_str().to_owned(),
            minor: String::new(),
        }
    }

    pub fn validate(&self) -> Result<NewMilestone, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = if self.kind.trim().is_empty() {
            e.insert("kind", "Choose what the milestone marks.".to_owned());
            None
        } else {
            set(&mut e, "kind", self.kind.trim().parse::<MilestoneKind>())
        };
        let dated = self.dated().parse(&mut e);
        match (kind, dated) {
            (Some(kind), Some(d)) if e.is_empty() => Ok(NewMilestone {
                kind,
                date: d.date,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestone_forms_refuse_unknown_kinds_and_dates_off_their_precision() {
        let form = MilestoneForm {
            kind: "deadline".into(),
            date: "2027-03".into(),
            precision: "day".into(),
            source_url: "https://www.congress.gov/".into(),
            confidence: "high".into(),
            ..Default::default()
        };
        let errors = form.validate().unwrap_err();
        assert!(
            errors["kind"].contains("milestone kind \"deadline\""),
            "{errors:?}"
        );
        assert!(errors.contains_key("date"), "{errors:?}");
        let ok = MilestoneForm {
            kind: "statutory-deadline".into(),
            precision: "month".into(),
            ..form
        };
        let m = ok.validate().unwrap();
        assert_eq!(
            (m.kind, m.date.iso()),
            (MilestoneKind::StatutoryDeadline, "2027-03".to_owned())
        );
    }
}

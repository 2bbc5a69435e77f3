//! The status vocabulary: per kind, the words an event may use, and for each
//! whether it moves the item's status (and into which phase) or records a
//! development that leaves the status where it was.

use serde::Serialize;

use super::{InvalidValue, Kind, Phase};

/// What an event does to its item's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StatusEffect {
    /// The item moves to this status, in this phase.
    Moves(Phase),
    /// A development (an analysis, a legal finding...) that does not move it.
    Development,
}

#[derive(Debug, PartialEq, Eq)]
pub struct StatusDef {
    pub name: &'static str,
    pub label: &'static str,
    pub effect: StatusEffect,
}

const fn moves(name: &'static str, label: &'static str, phase: Phase) -> StatusDef {
    StatusDef {
        name,
        label,
        effect: StatusEffect::Moves(phase),
    }
}

const fn dev(name: &'static str, label: &'static str) -> StatusDef {
    StatusDef {
        name,
        label,
        effect: StatusEffect::Development,
    }
}

use Phase::{Ended, InForce, Pending, Proposed, Stalled};

/// Developments any kind of item may record.
static DEVELOPMENTS: &[StatusDef] = &[
    dev("analysis", "Analysis"),
    dev("legal-finding", "Legal finding"),
    dev("policy-signal", "Policy signal"),
    dev("press-report", "Press report"),
    dev("statement", "Official statement"),
    dev("hearing", "Hearing"),
];

static BILL: &[StatusDef] = &[
    moves("introduced", "Introduced", Proposed),
    moves("referred", "Referred to committee", Pending),
    moves("reported", "Reported by committee", Pending),
    moves("passed-chamber", "Passed one chamber", Pending),
    moves("passed", "Passed both chambers", Pending),
    moves("enacted", "Enacted", InForce),
    moves("stalled", "Stalled", Stalled),
    moves("vetoed", "Vetoed", Ended),
    moves("failed", "Failed", Ended),
    moves("withdrawn", "Withdrawn", Ended),
    moves("expired", "Expired with the session", Ended),
];

static REGULATION: &[StatusDef] = &[
    moves(
        "executive-order",
        "Executive order directs rulemaking",
        Proposed,
    ),
    moves(
        "advance-notice",
        "Advance notice of proposed rulemaking",
        Proposed,
    ),
    moves("draft", "Draft for comment", Proposed),
    moves("proposed", "Proposed rule", Proposed),
    moves("adopted", "Adopted", Pending),
    moves("final-rule", "Final rule issued", Pending),
    moves("published", "Published", Pending),
    moves("effective", "In effect", InForce),
    moves("amended", "Amended", InForce),
    moves("amended-by-statute", "Amended by statute", InForce),
    moves("delayed", "Delayed", Stalled),
    moves("not-enforced", "Not enforced", Stalled),
    moves("suspended", "Suspended", Stalled),
    moves("blocked", "Blocked by a court", Stalled),
    moves("rescinded", "Rescinded", Ended),
    moves("withdrawn", "Withdrawn", Ended),
    moves("expired", "Expired", Ended),
];

static EXECUTIVE_ACTION: &[StatusDef] = &[
    moves("announced", "Announced", Proposed),
    moves("issued", "Issued, not yet in effect", Pending),
    moves("signed", "Signed", InForce),
    moves("effective", "In effect", InForce),
    moves("amended", "Amended", InForce),
    moves("blocked", "Blocked by a court", Stalled),
    moves("paused", "Paused", Stalled),
    moves("rescinded", "Rescinded", Ended),
    moves("expired", "Expired", Ended),
];

static DEAL: &[StatusDef] = &[
    moves("reported", "Reported", Proposed),
    moves("announced", "Announced", Proposed),
    moves("confirmed", "Confirmed", Pending),
    moves("launch-planned", "Launch planned", Pending),
    moves("under-review", "Under regulatory review", Pending),
    moves("under-scrutiny", "Under political scrutiny", Pending),
    moves("approved", "Approved", Pending),
    moves("closed", "Closed", InForce),
    moves("launched", "Launched", InForce),
    moves("delayed", "Delayed", Stalled),
    moves("blocked", "Blocked", Stalled),
    moves("abandoned", "Abandoned", Ended),
    moves("terminated", "Terminated", Ended),
];

static PRODUCT: &[StatusDef] = &[
    moves("announced", "Announced", Proposed),
    moves("preview", "In preview", Pending),
    moves("released", "Released", InForce),
    moves("restricted", "Restricted", Stalled),
    moves("withdrawn", "Withdrawn", Ended),
    moves("discontinued", "Discontinued", Ended),
];

static OTHER: &[StatusDef] = &[
    moves("proposed", "Proposed", Proposed),
    moves("announced", "Announced", Proposed),
    moves("pending", "Pending", Pending),
    moves("in-force", "In force", InForce),
    moves("stalled", "Stalled", Stalled),
    moves("ended", "Ended", Ended),
];

impl Kind {
    /// The statuses that move an item of this kind.
    pub fn statuses(self) -> &'static [StatusDef] {
        match self {
            Kind::Bill => BILL,
            Kind::Regulation => REGULATION,
            Kind::ExecutiveAction => EXECUTIVE_ACTION,
            Kind::Deal => DEAL,
            Kind::Product => PRODUCT,
            Kind::Other => OTHER,
        }
    }

    /// Developments an item of this kind may record.
    pub fn developments(self) -> &'static [StatusDef] {
        DEVELOPMENTS
    }
}

/// A status word valid for a given kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(&'static StatusDef);

impl Status {
    pub fn parse(kind: Kind, name: &str) -> Result<Self, InvalidValue> {
        kind.statuses()
            .iter()
            .chain(kind.developments())
            .find(|d| d.name == name)
            .map(Status)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "\"{name}\" is not a status of a {}; use one of: {}",
                    kind.label().to_lowercase(),
                    kind.statuses()
                        .iter()
                        .chain(kind.developments())
                        .map(|d| d.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Label of a stored status word; a word no longer in the vocabulary is
    /// shown as written rather than hidden.
    pub fn label_of(kind: Kind, name: &str) -> String {
        Status::parse(kind, name)
            .map(|s| s.label().to_owned())
            .unwrap_or_else(|_| name.replace('-', " "))
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    pub fn label(self) -> &'static str {
        self.0.label
    }

    pub fn effect(self) -> StatusEffect {
        self.0.effect
    }

    pub fn moves_status(self) -> bool {
        matches!(self.0.effect, StatusEffect::Moves(_))
    }

    pub fn phase(self) -> Option<Phase> {
        match self.0.effect {
            StatusEffect::Moves(p) => Some(p),
            StatusEffect::Development => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_every_phase_reachable_and_unique_words() {
        for kind in Kind::ALL {
            let words: Vec<_> = kind
                .statuses()
                .iter()
                .chain(kind.developments())
                .map(|d| d.name)
                .collect();
            let mut dedup = words.clone();
            dedup.sort();
            dedup.dedup();
            assert_eq!(words.len(), dedup.len(), "{kind}: duplicate status words");
            for phase in Phase::ALL {
                assert!(
                    kind.statuses()
                        .iter()
                        .any(|d| d.effect == StatusEffect::Moves(phase)),
                    "{kind} has no status in phase {phase}"
                );
            }
        }
    }

    #[test]
    fn developments_do_not_move_the_status() {
        let s = Status::parse(Kind::Bill, "analysis").unwrap();
        assert!(!s.moves_status());
        assert_eq!(s.phase(), None);
        let s = Status::parse(Kind::Regulation, "effective").unwrap();
        assert_eq!(s.phase(), Some(Phase::InForce));
    }

    #[test]
    fn a_status_of_another_kind_is_refused() {
        assert!(Status::parse(Kind::Bill, "final-rule").is_err());
        assert!(Status::parse(Kind::Deal, "launch-planned").is_ok());
    }
}

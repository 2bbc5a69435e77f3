//! The mapping from official texts to the record's words, read from
//! `mapping.toml` (embedded; shown to editors at `/review/mapping`): which
//! Congress.gov action texts and committee activities, and which Federal
//! Register document types, become which status of the item's kind.
//! Whatever no rule matches becomes a development carrying the official
//! text, never nothing.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::{Kind, Status};

/// The mapping table, as written.
pub const MAPPING_TOML: &str = include_str!("mapping.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub congress: CongressMapping,
    pub federal_register: FederalRegisterMapping,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CongressMapping {
    pub unmapped: String,
    pub cosponsors: String,
    pub related_bill: String,
    pub actions: Vec<ActionRule>,
    pub committee: Vec<CommitteeRule>,
}

/// A bill action rule: the action's text contains `text` (ignoring case),
/// or its action code is `code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitteeRule {
    pub activity: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederalRegisterMapping {
    pub unmapped: String,
    pub documents: Vec<DocumentRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRule {
    #[serde(rename = "type")]
    pub doc_type: String,
    pub kinds: Vec<String>,
    pub status: String,
}

/// What an official text becomes: a status of the item's kind, and
/// whether a rule said so (false: unmapped, proposed as a development).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped {
    pub status: Status,
    pub matched: bool,
}

/// The embedded mapping (checked by the tests: it parses, and every status
/// it names is a word of the kinds it applies to).
pub fn mapping() -> &'static Mapping {
    static MAPPING: OnceLock<Mapping> = OnceLock::new();
    MAPPING.get_or_init(|| toml::from_str(MAPPING_TOML).expect("mapping.toml is valid"))
}

/// The status a word names for `kind`, or the unmapped development when
/// the word is not one of the kind's (a rule for another kind of item).
fn resolve(kind: Kind, word: &str, unmapped: &str) -> Mapped {
    match Status::parse(kind, word) {
        Ok(status) => Mapped {
            status,
            matched: true,
        },
        Err(_) => fallback(kind, unmapped),
    }
}

fn fallback(kind: Kind, unmapped: &str) -> Mapped {
    let status = Status::parse(kind, unmapped)
        .or_else(|_| Status::parse(kind, "statement"))
        .expect("every kind has the statement development");
    Mapped {
        status,
        matched: false,
    }
}

impl CongressMapping {
    /// A bill action, by its text and action code.
    pub fn action(&self, kind: Kind, text: &str, code: Option<&str>) -> Mapped {
        let lower = text.to_lowercase();
        self.actions
            .iter()
            .find(|r| {
                r.text
                    .as_deref()
                    .is_some_and(|t| lower.contains(&t.to_lowercase()))
                    || r.code.as_deref().is_some_and(|c| Some(c) == code)
            })
            .map(|r| resolve(kind, &r.status, &self.unmapped))
            .unwrap_or_else(|| fallback(kind, &self.unmapped))
    }

    /// A committee activity, by its name.
    pub fn committee_activity(&self, kind: Kind, activity: &str) -> Mapped {
        self.committee
            .iter()
            .find(|r| r.activity.eq_ignore_ascii_case(activity.trim()))
            .map(|r| resolve(kind, &r.status, &self.unmapped))
            .unwrap_or_else(|| fallback(kind, &self.unmapped))
    }

    pub fn cosponsors(&self, kind: Kind) -> Mapped {
        resolve(kind, &self.cosponsors, &self.unmapped)
    }

    pub fn related_bill(&self, kind: Kind) -> Mapped {
        resolve(kind, &self.related_bill, &self.unmapped)
    }
}

impl FederalRegisterMapping {
    /// A document, by its type ("Correction" for one that corrects another).
    pub fn document(&self, kind: Kind, doc_type: &str) -> Mapped {
        self.documents
            .iter()
            .find(|r| {
                r.doc_type.eq_ignore_ascii_case(doc_type.trim())
                    && r.kinds.iter().any(|k| k == kind.as_str())
            })
            .map(|r| resolve(kind, &r.status, &self.unmapped))
            .unwrap_or_else(|| fallback(kind, &self.unmapped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_the_table_names_is_a_word_of_its_kinds() {
        let m = mapping();
        let bill = |w: &str| Status::parse(Kind::Bill, w).map(|_| ());
        for r in &m.congress.actions {
            assert!(bill(&r.status).is_ok(), "congress action {r:?}");
            assert!(
                r.text.is_some() || r.code.is_some(),
                "{r:?} matches nothing"
            );
        }
        for r in &m.congress.committee {
            assert!(bill(&r.status).is_ok(), "committee {r:?}");
        }
        for w in [
            &m.congress.unmapped,
            &m.congress.cosponsors,
            &m.congress.related_bill,
        ] {
            assert!(bill(w).is_ok(), "{w}");
        }
        for r in &m.federal_register.documents {
            for k in &r.kinds {
                let kind: Kind = k.parse().unwrap_or_else(|_| panic!("{k} is a kind"));
                assert!(Status::parse(kind, &r.status).is_ok(), "{r:?} for {k}");
            }
        }
    }

    #[test]
    fn bill_actions_map_to_the_bill_vocabulary() {
        let m = &mapping().congress;
        let word = |text: &str| m.action(Kind::Bill, text, None);
        let referred = word("Read twice and referred to the Committee on the Judiciary.");
        assert_eq!(
            (referred.status.name(), referred.matched),
            ("referred", true)
        );
        assert_eq!(word("Introduced in Senate").status.name(), "introduced");
        assert_eq!(
            word("Passed Senate without amendment by Unanimous Consent.")
                .status
                .name(),
            "passed-chamber"
        );
        assert_eq!(
            word("Became Public Law No: 119-1.").status.name(),
            "enacted"
        );
        assert_eq!(
            word("Committee on the Judiciary. Hearings held.")
                .status
                .name(),
            "hearing"
        );
        assert!(!word("Committee on the Judiciary. Hearings held.")
            .status
            .moves_status());
        assert_eq!(
            m.committee_activity(Kind::Bill, "Referred To")
                .status
                .name(),
            "referred"
        );
    }

    #[test]
    fn unmapped_texts_become_developments_never_nothing() {
        let m = &mapping().congress;
        let star = m.action(Kind::Bill, "Star Print ordered on the bill.", None);
        assert!(!star.matched);
        assert_eq!(star.status.name(), "statement");
        assert!(!star.status.moves_status());
        let markup = m.committee_activity(Kind::Bill, "Markup By");
        assert!(!markup.matched && !markup.status.moves_status());
    }

    #[test]
    fn federal_register_types_map_by_the_items_kind() {
        let m = &mapping().federal_register;
        assert_eq!(
            m.document(Kind::Regulation, "Rule").status.name(),
            "published"
        );
        assert_eq!(
            m.document(Kind::Regulation, "Proposed Rule").status.name(),
            "proposed"
        );
        assert_eq!(
            m.document(Kind::ExecutiveAction, "Presidential Document")
                .status
                .name(),
            "signed"
        );
        let correction = m.document(Kind::Regulation, "Correction");
        assert!(correction.matched && !correction.status.moves_status());
        let notice = m.document(Kind::Regulation, "Notice");
        assert!(!notice.matched && !notice.status.moves_status());
        // A rule for another kind of item does not apply.
        assert!(!m.document(Kind::Bill, "Rule").matched);
    }
}

//! The Federal Register API v1, for rules and presidential documents: an
//! item whose identifiers name a document ("FR doc. 2025-00636", or a bare
//! document number) or a CFR part ("31 CFR Part 850") gets those documents
//! read, and the later documents in the same dockets. Each document
//! becomes a proposed event (its type mapped by `mapping.toml`; one that
//! corrects another counts as a "Correction"), its effective date an
//! `effective` milestone and its comment deadline a `comment-deadline`
//! milestone. The API needs no key.

use std::collections::BTreeMap;

use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::http::{Http, RateLimit, SourceError};
use super::mapping::mapping;
use super::{Draft, Harvest, SyncItem};
use crate::domain::{MilestoneKind, SourceName};
use crate::store::source_fetches::Validators;

/// The fields asked for, beyond the search's defaults.
const FIELDS: &[&str] = &[
    "document_number",
    "type",
    "title",
    "publication_date",
    "html_url",
    "citation",
    "effective_on",
    "comments_close_on",
    "docket_ids",
    "correction_of",
];

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub document_number: String,
    #[serde(rename = "type")]
    pub doc_type: String,
    pub title: String,
    pub publication_date: String,
    pub html_url: String,
    #[serde(default)]
    pub citation: Option<String>,
    #[serde(default)]
    pub effective_on: Option<String>,
    #[serde(default)]
    pub comments_close_on: Option<String>,
    #[serde(default)]
    pub docket_ids: Vec<Option<String>>,
    #[serde(default)]
    pub correction_of: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SearchPage {
    #[serde(default)]
    results: Vec<Document>,
}

/// What the item's identifiers ask for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Targets {
    pub documents: Vec<String>,
    /// (CFR title, part)
    pub cfr_parts: Vec<(u32, u32)>,
}

impl Targets {
    pub fn from_identifiers(identifiers: &[String]) -> Targets {
        let mut t = Targets::default();
        for i in identifiers {
            if let Some(n) = document_number(i) {
                t.documents.push(n);
            } else if let Some(part) = cfr_part(i) {
                t.cfr_parts.push(part);
            }
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty() && self.cfr_parts.is_empty()
    }
}

/// "FR doc. 2025-00636" or "2025-00636" → "2025-00636".
fn document_number(identifier: &str) -> Option<String> {
    let lower = identifier.trim().to_lowercase();
    let rest = lower
        .strip_prefix("fr doc.")
        .or_else(|| lower.strip_prefix("fr doc"))
        .unwrap_or(&lower)
        .trim();
    let (year, serial) = rest.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    (digits(year, 4) && digits(serial, 5)).then(|| rest.to_owned())
}

/// "31 CFR Part 850" or "31 CFR 850" → (31, 850).
fn cfr_part(identifier: &str) -> Option<(u32, u32)> {
    let lower = identifier.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.as_slice() {
        [title, "cfr", "part", part] | [title, "cfr", part] => {
            Some((title.parse().ok()?, part.parse().ok()?))
        }
        _ => None,
    }
}

pub struct FederalRegister<'a> {
    pub base_url: &'a str,
    pub limit: &'a RateLimit,
}

impl FederalRegister<'_> {
    fn fields(&self) -> String {
        FIELDS.iter().map(|f| format!("&fields[]={f}")).collect()
    }

    /// Reads the documents the item's identifiers name; `None` when they
    /// name none.
    pub async fn harvest(
        &self,
        http: &Http,
        item: &SyncItem,
        remembered: &dyn Fn(&str) -> Option<Validators>,
    ) -> Result<Option<Harvest>, SourceError> {
        let targets = Targets::from_identifiers(&item.identifiers);
        if targets.is_empty() {
            return Ok(None);
        }
        let base = self.base_url.trim_end_matches('/');
        let headers = HeaderMap::new();
        let mut h = Harvest::default();
        let mut found: BTreeMap<String, Document> = BTreeMap::new();
        let search = |condition: String| {
            format!(
                "{base}/documents.json?{condition}&order=oldest&per_page=100{}",
                self.fields()
            )
        };
        let mut searches = Vec::new();
        for n in &targets.documents {
            let url = format!("{base}/documents/{n}.json?{}", &self.fields()[1..]);
            if let Some(doc) = h
                .fetch::<Document>(http, &url, &headers, remembered(&url).as_ref(), self.limit)
                .await?
            {
                for docket in doc.docket_ids.iter().flatten() {
                    searches.push(search(format!("conditions[docket_id]={docket}")));
                }
                found.insert(doc.document_number.clone(), doc);
            }
        }
        for (title, part) in &targets.cfr_parts {
            searches.push(search(format!(
                "conditions[cfr][title]={title}&conditions[cfr][part]={part}"
            )));
        }
        searches.dedup();
        for url in &searches {
            if let Some(page) = h
                .fetch::<SearchPage>(http, url, &headers, remembered(url).as_ref(), self.limit)
                .await?
            {
                for doc in page.results {
                    found.entry(doc.document_number.clone()).or_insert(doc);
                }
            }
        }
        h.fetched.push(format!(
            "{} documents ({} lookups, {} searches)",
            found.len(),
            targets.documents.len(),
            searches.len()
        ));
        for doc in found.values() {
            propose(&mut h, item, doc)?;
        }
        Ok(Some(h))
    }
}

/// A document's proposals: the event of its publication, and milestones
/// for its effective date and comment deadline.
fn propose(h: &mut Harvest, item: &SyncItem, doc: &Document) -> Result<(), SourceError> {
    let m = &mapping().federal_register;
    let doc_type = if doc.correction_of.is_some() {
        "Correction"
    } else {
        doc.doc_type.as_str()
    };
    let n = &doc.document_number;
    let cited = match &doc.citation {
        Some(c) => format!("{c}, document {n}"),
        None => format!("document {n}"),
    };
    let raw = format!("{}: {}", doc.doc_type, doc.title);
    let mut note = format!(
        "{} published in the Federal Register ({cited}): {}",
        doc.doc_type, doc.title
    );
    if let Some(of) = &doc.correction_of {
        note.push_str(&format!(" Corrects {of}."));
    }
    let draft = |key: String, date| {
        Draft::new(
            SourceName::FederalRegister,
            item,
            key,
            date,
            &doc.html_url,
            raw.clone(),
        )
    };
    h.proposals.push(
        draft(format!("{n}/publication"), &doc.publication_date)
            .event(m.document(item.kind, doc_type), note)?,
    );
    if let Some(date) = &doc.effective_on {
        h.proposals
            .push(draft(format!("{n}/effective_on/{date}"), date).milestone(
                MilestoneKind::Effective,
                format!("Effective date of {cited}, as the Federal Register gives it."),
            )?);
    }
    if let Some(date) = &doc.comments_close_on {
        h.proposals.push(
            draft(format!("{n}/comments_close_on/{date}"), date).milestone(
                MilestoneKind::CommentDeadline,
                format!("Comments on {cited} close, as the Federal Register gives it."),
            )?,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_name_documents_and_cfr_parts() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let t = Targets::from_identifiers(&ids(&["90 FR 4544", "FR doc. 2025-00636"]));
        assert_eq!(t.documents, ["2025-00636"]);
        assert!(t.cfr_parts.is_empty());
        let t = Targets::from_identifiers(&ids(&["31 CFR Part 850", "89 FR 90398", "EO 14105"]));
        assert_eq!(t.cfr_parts, [(31, 850)]);
        assert!(t.documents.is_empty());
        assert!(Targets::from_identifiers(&ids(&["S.321", "119th Congress"])).is_empty());
        assert_eq!(document_number("2024-25422").as_deref(), Some("2024-25422"));
        assert_eq!(document_number("2024-2542"), None);
    }
}

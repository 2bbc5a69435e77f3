//! Official-source connectors: given an item's identifiers, read what the
//! official source knows (Congress.gov for bills, the Federal Register for
//! rules and presidential documents) and turn it into proposed events and
//! milestones in the record's own words (`mapping.toml`), each with the
//! official URL as its source and high confidence. Nothing they find is
//! published: proposals wait at `/review` for an editor.
//!
//! `http` is the client (timeouts, retries, rate limits, conditional
//! requests), `mapping` the table of words, `sync` the run over items
//! (`regwatch sync` and the periodic sync).

pub mod congress;
pub mod federal_register;
pub mod http;
pub mod mapping;
pub mod sync;

use std::time::Duration;

use crate::domain::{Confidence, EventDate, ItemId, Kind, MilestoneKind, SourceName, SourceUrl};
use crate::store::events::NewEvent;
use crate::store::milestones::NewMilestone;
use crate::store::proposals::{NewProposal, Proposed};
use crate::store::source_fetches::Validators;
use http::{Fetched, Http, SourceError};
use mapping::Mapped;

/// Where the sources are and how to reach them (settings).
#[derive(Debug, Clone)]
pub struct SourcesConfig {
    /// Congress.gov API v3, e.g. `https://api.congress.gov/v3`.
    pub congress_api_url: String,
    /// api.data.gov key; without one Congress.gov is not read.
    pub congress_api_key: Option<String>,
    /// Federal Register API v1, e.g. `https://www.federalregister.gov/api/v1`.
    pub federal_register_api_url: String,
    /// How often the worker syncs; `None`: never on its own.
    pub sync_interval: Option<Duration>,
    pub http: http::HttpConfig,
    /// Congress.gov's published limit is 5,000 requests an hour per key.
    pub congress_per_hour: u32,
    /// The Federal Register publishes no limit; this keeps requests polite.
    pub federal_register_per_hour: u32,
}

pub const DEFAULT_CONGRESS_API_URL: &str = "https://api.congress.gov/v3";
pub const DEFAULT_FEDERAL_REGISTER_API_URL: &str = "https://www.federalregister.gov/api/v1";

impl Default for SourcesConfig {
    fn default() -> Self {
        SourcesConfig {
            congress_api_url: DEFAULT_CONGRESS_API_URL.to_owned(),
            congress_api_key: None,
            federal_register_api_url: DEFAULT_FEDERAL_REGISTER_API_URL.to_owned(),
            sync_interval: None,
            http: http::HttpConfig::default(),
            congress_per_hour: 5000,
            federal_register_per_hour: 3600,
        }
    }
}

/// An item as the connectors see it.
#[derive(Debug, Clone)]
pub struct SyncItem {
    pub id: ItemId,
    pub slug: String,
    pub kind: Kind,
    pub identifiers: Vec<String>,
}

/// What a connector read for one item: proposals, what it fetched (for the
/// log line), and the validators to remember once they are stored.
#[derive(Debug, Default)]
pub struct Harvest {
    pub proposals: Vec<NewProposal>,
    /// e.g. "2 actions, 1 committee, 0 cosponsors".
    pub fetched: Vec<String>,
    /// Resources that answered 304 (unchanged).
    pub unchanged: usize,
    pub validators: Vec<(String, Validators)>,
}

impl Harvest {
    /// Reads a resource, conditionally when `validators` is given (a real
    /// run; a dry run asks afresh and remembers nothing).
    async fn fetch<T: serde::de::DeserializeOwned>(
        &mut self,
        http: &Http,
        url: &str,
        headers: &reqwest::header::HeaderMap,
        validators: Option<&Validators>,
        limit: &http::RateLimit,
    ) -> Result<Option<T>, SourceError> {
        let none = Validators::default();
        match http
            .get_json(url, headers, validators.unwrap_or(&none), limit)
            .await?
        {
            Fetched::Fresh(value, fresh) => {
                if validators.is_some() {
                    self.validators.push((url.to_owned(), fresh));
                }
                Ok(Some(value))
            }
            Fetched::NotModified => {
                self.unchanged += 1;
                Ok(None)
            }
        }
    }
}

/// A proposal's parts before it is tied to its source.
pub(crate) struct Draft<'a> {
    pub source: SourceName,
    pub key: String,
    pub item: &'a SyncItem,
    pub date: &'a str,
    pub url: &'a str,
    pub raw_text: String,
}

impl<'a> Draft<'a> {
    pub fn new(
        source: SourceName,
        item: &'a SyncItem,
        key: String,
        date: &'a str,
        url: &'a str,
        raw_text: String,
    ) -> Self {
        Draft {
            source,
            key,
            item,
            date,
            url,
            raw_text,
        }
    }

    fn date(&self) -> Result<EventDate, SourceError> {
        let day = self.date.get(..10).unwrap_or(self.date);
        day.parse::<EventDate>()
            .map_err(|e| self.malformed(format!("date {:?}: {e}", self.date)))
    }

    fn source_url(&self) -> Result<SourceUrl, SourceError> {
        SourceUrl::try_from(self.url)
            .map_err(|e| self.malformed(format!("URL {:?}: {e}", self.url)))
    }

    fn malformed(&self, message: String) -> SourceError {
        SourceError::Malformed {
            url: self.url.to_owned(),
            message,
        }
    }

    /// A proposed event: the mapped status, the note saying where from.
    pub fn event(self, mapped: Mapped, note: String) -> Result<NewProposal, SourceError> {
        let note = if mapped.matched {
            note
        } else {
            format!("Not in the mapping table; the official text: {note}")
        };
        let proposed = Proposed::Event(NewEvent {
            date: self.date()?,
            status: mapped.status,
            note: clip(&note, 2000),
            source: self.source_url()?,
            confidence: Confidence::High,
        });
        Ok(self.into_proposal(proposed))
    }

    /// A proposed milestone.
    pub fn milestone(self, kind: MilestoneKind, note: String) -> Result<NewProposal, SourceError> {
        let proposed = Proposed::Milestone(NewMilestone {
            kind,
            date: self.date()?,
            note: clip(&note, 2000),
            source: self.source_url()?,
            confidence: Confidence::High,
        });
        Ok(self.into_proposal(proposed))
    }

    fn into_proposal(self, proposed: Proposed) -> NewProposal {
        NewProposal {
            source: self.source,
            source_key: self.key,
            item_id: self.item.id,
            proposed,
            raw_text: clip(&self.raw_text, 4000),
        }
    }
}

/// Text cut to at most `max` characters (official texts can be long), and
/// stripped of control characters the record refuses.
fn clip(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A short stable id for a text, for source keys of facts the source gives
/// no id of their own.
fn text_key(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(text.trim().as_bytes())[..6])
}

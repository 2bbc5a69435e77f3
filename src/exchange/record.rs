//! The interchange shape of an item, as JSON and YAML files hold it: the
//! starter data's item shape (`shared/seed-facts.yaml`), extended so that
//! an export says everything an import needs.
//!
//! Values are kept as written (text), so that every problem can be
//! reported with its path by [`super::validate`]; what an export adds to
//! the starter shape is optional on import: an event's `precision` (else
//! the date's form gives it), `moves_status` and `phase` (checked against
//! the status when given), `retracted` with its `retraction_note`, and an
//! item's `links`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::validate::{ValidEvent, ValidItem, ValidLink, ValidMilestone};
use crate::domain::Phase;

/// One item with its events, milestones and outgoing links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    pub slug: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_title: Option<String>,
    /// The title in the item's own language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_title: Option<String>,
    pub kind: String,
    pub jurisdiction: String,
    #[serde(default)]
    pub identifiers: Vec<String>,
    #[serde(default)]
    pub parties: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub summary: String,
    /// The status note: one line on where the item stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default)]
    pub events: Vec<EventRecord>,
    #[serde(default)]
    pub milestones: Vec<MilestoneRecord>,
    #[serde(default)]
    pub links: Vec<LinkRecord>,
}

/// A status event. `date` is written at its precision (`2025-01-29`,
/// `2023-04`, `2023`); `precision` says which (`day`, `month`, `year`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    #[serde(deserialize_with = "date_text")]
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    pub status: String,
    /// Whether the status moves the item (`false`: a development).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moves_status: Option<bool>,
    /// The phase the status moves the item into; none for a development.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    pub confidence: String,
    #[serde(default)]
    pub note: String,
    pub source: String,
    #[serde(default)]
    pub retracted: bool,
    /// Why the event was retracted; only on a retracted event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retraction_note: Option<String>,
}

/// A dated point ahead of the item (effective date, deadline...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRecord {
    #[serde(deserialize_with = "date_text")]
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    pub kind: String,
    pub confidence: String,
    #[serde(default)]
    pub note: String,
    pub source: String,
}

/// A link from the item that lists it: "this item {relation} {to}".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRecord {
    pub relation: String,
    pub to: String,
}

/// A link listed on its own, after the items (the starter data's `links:`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLink {
    pub from: String,
    pub to: String,
    pub relation: String,
}

/// A date as text; a YAML year written bare (`date: 2024`) is a number.
fn date_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct DateText;
    impl Visitor<'_> for DateText {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date written YYYY-MM-DD, YYYY-MM or YYYY")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    deserializer.deserialize_any(DateText)
}

impl From<&ValidItem> for ItemRecord {
    /// The record an export writes: every optional part spelt out.
    fn from(item: &ValidItem) -> Self {
        let text = |lines: &[crate::domain::SingleLine]| {
            lines.iter().map(|l| l.as_str().to_owned()).collect()
        };
        ItemRecord {
            slug: item.slug.to_string(),
            title: item.title.to_string(),
            short_title: item.short_title.as_ref().map(ToString::to_string),
            original_title: item.original_title.as_ref().map(ToString::to_string),
            kind: item.kind.as_str().to_owned(),
            jurisdiction: item.jurisdiction.to_string(),
            identifiers: text(&item.identifiers),
            parties: text(&item.parties),
            tags: item.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            summary: item.summary.to_string(),
            current: item.current.as_ref().map(ToString::to_string),
            events: item.events.iter().map(EventRecord::from).collect(),
            milestones: item.milestones.iter().map(MilestoneRecord::from).collect(),
            links: item.links.iter().map(LinkRecord::from).collect(),
        }
    }
}

impl From<&ValidEvent> for EventRecord {
    fn from(e: &ValidEvent) -> Self {
        EventRecord {
            date: e.date.iso(),
            precision: Some(e.date.precision().as_str().to_owned()),
            status: e.status.name().to_owned(),
            moves_status: Some(e.status.moves_status()),
            phase: e.status.phase().map(Phase::as_str).map(str::to_owned),
            confidence: e.confidence.as_str().to_owned(),
            note: e.note.to_string(),
            source: e.source.as_str().to_owned(),
            retracted: e.retraction.is_some(),
            retraction_note: e.retraction.as_ref().map(ToString::to_string),
        }
    }
}

impl From<&ValidMilestone> for MilestoneRecord {
    fn from(m: &ValidMilestone) -> Self {
        MilestoneRecord {
            date: m.date.iso(),
            precision: Some(m.date.precision().as_str().to_owned()),
            kind: m.kind.as_str().to_owned(),
            confidence: m.confidence.as_str().to_owned(),
            note: m.note.to_string(),
            source: m.source.as_str().to_owned(),
        }
    }
}

impl From<&ValidLink> for LinkRecord {
    fn from(l: &ValidLink) -> Self {
        LinkRecord {
            relation: l.relation.to_string(),
            to: l.to.to_string(),
        }
    }
}

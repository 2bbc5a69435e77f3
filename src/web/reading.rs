//! View data the reading pages share: a status event as the timeline and
//! the item page show it, a phase badge, the filter form and pagination.

use serde::Serialize;

use super::view::Choice;
use crate::domain::{Confidence, DatePrecision, EventId, Kind, Phase, RawQuery, Status};
use crate::store::events::EventRow;
use crate::store::timeline::Facets;

/// A phase, as its badge shows it.
#[derive(Debug, Serialize)]
pub struct PhaseView {
    pub value: &'static str,
    pub label: &'static str,
}

impl PhaseView {
    pub fn of(phase: Phase) -> Self {
        PhaseView {
            value: phase.as_str(),
            label: phase.label(),
        }
    }
}

/// The host a source URL points to, without `www.`.
pub(super) fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_owned())
        })
        .unwrap_or_else(|| url.to_owned())
}

/// A status event, with its date at its precision and its source.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub id: EventId,
    pub date_iso: String,
    pub date_human: String,
    pub precision: &'static str,
    pub approximate: bool,
    pub status: String,
    pub status_label: String,
    pub moves_status: bool,
    pub phase: Option<PhaseView>,
    pub note: String,
    pub source_url: String,
    pub source_host: String,
    pub confidence: &'static str,
    pub confidence_label: &'static str,
    pub low_confidence: bool,
    pub retracted: bool,
    pub retraction_note: Option<String>,
}

impl EventView {
    /// An event of an item of `kind`.
    pub fn of(e: &EventRow, kind: Kind) -> Self {
        let date = e.date();
        let confidence = e.confidence();
        EventView {
            id: e.id,
            date_iso: date.iso(),
            date_human: date.human(),
            precision: date.precision().as_str(),
            approximate: date.precision() != DatePrecision::Day,
            status: e.status.clone(),
            status_label: Status::label_of(kind, &e.status),
            moves_status: e.moves_status,
            phase: e.phase().map(PhaseView::of),
            note: e.note.clone(),
            source_url: e.source_url.clone(),
            source_host: host_of(&e.source_url),
            confidence: confidence.as_str(),
            confidence_label: confidence.description(),
            low_confidence: confidence == Confidence::Low,
            retracted: e.retracted,
            retraction_note: e.retraction_note.clone(),
        }
    }
}

/// The filter form's current values and menus.
#[derive(Debug, Serialize)]
pub struct FilterForm {
    pub q: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub kinds: Vec<Choice>,
    pub phases: Vec<Choice>,
    pub jurisdictions: Vec<Choice>,
    pub tags: Vec<Choice>,
    /// Whether anything is filtered (the form offers to clear it).
    pub active: bool,
}

impl FilterForm {
    pub fn new(raw: &RawQuery, facets: &Facets) -> Self {
        let selected = |v: &Option<String>, opt: &str| v.as_deref().map(str::trim) == Some(opt);
        let in_use = |values: &[String], current: &Option<String>| {
            values
                .iter()
                .map(|v| Choice::new(v, v, selected(current, v)))
                .collect()
        };
        FilterForm {
            q: raw.q.clone(),
            from: raw.from.clone(),
            to: raw.to.clone(),
            sort: raw.sort.clone(),
            dir: raw.dir.clone(),
            kinds: Kind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label(), selected(&raw.kind, k.as_str())))
                .collect(),
            phases: Phase::ALL
                .iter()
                .map(|p| Choice::new(p.as_str(), p.label(), selected(&raw.phase, p.as_str())))
                .collect(),
            jurisdictions: in_use(&facets.jurisdictions, &raw.jurisdiction),
            tags: in_use(&facets.tags, &raw.tag),
            active: !raw.filter_only().is_empty(),
        }
    }
}

/// Links to the pages before and after this one.
#[derive(Debug, Serialize)]
pub struct Pagination {
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Whether there is more than one page.
    pub shown: bool,
}

impl Pagination {
    /// For the page `page` at `path`, keeping the query's filter and sort.
    pub fn new(path: &str, raw: &RawQuery, page: i64, has_next: bool) -> Self {
        Pagination {
            page,
            prev: (page > 1).then(|| format!("{path}{}", raw.with_page(page - 1))),
            next: has_next.then(|| format!("{path}{}", raw.with_page(page + 1))),
            shown: page > 1 || has_next,
        }
    }
}

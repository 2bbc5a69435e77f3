//! What the JSON API answers with: typed shapes, each with its OpenAPI
//! schema. Items and events use the field names of the interchange records
//! (`exchange::record`), so an export and the API agree: a date is written
//! at its precision (`"2023-04"`) beside the precision (`"month"`), never
//! with a made-up day; the status note is `current`; a link names the slugs
//! it goes `from` and `to`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{EventDate, Status};
use crate::store::changes::ChangeRow;
use crate::store::events::EventRow;
use crate::store::items::{ItemDetail, ItemRow};
use crate::store::links::LinkView;
use crate::store::milestones::MilestoneRow;
use crate::store::timeline::ItemBrief;

/// A date at its precision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DateJson {
    /// `2025-01-29`, `2023-04` or `2023`.
    #[schema(example = "2023-04")]
    pub date: String,
    /// `day`, `month` or `year`.
    #[schema(example = "month")]
    pub precision: String,
}

impl DateJson {
    pub fn of(d: EventDate) -> Self {
        DateJson {
            date: d.iso(),
            precision: d.precision().as_str().to_owned(),
        }
    }
}

/// A status event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    pub id: i32,
    /// At its precision: `2025-01-29`, `2023-04` or `2023`.
    pub date: String,
    /// `day`, `month` or `year`.
    pub precision: String,
    pub status: String,
    pub status_label: String,
    /// Whether the status moves the item (`false`: a development).
    pub moves_status: bool,
    /// The phase the status moves the item into; none for a development.
    pub phase: Option<String>,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    pub note: String,
    pub source: String,
    pub retracted: bool,
    pub retraction_note: Option<String>,
}

impl EventJson {
    pub fn of(kind: crate::domain::Kind, e: &EventRow) -> Self {
        EventJson {
            id: e.id.into(),
            date: e.date().iso(),
            precision: e.date().precision().as_str().to_owned(),
            status: e.status.clone(),
            status_label: Status::label_of(kind, &e.status),
            moves_status: e.moves_status,
            phase: e.phase().map(|p| p.as_str().to_owned()),
            confidence: e.confidence().as_str().to_owned(),
            note: e.note.clone(),
            source: e.source_url.clone(),
            retracted: e.retracted,
            retraction_note: e.retraction_note.clone(),
        }
    }
}

/// A status event on the timeline, with the item it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEventJson {
    /// The item's slug.
    pub item: String,
    pub item_title: String,
    #[serde(flatten)]
    pub event: EventJson,
}

impl TimelineEventJson {
    pub fn of((event, item): &(EventRow, ItemBrief)) -> Self {
        TimelineEventJson {
            item: item.slug.clone(),
            item_title: item.title.clone(),
            event: EventJson::of(item.kind, event),
        }
    }
}

/// A typed link between two items: "`from` `relation` `to`".
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkJson {
    pub id: i32,
    pub relation: String,
    /// The slug of the item the link starts at.
    pub from: String,
    /// The slug of the item the link ends at.
    pub to: String,
}

impl LinkJson {
    pub fn of(this_slug: &str, l: &LinkView) -> Self {
        let (from, to) = if l.outgoing {
            (this_slug.to_owned(), l.other_slug.clone())
        } else {
            (l.other_slug.clone(), this_slug.to_owned())
        };
        LinkJson {
            id: l.id.into(),
            relation: l.relation.clone(),
            from,
            to,
        }
    }
}

/// An item as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemSummaryJson {
    pub slug: String,
    pub title: String,
    pub short_title: Option<String>,
    pub original_title: Option<String>,
    /// `bill`, `regulation`, `executive-action`, `deal`, `product` or `other`.
    pub kind: String,
    pub jurisdiction: String,
    /// The current status (set by the latest standing status event).
    pub status: Option<String>,
    pub status_label: Option<String>,
    /// `proposed`, `pending`, `in-force`, `stalled` or `ended`.
    pub phase: Option<String>,
    /// The date of the latest standing event.
    pub last_event: Option<DateJson>,
    /// The version to send back when editing the item.
    pub version: i32,
    /// When the item's fields were last saved (UTC).
    pub updated_at: DateTime<Utc>,
    /// This item in the API.
    pub url: String,
}

impl ItemSummaryJson {
    pub fn of(i: &ItemRow) -> Self {
        ItemSummaryJson {
            slug: i.slug.clone(),
            title: i.title.clone(),
            short_title: i.short_title.clone(),
            original_title: i.original_title.clone(),
            kind: i.kind().as_str().to_owned(),
            jurisdiction: i.jurisdiction.clone(),
            status: i.current_status.clone(),
            status_label: i.status_label(),
            phase: i.phase().map(|p| p.as_str().to_owned()),
            last_event: i.last_event().map(DateJson::of),
            version: i.version,
            updated_at: i.updated_at.and_utc(),
            url: format!("/api/v1/items/{}", i.slug),
        }
    }
}

/// One item with everything the item page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemJson {
    #[serde(flatten)]
    pub item: ItemSummaryJson,
    pub identifiers: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<String>,
    pub summary: String,
    /// The status note: one line on where the item stands.
    pub current: Option<String>,
    /// Oldest first, retracted ones included (marked).
    pub events: Vec<EventJson>,
    /// Scheduled dates, soonest first; removed ones left out.
    pub milestones: Vec<MilestoneJson>,
    pub links: Vec<LinkJson>,
}

/// A dated point ahead (or scheduled in the past): what is scheduled, not
/// what happened.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneJson {
    pub id: i32,
    /// `effective`, `compliance`, `comment-deadline`, `statutory-deadline`,
    /// `session-end`, `hearing`, `vote` or `expiry`.
    pub kind: String,
    /// At its precision: `2027-01-03`, `2027-03` or `2027`.
    pub date: String,
    /// `day`, `month` or `year`.
    pub precision: String,
    /// How the date is known, or how a computed date was computed.
    pub note: String,
    pub source: String,
    /// `high`, `medium` or `low`.
    pub confidence: String,
}

impl MilestoneJson {
    pub fn of(m: &MilestoneRow) -> Self {
        let date = m.date();
        MilestoneJson {
            id: m.id.0,
            kind: m.kind.as_str().to_owned(),
            date: date.iso(),
            precision: date.precision().as_str().to_owned(),
            note: m.note.clone(),
            source: m.source_url.clone(),
            confidence: m.confidence.as_str().to_owned(),
        }
    }
}

impl ItemJson {
    pub fn of(d: &ItemDetail, milestones: &[MilestoneRow]) -> Self {
        let kind = d.item.kind();
        ItemJson {
            item: ItemSummaryJson::of(&d.item),
            identifiers: d.identifiers.clone(),
            parties: d.parties.clone(),
            tags: d.tags.clone(),
            summary: d.item.summary.clone(),
            current: d.item.status_summary.clone(),
            events: d.events.iter().map(|e| EventJson::of(kind, e)).collect(),
            milestones: milestones.iter().map(MilestoneJson::of).collect(),
            links: d
                .links
                .iter()
                .map(|l| LinkJson::of(&d.item.slug, l))
                .collect(),
        }
    }
}

/// A page of items; follow `next` for the rest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemListJson {
    pub items: Vec<ItemSummaryJson>,
    /// The next page, with the same filters and sort; none on the last.
    pub next: Option<String>,
}

/// A page of the timeline, newest first; follow `next` for the rest.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventListJson {
    pub events: Vec<TimelineEventJson>,
    pub next: Option<String>,
}

/// One change to an item: what alerts and feeds are made from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeJson {
    /// Resume after this to read the changes that follow it.
    pub cursor: String,
    /// The item's slug.
    pub item: String,
    /// `item-created`, `fields-edited`, `event-recorded`,
    /// `event-corrected`, `event-retracted`, `link-added`, `link-removed`.
    pub kind: String,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// What changed; its `type` is the kind.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl ChangeJson {
    pub fn of((change, slug): &(ChangeRow, String)) -> Self {
        ChangeJson {
            cursor: change.id.to_string(),
            item: slug.clone(),
            kind: change.kind.clone(),
            at: change.created_at.and_utc(),
            details: serde_json::to_value(&change.payload.0).expect("change payloads serialise"),
        }
    }
}

/// Changes after a cursor, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeListJson {
    pub changes: Vec<ChangeJson>,
    /// Where to resume: the last change's cursor, or the one given when
    /// there was nothing new.
    pub cursor: String,
    /// The address to poll next.
    pub next: String,
}

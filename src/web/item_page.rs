//! `/items/{slug}`: one item with its whole status history, a chart of it,
//! its related items and its subscribe box.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::MaybeUser;
use super::cache::PagePart;
use super::error::AppError;
use super::feeds::FeedLink;
use super::milestone_view::MilestoneView;
use super::reading::{EventView, PhaseView};
use super::subscriptions::SubscribeBox;
use super::svg::{self, Flag, Marker};
use super::view::{Layout, Page};
use super::AppState;
use crate::domain::{LinkId, Slug, Status};
use crate::store::items::{self, ItemDetail};
use crate::store::links::LinkView;
use crate::store::milestones::{self, MilestoneRow};
use chrono::NaiveDate;

#[derive(Debug, Serialize)]
struct ItemView<'a> {
    slug: &'a str,
    title: &'a str,
    short_title: Option<&'a str>,
    original_title: Option<&'a str>,
    kind_label: &'static str,
    jurisdiction: &'a str,
    summary: &'a str,
    status_summary: Option<&'a str>,
    status_label: Option<String>,
    phase: Option<PhaseView>,
    identifiers: &'a [String],
    parties: &'a [String],
    tags: &'a [String],
    version: i32,
}

/// An event of the history, numbered as on the chart.
#[derive(Debug, Serialize)]
struct NumberedEvent {
    number: usize,
    #[serde(flatten)]
    event: EventView,
}

/// A related item, and how it relates.
#[derive(Debug, Serialize)]
struct LinkLine<'a> {
    id: LinkId,
    /// "This item <relation> the other" rather than the other way round.
    outgoing: bool,
    relation: &'a str,
    slug: &'a str,
    title: &'a str,
    short_title: Option<&'a str>,
    kind_label: &'static str,
    phase: Option<PhaseView>,
}

impl<'a> LinkLine<'a> {
    fn of(l: &'a LinkView) -> Self {
        LinkLine {
            id: l.id,
            outgoing: l.outgoing,
            relation: &l.relation,
            slug: &l.other_slug,
            title: &l.other_title,
            short_title: l.other_short_title.as_deref(),
            kind_label: l.other_kind.label(),
            phase: l.other_phase.map(PhaseView::of),
        }
    }
}

#[derive(Debug, Serialize)]
struct ItemPageView<'a> {
    item: ItemView<'a>,
    /// The history as an SVG chart; none without events.
    chart: Option<String>,
    events: Vec<NumberedEvent>,
    /// Milestones still ahead (or under way), soonest first.
    next: Vec<MilestoneView>,
    /// Milestones whose date has passed: scheduled points, not events.
    passed: Vec<MilestoneView>,
    /// Whether the chart draws milestones (the legend explains them).
    has_milestones: bool,
    links: Vec<LinkLine<'a>>,
    subscribe: SubscribeBox,
    legend: Vec<super::chart::LegendEntry>,
}

/// The history chart: one numbered marker per event, and a flag per
/// milestone.
fn chart(detail: &ItemDetail, milestones: &[MilestoneRow], today: NaiveDate) -> Option<String> {
    let kind = detail.item.kind();
    let markers: Vec<Marker> = detail
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| Marker {
            number: i + 1,
            date: e.date(),
            phase: e.phase(),
            retracted: e.retracted,
            description: format!(
                "{}. {}: {}{}",
                i + 1,
                e.date().human(),
                Status::label_of(kind, &e.status),
                if e.retracted { " (retracted)" } else { "" }
            ),
        })
        .collect();
    let flags: Vec<Flag> = milestones
        .iter()
        .map(|m| Flag {
            date: m.date(),
            description: format!("Scheduled: {}, {}", m.kind.label(), m.date().human()),
        })
        .collect();
    svg::timeline(
        &markers,
        &flags,
        today,
        &format!("Timeline of {}", detail.item.title),
    )
}

/// `GET /items/{slug}`.
pub async fn item_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    user: MaybeUser,
    session: Session,
    part: PagePart,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("item", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let slug = path.into_inner();
    let not_found = || AppError::not_found(format!("No item has the address /items/{slug}."));
    // Anything that is not a valid slug cannot name an item.
    let lookup = Slug::try_from(slug.as_str())
        .map_err(|_| not_found())?
        .to_string();
    let (detail, milestones) = state
        .db(move |conn| {
            let Some(detail) = items::detail(conn, &lookup)? else {
                return Ok(None);
            };
            let milestones = milestones::for_item(conn, detail.item.id)?;
            Ok(Some((detail, milestones)))
        })
        .await?
        .ok_or_else(not_found)?;
    let today = state.now().date();
    let (next, passed): (Vec<_>, Vec<_>) = milestones
        .iter()
        .map(|m| MilestoneView::of(m, today))
        .partition(|m| !m.passed);
    let item = &detail.item;
    let kind = item.kind();
    let view = ItemPageView {
        item: ItemView {
            slug: &item.slug,
            title: &item.title,
            short_title: item.short_title.as_deref(),
            original_title: item.original_title.as_deref(),
            kind_label: kind.label(),
            jurisdiction: &item.jurisdiction,
            summary: &item.summary,
            status_summary: item.status_summary.as_deref(),
            status_label: item.status_label(),
            phase: item.phase().map(PhaseView::of),
            identifiers: &detail.identifiers,
            parties: &detail.parties,
            tags: &detail.tags,
            version: item.version,
        },
        chart: chart(&detail, &milestones, today),
        events: detail
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| NumberedEvent {
                number: i + 1,
                event: EventView::of(e, kind),
            })
            .collect(),
        has_milestones: !milestones.is_empty(),
        next,
        passed,
        links: detail.links.iter().map(LinkLine::of).collect(),
        subscribe: super::subscriptions::subscribe_box_for_item(
            &item.slug,
            kind,
            &item.jurisdiction,
            &detail.tags,
        ),
        legend: super::chart::phase_legend(),
    };
    let title = item.short_title.as_deref().unwrap_or(&item.title);
    let layout =
        Layout::new(title, user.0.as_ref(), &session).feed(FeedLink::item(&item.slug, title));
    part.respond(Page::new(layout, view), "item")
}

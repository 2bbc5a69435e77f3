//! `/chart`: the items of the current filter as swimlanes on one time axis
//! (50 items a page, in the item table's order), with a legend and the
//! same content as a table for screen readers and for reading closely.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use super::auth::MaybeUser;
use super::cache::PagePart;
use super::error::AppError;
use super::milestone_view::MilestoneView;
use super::reading::{EventView, FilterForm, Pagination, PhaseView};
use super::shapes;
use super::swimlanes::{self, Lane, LaneEvent, LaneFlag};
use super::view::{Layout, Page, Tab};
use super::AppState;
use crate::domain::{Countdown, EventDate, ItemId, Phase, RawQuery};
use crate::store::activity;
use crate::store::events::EventRow;
use crate::store::items::ItemRow;
use crate::store::milestones::MilestoneRow;
use crate::store::timeline;

/// A legend entry: a phase's shape and name.
#[derive(Debug, Serialize)]
pub struct LegendEntry {
    /// A small inline SVG of the marker (decorative; the label says it).
    pub icon: String,
    pub label: &'static str,
}

/// Every phase's shape beside its name.
pub fn phase_legend() -> Vec<LegendEntry> {
    Phase::ALL
        .into_iter()
        .map(|p| LegendEntry {
            icon: shapes::legend_icon(Some(p)),
            label: p.label(),
        })
        .collect()
}

/// Every phase's shape, and a development's.
pub fn legend() -> Vec<LegendEntry> {
    phase_legend()
        .into_iter()
        .chain([LegendEntry {
            icon: shapes::legend_icon(None),
            label: "Development (status unchanged)",
        }])
        .collect()
}

/// One item's row of the table under the chart.
#[derive(Debug, Serialize)]
struct ItemLine {
    slug: String,
    title: String,
    kind_label: &'static str,
    jurisdiction: String,
    phase: Option<PhaseView>,
    events: Vec<EventView>,
    milestones: Vec<MilestoneView>,
}

#[derive(Debug, Serialize)]
struct ChartView {
    filter: FilterForm,
    action: &'static str,
    chart: Option<String>,
    legend: Vec<LegendEntry>,
    items: Vec<ItemLine>,
    empty: bool,
    pagination: Pagination,
    /// The first and last item numbers of this page.
    first: i64,
    last: i64,
}

/// Whether a date's period overlaps the filter's range.
fn in_range(date: EventDate, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    from.is_none_or(|f| date.end() >= f) && to.is_none_or(|t| date.start() <= t)
}

/// `GET /chart`.
pub async fn chart_page(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
    user: MaybeUser,
    session: Session,
    part: PagePart,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("chart", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let sort = raw.sort()?;
    let page = raw.page()?;
    let (from, to) = (filter.from, filter.to);
    let today = state.now().date();
    let (items, events, milestones, facets) = state
        .db(move |conn| {
            let items = timeline::items(conn, &filter, sort, page)?;
            let ids: Vec<ItemId> = items.rows.iter().map(|i| i.id).collect();
            Ok((
                items,
                activity::events_of(conn, &ids)?,
                activity::milestones_of(conn, &ids)?,
                timeline::facets(conn)?,
            ))
        })
        .await?;
    let mut events_by: HashMap<ItemId, Vec<&EventRow>> = HashMap::new();
    for e in events.iter().filter(|e| in_range(e.date(), from, to)) {
        events_by.entry(e.item_id).or_default().push(e);
    }
    let mut flags_by: HashMap<ItemId, Vec<&MilestoneRow>> = HashMap::new();
    for m in milestones
        .iter()
        .filter(|m| Countdown::of(&m.date(), today).is_ahead() && in_range(m.date(), from, to))
    {
        flags_by.entry(m.item_id).or_default().push(m);
    }
    let lanes: Vec<Lane> = items
        .rows
        .iter()
        .map(|item| {
            lane(
                item,
                events_by.get(&item.id).map_or(&[], Vec::as_slice),
                flags_by.get(&item.id).map_or(&[], Vec::as_slice),
            )
        })
        .collect();
    let lines: Vec<ItemLine> = items
        .rows
        .iter()
        .map(|item| ItemLine {
            slug: item.slug.clone(),
            title: item.title.clone(),
            kind_label: item.kind.label(),
            jurisdiction: item.jurisdiction.clone(),
            phase: item.phase().map(PhaseView::of),
            events: events_by
                .get(&item.id)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|e| EventView::of(e, item.kind))
                .collect(),
            milestones: flags_by
                .get(&item.id)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|m| MilestoneView::of(m, today))
                .collect(),
        })
        .collect();
    let offset = (items.page - 1) * items.per_page;
    let view = ChartView {
        filter: FilterForm::new(&raw, &facets),
        action: "/chart",
        chart: swimlanes::chart(
            &lanes,
            today,
            &format!(
                "Status events of items {} to {} on one time axis",
                offset + 1,
                offset + lines.len() as i64
            ),
        ),
        legend: legend(),
        empty: lines.is_empty(),
        first: offset + 1,
        last: offset + lines.len() as i64,
        items: lines,
        pagination: Pagination::new("/chart", &raw, items.page, items.has_next),
    };
    let layout = Layout::new("Chart", user.0.as_ref(), &session).tab(Tab::Chart);
    part.respond(Page::new(layout, view), "chart")
}

fn lane(item: &ItemRow, events: &[&EventRow], flags: &[&MilestoneRow]) -> Lane {
    let href = format!("/items/{}", item.slug);
    Lane {
        title: item
            .short_title
            .clone()
            .unwrap_or_else(|| item.title.clone()),
        events: events
            .iter()
            .map(|e| LaneEvent {
                date: e.date(),
                phase: e.phase(),
                href: format!("{href}#event-{}", e.id),
                description: format!(
                    "{}: {} ({})",
                    e.date().human(),
                    crate::domain::Status::label_of(item.kind, &e.status),
                    e.phase().map_or("development", Phase::label)
                ),
            })
            .collect(),
        flags: flags
            .iter()
            .map(|m| LaneFlag {
                date: m.date(),
                href: format!("{href}#milestone-{}", m.id),
                description: format!("Scheduled: {}, {}", m.kind.label(), m.date().human()),
            })
            .collect(),
        href,
    }
}

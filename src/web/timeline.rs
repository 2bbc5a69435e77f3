//! `/`: the timeline, the newest status events across all items, grouped
//! by month (or, for a date known only to its year, by year).

use actix_session::Session;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Serialize;

use super::auth::MaybeUser;
use super::cache::PagePart;
use super::error::AppError;
use super::feeds::FeedLink;
use super::reading::{EventView, FilterForm, Pagination};
use super::subscriptions::SubscribeBox;
use super::upcoming::{entries, UpcomingEntry, COMING_UP};
use super::view::{Layout, Page, Tab};
use super::AppState;
use crate::domain::{DatePrecision, EventDate, RawQuery};
use crate::store::search::Found;
use crate::store::timeline::{self, ItemBrief};
use crate::store::upcoming;

/// The item an event on the timeline belongs to.
#[derive(Debug, Serialize)]
pub(super) struct ItemView {
    slug: String,
    title: String,
    short_title: Option<String>,
    kind_label: &'static str,
    jurisdiction: String,
}

#[derive(Debug, Serialize)]
struct TimelineEvent {
    #[serde(flatten)]
    event: EventView,
    item: ItemView,
    /// The event's date is known only to a period that reaches beyond the
    /// filtered range.
    beyond_range: bool,
}

/// Consecutive events of one month (or one year).
#[derive(Debug, Serialize)]
struct Group {
    key: String,
    label: String,
    events: Vec<TimelineEvent>,
}

#[derive(Debug, Serialize)]
struct TimelineView {
    filter: FilterForm,
    action: &'static str,
    groups: Vec<Group>,
    empty: bool,
    pagination: Pagination,
    subscribe: SubscribeBox,
    /// The next few milestones matching the same filters.
    coming_up: Vec<UpcomingEntry>,
}

/// The group an event's date falls in: its key and heading.
pub(super) fn group_of(date: EventDate) -> (String, String) {
    match date.precision() {
        DatePrecision::Year => (
            date.iso(),
            format!("{} (month not known)", date.start().year()),
        ),
        _ => {
            let month = EventDate::from_parts(date.start(), DatePrecision::Month);
            (month.iso(), month.human())
        }
    }
}

/// `GET /`.
pub async fn timeline_page(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
    user: MaybeUser,
    session: Session,
    part: PagePart,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("timeline", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let (from, to) = (filter.from, filter.to);
    let page = raw.page()?;
    let today = state.now().date();
    let (rows, facets, coming_up) = state
        .db(move |conn| {
            // A search is read from the index once, for both the timeline
            // and the "Coming up" box.
            let mut found = Found::default();
            Ok((
                timeline::timeline_found(conn, &filter, page, &mut found)?,
                timeline::facets(conn)?,
                upcoming::upcoming_found(conn, &filter, today, COMING_UP, &mut found)?,
            ))
        })
        .await?;

    let empty = rows.rows.is_empty();
    let mut groups: Vec<Group> = Vec::new();
    for (event, item) in &rows.rows {
        let date = event.date();
        let (key, label) = group_of(date);
        if groups.last().is_none_or(|g| g.key != key) {
            groups.push(Group {
                key,
                label,
                events: Vec::new(),
            });
        }
        let entry = TimelineEvent {
            event: EventView::of(event, item.kind),
            item: item_view(item),
            // An imprecise date is in when its period overlaps the range;
            // say when that period reaches beyond it.
            beyond_range: from.is_some_and(|from| date.start() < from)
                || to.is_some_and(|to| date.end() > to),
        };
        if let Some(group) = groups.last_mut() {
            group.events.push(entry);
        }
    }
    let view = TimelineView {
        filter: FilterForm::new(&raw, &facets),
        action: "/",
        groups,
        empty,
        pagination: Pagination::new("/", &raw, rows.page, rows.has_next),
        subscribe: super::subscriptions::subscribe_box_for_filter(&raw),
        coming_up: entries(&coming_up, today),
    };
    let layout = Layout::new("Timeline", user.0.as_ref(), &session)
        .tab(Tab::Timeline)
        .feed(FeedLink::timeline(&raw));
    part.respond(Page::new(layout, view), "timeline")
}

pub(super) fn item_view(item: &ItemBrief) -> ItemView {
    ItemView {
        slug: item.slug.clone(),
        title: item.title.clone(),
        short_title: item.short_title.clone(),
        kind_label: item.kind.label(),
        jurisdiction: item.jurisdiction.clone(),
    }
}

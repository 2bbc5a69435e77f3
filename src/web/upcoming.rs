//! `/upcoming`: milestones from today on, grouped by month, with the
//! timeline's filters and how many days are left; and the "Coming up" box
//! that `/` shows.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use super::auth::MaybeUser;
use super::cache::PagePart;
use super::error::AppError;
use super::milestone_view::MilestoneView;
use super::reading::FilterForm;
use super::subscriptions::SubscribeBox;
use super::timeline::{group_of, item_view, ItemView};
use super::view::{Layout, Page, Tab};
use super::AppState;
use crate::domain::RawQuery;
use crate::store::milestones::MilestoneRow;
use crate::store::timeline::{self, ItemBrief};
use crate::store::upcoming;

/// Most milestones `/upcoming` lists.
const UPCOMING_LIMIT: usize = 200;
/// How many the "Coming up" box on `/` shows.
pub const COMING_UP: usize = 5;

/// A milestone with the item it belongs to.
#[derive(Debug, Serialize)]
pub struct UpcomingEntry {
    #[serde(flatten)]
    milestone: MilestoneView,
    item: ItemView,
}

pub fn entries(rows: &[(MilestoneRow, ItemBrief)], today: NaiveDate) -> Vec<UpcomingEntry> {
    rows.iter()
        .map(|(m, item)| UpcomingEntry {
            milestone: MilestoneView::of(m, today),
            item: item_view(item),
        })
        .collect()
}

/// The milestones of one month (or of a year, for dates known only to it).
#[derive(Debug, Serialize)]
struct Group {
    key: String,
    label: String,
    milestones: Vec<UpcomingEntry>,
}

#[derive(Debug, Serialize)]
struct UpcomingView {
    filter: FilterForm,
    action: &'static str,
    groups: Vec<Group>,
    empty: bool,
    /// The calendar of the same milestones, filtered alike.
    calendar_url: String,
    subscribe: SubscribeBox,
}

/// `GET /upcoming`.
pub async fn upcoming_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<RawQuery>,
    user: MaybeUser,
    session: Session,
    part: PagePart,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("upcoming", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let today = state.now().date();
    let (rows, facets) = state
        .db(move |conn| {
            Ok((
                upcoming::upcoming(conn, &filter, today, UPCOMING_LIMIT)?,
                timeline::facets(conn)?,
            ))
        })
        .await?;
    let mut groups: Vec<Group> = Vec::new();
    for ((m, _), entry) in rows.iter().zip(entries(&rows, today)) {
        let (key, label) = group_of(m.date());
        if groups.last().is_none_or(|g| g.key != key) {
            groups.push(Group {
                key,
                label,
                milestones: Vec::new(),
            });
        }
        if let Some(group) = groups.last_mut() {
            group.milestones.push(entry);
        }
    }
    let calendar_url = match req.query_string() {
        "" => "/calendar.ics".to_owned(),
        q => format!("/calendar.ics?{q}"),
    };
    let view = UpcomingView {
        filter: FilterForm::new(&raw, &facets),
        action: "/upcoming",
        empty: groups.is_empty(),
        groups,
        calendar_url,
        subscribe: super::subscriptions::subscribe_box_for_filter(&raw),
    };
    let layout = Layout::new("Upcoming", user.0.as_ref(), &session).tab(Tab::Upcoming);
    part.respond(Page::new(layout, view), "upcoming")
}

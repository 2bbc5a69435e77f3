//! iCalendar feeds of milestones that calendar apps subscribe to:
//! `/calendar.ics` (every item's, narrowed by the timeline's filters in the
//! query string) and `/items/{slug}/calendar.ics` (one item's). Removed
//! milestones stay in them as cancelled events, so subscribers drop them.

use actix_web::{web, HttpResponse};

use super::cache::SameForEveryone;
use super::error::AppError;
use super::form_page::load_item;
use super::AppState;
use crate::calendar::{self, milestone_uid, CalendarEntry, CONTENT_TYPE};
use crate::domain::{Filter, RawQuery};
use crate::store::milestones::MilestoneRow;
use crate::store::timeline::ItemBrief;
use crate::store::upcoming;

/// The UIDs' host: the site's, from its base URL.
fn host(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "regwatch.invalid".to_owned())
}

fn entry(m: &MilestoneRow, item: &ItemBrief, base_url: &str, host: &str) -> CalendarEntry {
    let name = item.short_title.as_deref().unwrap_or(&item.title);
    let mut description = m.note.clone();
    if !description.is_empty() {
        description.push('\n');
    }
    description.push_str(&format!(
        "Source: {} ({} confidence)",
        m.source_url,
        m.confidence.as_str()
    ));
    CalendarEntry {
        uid: milestone_uid(m.id.into(), host),
        sequence: u32::try_from(m.sequence).unwrap_or(0),
        summary: format!("{}: {name}", m.kind.label()),
        description,
        date: m.date(),
        url: format!("{base_url}/items/{}", item.slug),
        cancelled: m.cancelled,
        last_modified: m.updated_at.and_utc(),
    }
}

fn respond(state: &AppState, name: &str, rows: &[(MilestoneRow, ItemBrief)]) -> HttpResponse {
    let base_url = state.settings.base_url.trim_end_matches('/');
    let host = host(base_url);
    let entries: Vec<CalendarEntry> = rows
        .iter()
        .map(|(m, item)| entry(m, item, base_url, &host))
        .collect();
    SameForEveryone::mark(
        HttpResponse::Ok()
            .content_type(CONTENT_TYPE)
            .body(calendar::render(name, &entries)),
    )
}

/// `GET /calendar.ics`.
pub async fn all_milestones(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.into_inner().filter()?;
    let rows = state
        .db(move |conn| upcoming::for_calendar(conn, &filter, None))
        .await?;
    Ok(respond(&state, "regwatch milestones", &rows))
}

/// `GET /items/{slug}/calendar.ics`.
pub async fn item_milestones(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let id = item.id;
    let rows = state
        .db(move |conn| upcoming::for_calendar(conn, &Filter::default(), Some(id)))
        .await?;
    let name = item.short_title.as_deref().unwrap_or(&item.title);
    Ok(respond(&state, &format!("{name}: milestones"), &rows))
}

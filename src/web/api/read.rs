//! The API's reading operations: the item list (the `/items` table's
//! filters and sort), one item, the timeline, and the change cursor.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, Problem};
use super::views::{
    ChangeJson, ChangeListJson, EventListJson, ItemJson, ItemListJson, ItemSummaryJson,
    TimelineEventJson,
};
use crate::domain::{ChangeId, RawQuery, Slug};
use crate::store::{changes, items, timeline};
use crate::web::AppState;

/// The filters and sort of `/items` and `/`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Free text: every word matches as a prefix.
    q: Option<String>,
    /// `US`, `CN`, `EU`…
    jurisdiction: Option<String>,
    /// `bill`, `regulation`, `executive-action`, `deal`, `product`, `other`.
    kind: Option<String>,
    tag: Option<String>,
    /// `proposed`, `pending`, `in-force`, `stalled`, `ended`.
    phase: Option<String>,
    /// A year, month or day: events whose period overlaps the range.
    from: Option<String>,
    to: Option<String>,
    /// Items only: `title`, `kind`, `jurisdiction`, `status`, `phase`,
    /// `last-event`.
    sort: Option<String>,
    /// Items only: `asc` or `desc`.
    dir: Option<String>,
    /// The page a `next` link names.
    page: Option<String>,
}

impl From<ListParams> for RawQuery {
    fn from(p: ListParams) -> Self {
        RawQuery {
            q: p.q,
            jurisdiction: p.jurisdiction,
            kind: p.kind,
            tag: p.tag,
            phase: p.phase,
            from: p.from,
            to: p.to,
            sort: p.sort,
            dir: p.dir,
            page: p.page,
        }
    }
}

fn next_link(path: &str, raw: &RawQuery, page: i64, has_next: bool) -> Option<String> {
    has_next.then(|| format!("{path}{}", raw.with_page(page + 1)))
}

/// The items, filtered and sorted as `/items` does, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/items",
    tag = "read",
    params(ListParams),
    responses(
        (status = 200, description = "A page of items", body = ItemListJson),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_items(
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let raw = RawQuery::from(query.into_inner());
    let (filter, sort, page) = (raw.filter()?, raw.sort()?, raw.page()?);
    let rows = state
        .db(move |conn| timeline::items(conn, &filter, sort, page))
        .await?;
    Ok(HttpResponse::Ok().json(ItemListJson {
        items: rows.rows.iter().map(ItemSummaryJson::of).collect(),
        next: next_link("/api/v1/items", &raw, rows.page, rows.has_next),
    }))
}

/// The slug of a path, or a 404.
pub fn slug_of(path: &str) -> Result<Slug, ApiError> {
    Slug::try_from(path).map_err(|_| not_found(path))
}

pub fn not_found(slug: &str) -> ApiError {
    ApiError::NotFound(format!("No item has the slug \"{slug}\"."))
}

/// One item with its identifiers, parties, tags, events, milestones and links.
#[utoipa::path(
    get,
    path = "/api/v1/items/{slug}",
    tag = "read",
    params(("slug" = String, Path, description = "The item's slug")),
    responses(
        (status = 200, description = "The item", body = ItemJson),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug_of(&path)?;
    let item = item_json(&state, slug.as_str().to_owned())
        .await?
        .ok_or_else(|| not_found(&path))?;
    Ok(HttpResponse::Ok().json(item))
}

/// The timeline: standing status events, newest first, filtered as `/`.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "read",
    params(ListParams),
    responses(
        (status = 200, description = "A page of events", body = EventListJson),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_events(
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let raw = RawQuery::from(query.into_inner());
    let (filter, page) = (raw.filter()?, raw.page()?);
    let rows = state
        .db(move |conn| timeline::timeline(conn, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(EventListJson {
        events: rows.rows.iter().map(TimelineEventJson::of).collect(),
        next: next_link("/api/v1/events", &raw, rows.page, rows.has_next),
    }))
}

/// Most changes one request returns.
pub const MAX_CHANGES: i64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// The `cursor` of the last change read; omit to start from the first.
    after: Option<String>,
    /// How many changes at most (1 to 200; default 100).
    limit: Option<String>,
}

/// Every change after a cursor, oldest first. Polling with the returned
/// `cursor` sees each change exactly once, even while others write: a
/// change becomes visible only after every change before it.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "read",
    params(ChangesParams),
    responses(
        (status = 200, description = "The changes after the cursor", body = ChangeListJson),
        (status = 400, description = "The cursor or limit is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_changes(
    state: web::Data<AppState>,
    query: web::Query<ChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let after = match query.after.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(a) => a.parse::<i32>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::BadRequest("after: a cursor is one a change list returned.".to_owned())
        })?,
    };
    let limit = match query.limit.as_deref().map(str::trim) {
        None | Some("") => 100,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_CHANGES).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!("limit: a number from 1 to {MAX_CHANGES}."))
            })?,
    };
    let rows = state
        .db(move |conn| changes::since_with_slugs(conn, ChangeId(after), limit))
        .await?;
    let changes = rows.iter().map(ChangeJson::of).collect();
    let cursor = rows
        .last()
        .map_or(after, |(change, _)| change.id.into())
        .to_string();
    Ok(HttpResponse::Ok().json(ChangeListJson {
        next: format!("/api/v1/changes?after={cursor}&limit={limit}"),
        changes,
        cursor,
    }))
}

/// An item as the API shows it: the detail and its standing milestones.
pub(super) async fn item_json(
    state: &AppState,
    slug: String,
) -> Result<Option<ItemJson>, ApiError> {
    Ok(state
        .db(move |conn| {
            let Some(detail) = items::detail(conn, &slug)? else {
                return Ok(None);
            };
            let ahead = crate::store::milestones::for_item(conn, detail.item.id)?;
            Ok(Some(ItemJson::of(&detail, &ahead)))
        })
        .await?)
}

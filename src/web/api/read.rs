//! The API's reading operations: the item list (the `/items` table's
//! filters and sort), one item, the timeline, and the change cursor.

use actix_web::{web, HttpResponse};

use crate::web::cache::SameForEveryone;
use serde::Deserialize;
use utoipa::IntoParams;

use super::paging::{self, Listing};
use super::problem::{ApiError, Problem};
use super::views::{
    ChangeJson, ChangeListJson, EventListJson, ItemJson, ItemListJson, ItemSummaryJson,
    TimelineEventJson,
};
use crate::domain::{ChangeId, EventKey, ItemKey, RawQuery, Slug};
use crate::store::{changes, items, keyset, timeline};
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
    /// Where the previous page ended: the `cursor` of its `next` link,
    /// passed unchanged with the same filters and sort. Omit for the
    /// first page.
    cursor: Option<String>,
    /// Rows per page: 1 to 200 (default 50).
    limit: Option<String>,
}

impl ListParams {
    /// The filters and sort, the `cursor` as given, and the `limit`
    /// (refused unless 1 to 200).
    fn paged(self) -> Result<(RawQuery, Option<String>, i64), ApiError> {
        let limit = paging::limit(self.limit.as_deref())?;
        let cursor = self.cursor.clone();
        Ok((RawQuery::from(self), cursor, limit))
    }
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
            page: None,
        }
    }
}

/// The items, filtered and sorted as `/items` does, a page at a time:
/// follow `next`, which carries a cursor to the last row read, so rows
/// added, edited or removed meanwhile never make a page skip or repeat
/// rows that stayed in place.
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
    let (raw, cursor, limit) = query.into_inner().paged()?;
    let (filter, sort) = (raw.filter()?, raw.sort()?);
    let listing = Listing::new("/api/v1/items", raw, Some(sort), limit);
    let after: Option<ItemKey> = listing.after(cursor.as_deref())?;
    if after.as_ref().is_some_and(|k| !k.fits(sort.column)) {
        return Err(paging::misfit());
    }
    let (rows, more) = state
        .db(move |conn| keyset::items_after(conn, &filter, sort, after.as_ref(), limit))
        .await?
        .ok_or_else(paging::misfit)?;
    Ok(SameForEveryone::mark(HttpResponse::Ok().json(
        ItemListJson {
            items: rows.iter().map(ItemSummaryJson::of).collect(),
            next: listing.next(rows.last().map(|r| keyset::key_of(r, sort)), more),
        },
    )))
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
    Ok(SameForEveryone::mark(HttpResponse::Ok().json(item)))
}

/// The timeline: standing status events, newest first, filtered as `/`,
/// a page at a time: follow `next` (a cursor to the last event read).
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
    let (raw, cursor, limit) = query.into_inner().paged()?;
    let filter = raw.filter()?;
    let listing = Listing::new("/api/v1/events", raw, None, limit);
    let after: Option<EventKey> = listing.after(cursor.as_deref())?;
    let (rows, more) = state
        .db(move |conn| timeline::timeline_after(conn, &filter, after, limit))
        .await?;
    let last = rows.last().map(|(event, _)| EventKey {
        date: event.event_date,
        id: event.id,
    });
    Ok(SameForEveryone::mark(HttpResponse::Ok().json(
        EventListJson {
            events: rows.iter().map(TimelineEventJson::of).collect(),
            next: listing.next(last, more),
        },
    )))
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
    let limit = paging::count(query.limit.as_deref(), 100, MAX_CHANGES)
        .ok_or_else(|| ApiError::BadRequest(format!("limit: a number from 1 to {MAX_CHANGES}.")))?;
    let rows = state
        .db(move |conn| changes::since_with_slugs(conn, ChangeId(after), limit))
        .await?;
    let changes = rows.iter().map(ChangeJson::of).collect();
    let cursor = rows
        .last()
        .map_or(after, |(change, _)| change.id.into())
        .to_string();
    Ok(SameForEveryone::mark(HttpResponse::Ok().json(
        ChangeListJson {
            next: format!("/api/v1/changes?after={cursor}&limit={limit}"),
            changes,
            cursor,
        },
    )))
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

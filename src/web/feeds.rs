//! Atom feeds of changes: `/feed.atom` follows the timeline and takes the
//! same filters as `/` (a filtered view's feed is its URL with
//! `/feed.atom`), `/items/{slug}/feed.atom` follows one item. Each entry is
//! one change, told as the alert emails tell it.

use actix_web::{web, HttpResponse};

use super::cache::SameForEveryone;
use super::error::AppError;
use super::form_page::load_item;
use super::AppState;
use crate::domain::RawQuery;
use crate::feed::{self, FeedEntry, FeedHead};
use crate::mail::change_text;
use crate::store::change_feed::{self, FeedChange, FeedScope};

/// Where a page's feed is, for the layout's autodiscovery link and the
/// visible one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedLink {
    pub href: String,
    pub title: String,
}

impl FeedLink {
    /// The timeline feed with the filters of `raw`.
    pub fn timeline(raw: &RawQuery) -> Self {
        let query = raw.filter_only();
        FeedLink {
            href: format!("/feed.atom{query}"),
            title: if query.is_empty() {
                "Changes to every item".to_owned()
            } else {
                "Changes to the items of this view".to_owned()
            },
        }
    }

    pub fn item(slug: &str, name: &str) -> Self {
        FeedLink {
            href: format!("/items/{slug}/feed.atom"),
            title: format!("Changes to {name}"),
        }
    }
}

/// `GET /feed.atom`: changes to the items the filters give.
pub async fn timeline_feed(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
) -> Result<HttpResponse, AppError> {
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let changes = state
        .db(move |conn| change_feed::newest(conn, FeedScope::Filter(&filter)))
        .await?;
    let query = raw.filter_only();
    let base = &state.settings.base_url;
    let (name, title) = if query.is_empty() {
        ("all".to_owned(), "regwatch: every change".to_owned())
    } else {
        (
            format!("timeline{query}"),
            format!("regwatch: changes to the items of {query}"),
        )
    };
    let head = FeedHead {
        id: feed::feed_tag(&authority(base), &name),
        title,
        self_url: format!("{base}/feed.atom{query}"),
        alternate_url: format!("{base}/{query}"),
        author: "regwatch".to_owned(),
        updated_if_empty: state.now().and_utc(),
    };
    respond(&state, &head, &changes)
}

/// `GET /items/{slug}/feed.atom`: changes to one item.
pub async fn item_feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let id = item.id;
    let changes = state
        .db(move |conn| change_feed::newest(conn, FeedScope::Item(id)))
        .await?;
    let base = &state.settings.base_url;
    let name = item.short_title.as_deref().unwrap_or(&item.title);
    let head = FeedHead {
        id: feed::feed_tag(&authority(base), &format!("item/{}", item.slug)),
        title: format!("regwatch: {name}"),
        self_url: format!("{base}/items/{}/feed.atom", item.slug),
        alternate_url: format!("{base}/items/{}", item.slug),
        author: "regwatch".to_owned(),
        updated_if_empty: item.created_at.and_utc(),
    };
    respond(&state, &head, &changes)
}

fn respond(
    state: &AppState,
    head: &FeedHead,
    changes: &[FeedChange],
) -> Result<HttpResponse, AppError> {
    let base = &state.settings.base_url;
    let authority = authority(base);
    let entries = changes
        .iter()
        .map(|c| entry(&authority, base, c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SameForEveryone::mark(
        HttpResponse::Ok()
            .content_type(feed::CONTENT_TYPE)
            .body(feed::render(head, &entries)),
    ))
}

fn entry(authority: &str, base: &str, c: &FeedChange) -> Result<FeedEntry, AppError> {
    let told = change_text(&c.change)
        .map_err(|e| AppError::Internal(format!("change {}: {e}", c.change.id)))?;
    let name = c.item.short_title.as_deref().unwrap_or(&c.item.title);
    Ok(FeedEntry {
        id: feed::change_tag(authority, c.change.id),
        title: format!("{name}: {}", told.headline),
        updated: c.change.created_at.and_utc(),
        link: format!("{base}/items/{}", c.item.slug),
        summary: told.summary,
        content: told.text,
        author: c.author.clone(),
    })
}

/// The tag URIs' authority: the public address's host.
fn authority(base_url: &str) -> String {
    url::Url::parse(base_url)
        .map(|u| feed::tag_authority(&u))
        .unwrap_or_else(|_| "localhost".to_owned())
}

//! `/items`: every item as a table, sorted by any of its columns.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::MaybeUser;
use super::cache::PagePart;
use super::error::AppError;
use super::feeds::FeedLink;
use super::reading::{FilterForm, Pagination, PhaseView};
use super::subscriptions::SubscribeBox;
use super::view::{Layout, Page, Tab};
use super::AppState;
use crate::domain::{RawQuery, Sort, SortColumn};
use crate::store::items::ItemRow;
use crate::store::timeline;

/// A column heading: a link that sorts by it.
#[derive(Debug, Serialize)]
struct Column {
    label: &'static str,
    href: String,
    active: bool,
    aria_sort: &'static str,
    arrow: &'static str,
}

impl Column {
    fn new(column: SortColumn, sort: Sort, raw: &RawQuery) -> Self {
        let active = sort.column == column;
        // Clicking the active column flips it; another starts at its default.
        let descending = if active {
            !sort.descending
        } else {
            column.default_descending()
        };
        let (aria_sort, arrow) = match (active, sort.descending) {
            (false, _) => ("none", ""),
            (true, true) => ("descending", "▼"),
            (true, false) => ("ascending", "▲"),
        };
        Column {
            label: match column {
                SortColumn::Title => "Title",
                SortColumn::Kind => "Kind",
                SortColumn::Jurisdiction => "Jurisdiction",
                SortColumn::Status => "Current status",
                SortColumn::Phase => "Phase",
                SortColumn::LastEvent => "Last event",
            },
            href: raw.with_sort(column, descending),
            active,
            aria_sort,
            arrow,
        }
    }
}

/// A date at its precision.
#[derive(Debug, Serialize)]
struct DateView {
    iso: String,
    human: String,
}

/// One row of the table.
#[derive(Debug, Serialize)]
struct ItemLine<'a> {
    slug: &'a str,
    title: &'a str,
    short_title: Option<&'a str>,
    kind_label: &'static str,
    jurisdiction: &'a str,
    status_label: Option<String>,
    phase: Option<PhaseView>,
    last_event: Option<DateView>,
}

impl<'a> ItemLine<'a> {
    fn of(item: &'a ItemRow) -> Self {
        ItemLine {
            slug: &item.slug,
            title: &item.title,
            short_title: item.short_title.as_deref(),
            kind_label: item.kind().label(),
            jurisdiction: &item.jurisdiction,
            status_label: item.status_label(),
            phase: item.phase().map(PhaseView::of),
            last_event: item.last_event().map(|d| DateView {
                iso: d.iso(),
                human: d.human(),
            }),
        }
    }
}

#[derive(Debug, Serialize)]
struct ItemTableView<'a> {
    filter: FilterForm,
    action: &'static str,
    columns: Vec<Column>,
    items: Vec<ItemLine<'a>>,
    empty: bool,
    pagination: Pagination,
    subscribe: SubscribeBox,
    downloads: Downloads,
}

/// The export of the table's items, with its filters.
#[derive(Debug, Serialize)]
struct Downloads {
    csv: String,
    json: String,
}

/// `GET /items`.
pub async fn items_page(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
    user: MaybeUser,
    session: Session,
    part: PagePart,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("items", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let page = raw.page()?;
    let sort = raw.sort()?;
    let (rows, facets) = state
        .db(move |conn| {
            Ok((
                timeline::items(conn, &filter, sort, page)?,
                timeline::facets(conn)?,
            ))
        })
        .await?;
    let view = ItemTableView {
        filter: FilterForm::new(&raw, &facets),
        action: "/items",
        columns: SortColumn::ALL
            .into_iter()
            .map(|c| Column::new(c, sort, &raw))
            .collect(),
        items: rows.rows.iter().map(ItemLine::of).collect(),
        empty: rows.rows.is_empty(),
        pagination: Pagination::new("/items", &raw, rows.page, rows.has_next),
        subscribe: super::subscriptions::subscribe_box_for_filter(&raw),
        downloads: Downloads {
            csv: format!("/items.csv{}", raw.filter_only()),
            json: format!("/items.json{}", raw.filter_only()),
        },
    };
    let layout = Layout::new("Items", user.0.as_ref(), &session)
        .tab(Tab::Items)
        .feed(FeedLink::timeline(&raw));
    part.respond(Page::new(layout, view), "items")
}

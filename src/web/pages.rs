//! Handlers of the reading side: timeline, item table, item page.

use actix_session::Session;
use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde_json::{json, Value};

use super::auth::{with_chrome, MaybeUser};
use super::error::AppError;
use super::filters::RawQuery;
use super::svg::{self, Marker};
use super::AppState;
use crate::domain::{Confidence, EventDate, Kind, Phase, Slug, Status};
use crate::store::events::EventRow;
use crate::store::items::{self, Facets, ItemRow};
use crate::store::timeline::{self, ItemBrief, SortColumn};
use crate::templates;

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(body)
}

fn kind_label(kind: &str) -> &'static str {
    kind.parse::<Kind>().unwrap_or(Kind::Other).label()
}

fn phase_json(phase: Option<Phase>) -> Value {
    match phase {
        Some(p) => json!({"value": p.as_str(), "label": p.label()}),
        None => Value::Null,
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_owned())
        })
        .unwrap_or_else(|| url.to_owned())
}

fn event_json(e: &EventRow, kind: Kind) -> Value {
    let date = e.date();
    let confidence = e.confidence();
    json!({
        "id": e.id,
        "date_iso": date.iso(),
        "date_human": date.human(),
        "precision": date.precision().as_str(),
        "approximate": date.precision() != crate::domain::DatePrecision::Day,
        "status": e.status,
        "status_label": Status::label_of(kind, &e.status),
        "moves_status": e.moves_status,
        "phase": phase_json(e.phase()),
        "note": e.note,
        "source_url": e.source_url,
        "source_host": host_of(&e.source_url),
        "confidence": confidence.as_str(),
        "confidence_label": confidence.description(),
        "low_confidence": confidence == Confidence::Low,
        "retracted": e.retracted,
        "retraction_note": e.retraction_note,
    })
}

/// The filter form's current values and menus.
fn filter_form(raw: &RawQuery, facets: &Facets) -> Value {
    let selected = |v: &Option<String>, opt: &str| v.as_deref().map(str::trim) == Some(opt);
    json!({
        "q": raw.q,
        "from": raw.from,
        "to": raw.to,
        "sort": raw.sort,
        "dir": raw.dir,
        "kinds": Kind::ALL.iter().map(|k| json!({
            "value": k.as_str(), "label": k.label(), "selected": selected(&raw.kind, k.as_str())
        })).collect::<Vec<_>>(),
        "phases": Phase::ALL.iter().map(|p| json!({
            "value": p.as_str(), "label": p.label(), "selected": selected(&raw.phase, p.as_str())
        })).collect::<Vec<_>>(),
        "jurisdictions": facets.jurisdictions.iter().map(|j| json!({
            "value": j, "selected": selected(&raw.jurisdiction, j)
        })).collect::<Vec<_>>(),
        "tags": facets.tags.iter().map(|t| json!({
            "value": t, "selected": selected(&raw.tag, t)
        })).collect::<Vec<_>>(),
        "active": !raw.filter_only().is_empty(),
    })
}

fn pagination(path: &str, raw: &RawQuery, page: i64, has_next: bool) -> Value {
    json!({
        "page": page,
        "prev": (page > 1).then(|| format!("{path}{}", raw.with_page(page - 1))),
        "next": has_next.then(|| format!("{path}{}", raw.with_page(page + 1))),
        "shown": page > 1 || has_next,
    })
}

fn brief_json(item: &ItemBrief) -> Value {
    json!({
        "slug": item.slug,
        "title": item.title,
        "short_title": item.short_title,
        "kind": item.kind,
        "kind_label": kind_label(&item.kind),
        "jurisdiction": item.jurisdiction,
    })
}

/// `/`: the newest status events across all items, grouped by month.
pub async fn timeline_page(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
    user: MaybeUser,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let (from, to) = (filter.from, filter.to);
    let page = raw.page()?;
    let (rows, facets) = state
        .db(move |conn| {
            Ok((
                timeline::timeline(conn, &filter, page)?,
                items::facets(conn)?,
            ))
        })
        .await?;

    // Consecutive events of one month (or, at year precision, one year)
    // form a group.
    let mut groups: Vec<Value> = Vec::new();
    let mut current_key = String::new();
    for (event, item) in &rows.rows {
        let date = event.date();
        let (key, label) = match date.precision() {
            crate::domain::DatePrecision::Year => (
                date.iso(),
                format!("{} (month not known)", date.start().year()),
            ),
            _ => {
                let month =
                    EventDate::from_parts(date.start(), crate::domain::DatePrecision::Month);
                (month.iso(), month.human())
            }
        };
        if key != current_key {
            groups.push(json!({"key": key, "label": label, "events": []}));
            current_key = key;
        }
        let mut entry = event_json(event, item.kind.parse().unwrap_or(Kind::Other));
        entry["item"] = brief_json(item);
        // An imprecise date is in when its period overlaps the range; say
        // when that period reaches beyond it.
        entry["beyond_range"] = json!(
            from.is_some_and(|from| date.start() < from) || to.is_some_and(|to| date.end() > to)
        );
        if let Some(Value::Array(events)) = groups.last_mut().and_then(|g| g.get_mut("events")) {
            events.push(entry);
        }
    }
    let context = json!({
        "title": "Timeline",
        "nav_timeline": true,
        "filter": filter_form(&raw, &facets),
        "action": "/",
        "groups": groups,
        "empty": rows.rows.is_empty(),
        "pagination": pagination("/", &raw, rows.page, rows.has_next),
        "subscribe": super::subscriptions::subscribe_box_for_filter(&raw),
    });
    Ok(html(templates::render(
        "timeline",
        &with_chrome(context, &user.0, &session),
    )?))
}

fn item_row_json(item: &ItemRow) -> Value {
    json!({
        "slug": item.slug,
        "title": item.title,
        "short_title": item.short_title,
        "kind_label": item.kind().label(),
        "jurisdiction": item.jurisdiction,
        "status_label": item.status_label(),
        "phase": phase_json(item.phase()),
        "last_event": item.last_event().map(|d| json!({"iso": d.iso(), "human": d.human()})),
    })
}

/// `/items`: every item as a sortable table.
pub async fn items_page(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
    user: MaybeUser,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let raw = query.into_inner();
    let filter = raw.filter()?;
    let page = raw.page()?;
    let sort = raw.sort()?;
    let (rows, facets) = state
        .db(move |conn| {
            Ok((
                timeline::items(conn, &filter, sort, page)?,
                items::facets(conn)?,
            ))
        })
        .await?;

    let columns: Vec<Value> = SortColumn::ALL
        .iter()
        .map(|&c| {
            let active = sort.column == c;
            // Clicking the active column flips it; another starts at its default.
            let descending = if active { !sort.descending } else { c.default_descending() };
            json!({
                "label": match c {
                    SortColumn::Title => "Title",
                    SortColumn::Kind => "Kind",
                    SortColumn::Jurisdiction => "Jurisdiction",
                    SortColumn::Status => "Current status",
                    SortColumn::Phase => "Phase",
                    SortColumn::LastEvent => "Last event",
                },
                "href": raw.with_sort(c, descending),
                "active": active,
                "aria_sort": if !active { "none" } else if sort.descending { "descending" } else { "ascending" },
                "arrow": if !active { "" } else if sort.descending { "▼" } else { "▲" },
            })
        })
        .collect();
    let context = json!({
        "title": "Items",
        "nav_items": true,
        "filter": filter_form(&raw, &facets),
        "action": "/items",
        "columns": columns,
        "items": rows.rows.iter().map(item_row_json).collect::<Vec<_>>(),
        "empty": rows.rows.is_empty(),
        "pagination": pagination("/items", &raw, rows.page, rows.has_next),
        "subscribe": super::subscriptions::subscribe_box_for_filter(&raw),
    });
    Ok(html(templates::render(
        "items",
        &with_chrome(context, &user.0, &session),
    )?))
}

/// `/items/{slug}`: one item with its whole history.
pub async fn item_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    user: MaybeUser,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let not_found = || AppError::not_found(format!("No item has the address /items/{slug}."));
    // Anything that is not a valid slug cannot name an item.
    let lookup = Slug::try_from(slug.as_str())
        .map_err(|_| not_found())?
        .to_string();
    let detail = state
        .db(move |conn| items::detail(conn, &lookup))
        .await?
        .ok_or_else(not_found)?;
    let item = &detail.item;
    let kind = item.kind();

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
    let chart = svg::timeline(&markers, &format!("Timeline of {}", item.title));
    let events: Vec<Value> = detail
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut v = event_json(e, kind);
            v["number"] = json!(i + 1);
            v
        })
        .collect();
    let links: Vec<Value> = detail
        .links
        .iter()
        .map(|l| {
            json!({
                "outgoing": l.outgoing,
                "relation": l.relation,
                "slug": l.other_slug,
                "title": l.other_title,
                "short_title": l.other_short_title,
                "kind_label": kind_label(&l.other_kind),
                "phase": phase_json(l.other_phase.as_deref().and_then(|p| p.parse().ok())),
                "id": l.id,
            })
        })
        .collect();
    let context = json!({
        "title": item.short_title.as_deref().unwrap_or(&item.title),
        "item": {
            "slug": item.slug,
            "title": item.title,
            "short_title": item.short_title,
            "original_title": item.original_title,
            "kind": item.kind,
            "kind_label": kind.label(),
            "jurisdiction": item.jurisdiction,
            "summary": item.summary,
            "status_summary": item.status_summary,
            "status_label": item.status_label(),
            "phase": phase_json(item.phase()),
            "identifiers": detail.identifiers,
            "parties": detail.parties,
            "tags": detail.tags,
            "version": item.version,
        },
        "chart": chart,
        "events": events,
        "links": links,
        "subscribe": super::subscriptions::subscribe_box_for_item(&item.slug, kind, &item.jurisdiction, &detail.tags),
        "legend": Phase::ALL.iter().map(|p| json!({"value": p.as_str(), "label": p.label()})).collect::<Vec<_>>(),
    });
    Ok(html(templates::render(
        "item",
        &with_chrome(context, &user.0, &session),
    )?))
}

pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .db(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1").map_err(Into::into)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body("ok"))
}

pub async fn static_file(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let (body, content_type) =
        templates::asset(&name).ok_or_else(|| AppError::not_found("No such file."))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body))
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found("There is no page at this address."))
}

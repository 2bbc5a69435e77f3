//! `/overview`: activity at a glance. Status events per month over the last
//! 24 months (today from the application's clock), by jurisdiction and by
//! phase, as small multiples with the same numbers in tables; the items
//! that moved most recently; the milestones coming up. Every number links
//! to the timeline filtered to the events it counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_session::Session;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::auth::MaybeUser;
use super::bars::{self, Bar};
use super::cache::PagePart;
use super::error::AppError;
use super::reading::PhaseView;
use super::upcoming::{entries, UpcomingEntry};
use super::view::{Layout, Page, Tab};
use super::AppState;
use crate::domain::ChangeId;
use crate::domain::{DatePrecision, EventDate, Filter, Phase, RawQuery, Sort};
use crate::store::activity::{self, MonthCount, Monthly};
use crate::store::{changes, timeline, upcoming};

/// Months the overview covers, this one included.
const MONTHS: u32 = 24;
/// Most jurisdictions drawn; the rest are listed with their totals.
const MAX_JURISDICTIONS: usize = 12;
/// Items listed as moved most recently, and milestones as coming up.
const RECENT: usize = 10;
const JURISDICTION_COLOUR: &str = "#0b57d0";

/// A number and the timeline that lists what it counts.
#[derive(Debug, Serialize)]
struct Cell {
    count: i64,
    href: String,
}

/// One jurisdiction's or phase's months.
#[derive(Debug, Serialize)]
struct Series {
    name: String,
    total: Cell,
    chart: String,
}

/// A row of a table: one month, a number per series.
#[derive(Debug, Serialize)]
struct MonthRow {
    iso: String,
    label: String,
    cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
struct Breakdown {
    series: Vec<Series>,
    rows: Vec<MonthRow>,
    empty: bool,
}

#[derive(Debug, Serialize)]
struct RecentItem {
    slug: String,
    title: String,
    short_title: Option<String>,
    kind_label: &'static str,
    jurisdiction: String,
    status_label: Option<String>,
    phase: Option<PhaseView>,
    last_event_iso: String,
    last_event_human: String,
}

#[derive(Debug, Serialize)]
struct OverviewView {
    first_iso: String,
    first_human: String,
    last_iso: String,
    last_human: String,
    by_jurisdiction: Breakdown,
    /// Jurisdictions beyond the ones drawn, with their totals.
    more_jurisdictions: Vec<Series>,
    by_phase: Breakdown,
    year_only: Vec<YearCount>,
    recent: Vec<RecentItem>,
    upcoming: Vec<UpcomingEntry>,
}

/// Events known only to their year.
#[derive(Debug, Serialize)]
struct YearCount {
    year: i32,
    count: i64,
    href: String,
}

/// The timeline filtered to a jurisdiction or phase and a range of months.
fn timeline_href(jurisdiction: Option<&str>, phase: Option<Phase>, from: &str, to: &str) -> String {
    let query = RawQuery {
        jurisdiction: jurisdiction.map(str::to_owned),
        phase: phase.map(|p| p.as_str().to_owned()),
        from: Some(from.to_owned()),
        to: Some(to.to_owned()),
        ..RawQuery::default()
    };
    format!("/{}", query.to_query_string())
}

fn month_iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn month_human(d: NaiveDate) -> String {
    EventDate::from_parts(d, DatePrecision::Month).human()
}

/// Series for each group (in the order given), one cell per month.
fn breakdown<G: Eq + std::hash::Hash + Clone>(
    months: &[NaiveDate],
    groups: &[(G, String)],
    counts: &[MonthCount<G>],
    colour: impl Fn(&G) -> &'static str,
    href: impl Fn(&G, &str, &str) -> String,
) -> Breakdown {
    let by: HashMap<(&str, &G), i64> = counts
        .iter()
        .map(|c| ((c.month.as_str(), &c.group), c.count))
        .collect();
    let (first, last) = match (months.first(), months.last()) {
        (Some(f), Some(l)) => (month_iso(*f), month_iso(*l)),
        _ => Default::default(),
    };
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0);
    let series = groups
        .iter()
        .map(|(group, name)| {
            let bars: Vec<Bar> = months
                .iter()
                .map(|m| {
                    let iso = month_iso(*m);
                    let count = by.get(&(iso.as_str(), group)).copied().unwrap_or(0);
                    Bar {
                        count,
                        label: format!("{name}, {}: {count} events", month_human(*m)),
                        href: href(group, &iso, &iso),
                    }
                })
                .collect();
            let total = bars.iter().map(|b| b.count).sum();
            let (first_label, last_label) = match (months.first(), months.last()) {
                (Some(f), Some(l)) => (month_human(*f), month_human(*l)),
                _ => Default::default(),
            };
            Series {
                name: name.clone(),
                total: Cell {
                    count: total,
                    href: href(group, &first, &last),
                },
                chart: bars::small_multiple(
                    &bars,
                    max,
                    colour(group),
                    &format!("{name}: events per month"),
                    &first_label,
                    &last_label,
                ),
            }
        })
        .collect();
    let rows = months
        .iter()
        .rev()
        .map(|m| {
            let iso = month_iso(*m);
            MonthRow {
                label: month_human(*m),
                cells: groups
                    .iter()
                    .map(|(g, _)| Cell {
                        count: by.get(&(iso.as_str(), g)).copied().unwrap_or(0),
                        href: href(g, &iso, &iso),
                    })
                    .collect(),
                iso,
            }
        })
        .collect();
    Breakdown {
        empty: counts.is_empty(),
        series,
        rows,
    }
}

/// A window's month counts and its counts of events known only to a year.
type Counts = Arc<(Monthly, Vec<(NaiveDate, i64)>)>;
/// The window and the newest change the counts were made after.
type CountsKey = (NaiveDate, NaiveDate, Option<ChangeId>);
type Counted = (CountsKey, Counts);

/// The last counts `/overview` made. Counting a window of a large database
/// takes a while, and every write records a change, so the counts are
/// reused until a newer change exists (or the window moves).
#[derive(Default)]
pub struct CountsCache(Mutex<Option<Counted>>);

impl CountsCache {
    fn get(&self, key: &(NaiveDate, NaiveDate, Option<ChangeId>)) -> Option<Counts> {
        let held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        held.as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| Arc::clone(v))
    }

    fn put(&self, counted: Counted) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(counted);
    }
}

/// The month and year counts of the window, from the cache when no change
/// was recorded since they were counted. The newest change is read first,
/// so counts that include a later change are only ever recounted, never
/// kept for too long.
fn counts(
    conn: &mut crate::db::DbConnection,
    cache: &CountsCache,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Counts, crate::db::DbError> {
    let key = (first, last, changes::latest_id(conn)?);
    if let Some(hit) = cache.get(&key) {
        return Ok(hit);
    }
    let year_start = first.with_month(1).unwrap_or(first);
    let fresh = Arc::new((
        activity::monthly(conn, first, last)?,
        activity::year_only(conn, year_start, last)?,
    ));
    cache.put((key, Arc::clone(&fresh)));
    Ok(fresh)
}

/// `GET /overview`.
pub async fn overview_page(
    state: web::Data<AppState>,
    user: MaybeUser,
    session: Session,
    part: PagePart,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = part.reuse("overview", user.0.as_ref(), &session)? {
        return Ok(page);
    }
    let today = state.now().date();
    let this_month = today.with_day(1).unwrap_or(today);
    let first = this_month
        .checked_sub_months(Months::new(MONTHS - 1))
        .unwrap_or(this_month);
    let last = EventDate::from_parts(today, DatePrecision::Month).end();
    let cache = Arc::clone(&state.overview);
    let (counted, recent, coming) = state
        .db(move |conn| {
            let all = Filter::default();
            Ok((
                counts(conn, &cache, first, last)?,
                timeline::items(conn, &all, Sort::default(), 1)?,
                upcoming::upcoming(conn, &all, today, RECENT)?,
            ))
        })
        .await?;
    let (monthly, year_only) = &*counted;
    let (jurisdictions, phases) = (&monthly.by_jurisdiction, &monthly.by_phase);
    let months: Vec<NaiveDate> = (0..MONTHS)
        .filter_map(|i| first.checked_add_months(Months::new(i)))
        .collect();

    // Jurisdictions by their total in the window, most active first.
    let mut totals: HashMap<&str, i64> = HashMap::new();
    for c in jurisdictions {
        *totals.entry(c.group.as_str()).or_default() += c.count;
    }
    let mut ranked: Vec<(String, String)> = totals
        .keys()
        .map(|j| (j.to_string(), j.to_string()))
        .collect();
    ranked.sort_by(|a, b| {
        totals[b.0.as_str()]
            .cmp(&totals[a.0.as_str()])
            .then(a.0.cmp(&b.0))
    });
    let rest = ranked.split_off(ranked.len().min(MAX_JURISDICTIONS));
    let jurisdiction_href =
        |j: &String, from: &str, to: &str| timeline_href(Some(j), None, from, to);
    let by_jurisdiction = breakdown(
        &months,
        &ranked,
        jurisdictions,
        |_| JURISDICTION_COLOUR,
        jurisdiction_href,
    );
    let (first_iso, last_iso) = (month_iso(first), month_iso(this_month));
    let more_jurisdictions = rest
        .iter()
        .map(|(j, _)| Series {
            name: j.clone(),
            total: Cell {
                count: totals[j.as_str()],
                href: jurisdiction_href(j, &first_iso, &last_iso),
            },
            chart: String::new(),
        })
        .collect();
    let phase_groups: Vec<(Phase, String)> = Phase::ALL
        .into_iter()
        .map(|p| (p, p.label().to_owned()))
        .collect();
    let by_phase = breakdown(
        &months,
        &phase_groups,
        phases,
        |p| p.colour(),
        |p, from, to| timeline_href(None, Some(*p), from, to),
    );
    let view = OverviewView {
        first_human: month_human(first),
        last_human: month_human(this_month),
        first_iso,
        last_iso,
        by_jurisdiction,
        more_jurisdictions,
        by_phase,
        year_only: year_only
            .iter()
            .map(|(d, count)| YearCount {
                year: d.year(),
                count: *count,
                href: timeline_href(None, None, &d.year().to_string(), &d.year().to_string()),
            })
            .collect(),
        recent: recent
            .rows
            .iter()
            .take(RECENT)
            .filter_map(|item| {
                let last = item.last_event()?;
                Some(RecentItem {
                    slug: item.slug.clone(),
                    title: item.title.clone(),
                    short_title: item.short_title.clone(),
                    kind_label: item.kind.label(),
                    jurisdiction: item.jurisdiction.clone(),
                    status_label: item.status_label(),
                    phase: item.phase().map(PhaseView::of),
                    last_event_iso: last.iso(),
                    last_event_human: last.human(),
                })
            })
            .collect(),
        upcoming: entries(&coming, today),
    };
    let layout = Layout::new("Overview", user.0.as_ref(), &session).tab(Tab::Overview);
    part.respond(Page::new(layout, view), "overview")
}

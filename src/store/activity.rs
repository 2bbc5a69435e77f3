//! Counts for `/overview`: standing status events per month in a date
//! window, by jurisdiction and by phase, aggregated in SQL over the event
//! date index; and the events and milestones of a page of items for
//! `/chart`.
//!
//! A month's count holds the events dated in that month (to the day or to
//! the month). Events known only to their year cannot be placed in a month;
//! they are counted per year instead ([`year_only`]).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::events::EventRow;
use super::milestones::MilestoneRow;
use super::{DbConnection, DbError};
use crate::db::Backend;
use crate::domain::{DatePrecision, ItemId, Phase};
use crate::schema::{milestones, status_events};

/// How many events of one group fell in one month (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCount<G> {
    pub month: String,
    pub group: G,
    pub count: i64,
}

/// The `YYYY-MM` of an event's date, in each backend's SQL.
fn month_of(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "substr(status_events.event_date, 1, 7)",
        Backend::Postgres => "to_char(status_events.event_date, 'YYYY-MM')",
    }
}

/// The month counts of a window, both ways.
#[derive(Debug, Default, Clone)]
pub struct Monthly {
    pub by_jurisdiction: Vec<MonthCount<String>>,
    /// Status changes only: developments have no phase.
    pub by_phase: Vec<MonthCount<Phase>>,
}

/// Standing events dated (to the day or month) between `first` and
/// `last`, counted per month by jurisdiction and by phase: one grouped
/// scan over `status_events_activity_idx` (the jurisdiction is the one
/// each event carries), split in two here.
pub fn monthly(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Monthly, DbError> {
    let month = month_of(conn.backend());
    let rows: Vec<(String, String, Option<Phase>, i64)> = status_events::table
        .filter(status_events::event_date.between(first, last))
        .filter(status_events::date_precision.ne(DatePrecision::Year.as_str()))
        .filter(status_events::retracted.eq(false))
        .group_by(sql::<Text>(&format!(
            "{month}, status_events.item_jurisdiction, status_events.phase"
        )))
        .select((
            sql::<Text>(month),
            sql::<Text>("status_events.item_jurisdiction"),
            sql::<Nullable<Text>>("status_events.phase"),
            count_star(),
        ))
        .load(conn)?;
    let mut jurisdictions: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut phases: BTreeMap<(String, Phase), i64> = BTreeMap::new();
    for (month, jurisdiction, phase, count) in rows {
        if let Some(p) = phase {
            *phases.entry((month.clone(), p)).or_default() += count;
        }
        *jurisdictions.entry((month, jurisdiction)).or_default() += count;
    }
    fn counts<G>(map: BTreeMap<(String, G), i64>) -> Vec<MonthCount<G>> {
        map.into_iter()
            .map(|((month, group), count)| MonthCount {
                month,
                group,
                count,
            })
            .collect()
    }
    Ok(Monthly {
        by_jurisdiction: counts(jurisdictions),
        by_phase: counts(phases),
    })
}

/// Standing events known only to their year, per year, for the years from
/// `first`'s to `last`'s. Such an event is stored on its year's first day,
/// so only those days are looked at.
pub fn year_only(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, DbError> {
    let new_years: Vec<NaiveDate> = (first.year()..=last.year())
        .filter_map(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        .collect();
    Ok(status_events::table
        .filter(status_events::event_date.eq_any(new_years))
        .filter(status_events::date_precision.eq(DatePrecision::Year.as_str()))
        .filter(status_events::retracted.eq(false))
        .group_by(status_events::event_date)
        .select((status_events::event_date, count_star()))
        .order(status_events::event_date)
        .load(conn)?)
}

/// The standing events of these items, oldest first.
pub fn events_of(conn: &mut DbConnection, ids: &[ItemId]) -> Result<Vec<EventRow>, DbError> {
    Ok(status_events::table
        .filter(status_events::item_id.eq_any(ids.to_vec()))
        .filter(status_events::retracted.eq(false))
        .order((
            status_events::item_id,
            status_events::event_date,
            status_events::id,
        ))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The standing milestones of these items, soonest first.
pub fn milestones_of(
    conn: &mut DbConnection,
    ids: &[ItemId],
) -> Result<Vec<MilestoneRow>, DbError> {
    Ok(milestones::table
        .filter(milestones::item_id.eq_any(ids.to_vec()))
        .filter(milestones::cancelled.eq(false))
        .order((milestones::milestone_date, milestones::id))
        .select(MilestoneRow::as_select())
        .load(conn)?)
}

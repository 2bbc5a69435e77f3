//! `/chart`'s drawing: one lane per item on a shared time axis, drawn on
//! the server as SVG so it works without JavaScript and prints.
//!
//! Each event is its phase's shape in its phase's colour (see
//! [`super::shapes`]); a date known only to its month or year also gets a
//! bar over that whole period, so no day is claimed that is not known. The
//! stretch from one status change to the next is shaded in the phase it
//! entered. Milestones ahead are hollow flags. Every marker links to its
//! entry on the item page.

use std::fmt::Write;

use chrono::{Datelike, Months, NaiveDate};

use super::shapes;
use super::svg::escape;
use crate::domain::{DatePrecision, EventDate, Phase};

/// One event on a lane.
pub struct LaneEvent {
    pub date: EventDate,
    pub phase: Option<Phase>,
    /// The item page's address with the event's anchor.
    pub href: String,
    /// Read by screen readers and shown as a tooltip.
    pub description: String,
}

/// A milestone ahead on a lane.
pub struct LaneFlag {
    pub date: EventDate,
    pub href: String,
    pub description: String,
}

/// One item's lane.
pub struct Lane {
    pub title: String,
    pub href: String,
    pub events: Vec<LaneEvent>,
    pub flags: Vec<LaneFlag>,
}

const WIDTH: f64 = 1000.0;
const LABEL_WIDTH: f64 = 230.0;
const RIGHT: f64 = 24.0;
const AXIS_HEIGHT: f64 = 40.0;
const LANE_HEIGHT: f64 = 30.0;
const FLAG_COLOUR: &str = "#7b1fa2";
/// Longest title drawn in full; longer ones are cut with an ellipsis (the
/// whole title is the link's tooltip and in the table below).
const TITLE_CHARS: usize = 28;

struct Scale {
    first: NaiveDate,
    last: NaiveDate,
}

impl Scale {
    fn x(&self, d: NaiveDate) -> f64 {
        let span = (self.last - self.first).num_days().max(1) as f64;
        let offset = (d.clamp(self.first, self.last) - self.first).num_days() as f64;
        LABEL_WIDTH + offset / span * (WIDTH - LABEL_WIDTH - RIGHT)
    }
}

/// The range the axis covers: every date drawn and today, padded to whole
/// months and a month before; `None` when there is nothing to draw.
fn range(lanes: &[Lane], today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let dates = lanes.iter().flat_map(|l| {
        l.events
            .iter()
            .map(|e| e.date)
            .chain(l.flags.iter().map(|f| f.date))
    });
    let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
    for d in dates {
        first = Some(first.map_or(d.start(), |f| f.min(d.start())));
        last = Some(last.map_or(d.end(), |l| l.max(d.end())));
    }
    // A month's margin before the first date keeps its marker clear of
    // the titles.
    let first = month_start(first?).checked_sub_months(Months::new(1))?;
    let last = month_start(last?.max(today)).checked_add_months(Months::new(1))?;
    Some((first, last))
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn short(title: &str) -> String {
    if title.chars().count() <= TITLE_CHARS {
        title.to_owned()
    } else {
        let cut: String = title.chars().take(TITLE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The chart, or `None` when no lane has anything to draw.
pub fn chart(lanes: &[Lane], today: NaiveDate, title: &str) -> Option<String> {
    let (first, last) = range(lanes, today)?;
    let scale = Scale { first, last };
    let height = AXIS_HEIGHT + lanes.len() as f64 * LANE_HEIGHT + 8.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="swimlanes" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" aria-labelledby="swimlanes-title" xmlns="http://www.w3.org/2000/svg"><title id="swimlanes-title">{}</title>"##,
        escape(title)
    );
    for (i, _) in lanes.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(
                svg,
                r##"<rect class="lane-stripe" fill="#f6f8fa" x="0" y="{:.1}" width="{WIDTH}" height="{LANE_HEIGHT}"/>"##,
                AXIS_HEIGHT + i as f64 * LANE_HEIGHT
            );
        }
    }
    ticks(&mut svg, &scale, height);
    for (i, lane) in lanes.iter().enumerate() {
        draw_lane(
            &mut svg,
            &scale,
            lane,
            AXIS_HEIGHT + i as f64 * LANE_HEIGHT,
            today,
        );
    }
    if (first..last).contains(&today) {
        let x = scale.x(today);
        let _ = write!(
            svg,
            r##"<g class="today"><line stroke="#0b57d0" stroke-dasharray="2 3" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{height:.1}"/><text fill="#0b57d0" font-size="11" x="{x:.1}" y="{:.1}" text-anchor="middle">today</text></g>"##,
            AXIS_HEIGHT,
            AXIS_HEIGHT - 1.0
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

fn draw_lane(svg: &mut String, scale: &Scale, lane: &Lane, top: f64, today: NaiveDate) {
    let mid = top + LANE_HEIGHT / 2.0;
    let _ = write!(
        svg,
        r##"<g class="lane"><a href="{}"><title>{}</title><text class="lane-title" fill="#0b57d0" font-size="13" x="8" y="{:.1}">{}</text></a>"##,
        escape(&lane.href),
        escape(&lane.title),
        mid + 4.0,
        escape(&short(&lane.title))
    );
    // Phase spans: from each status change to the next, or to today.
    let changes: Vec<(NaiveDate, Phase)> = lane
        .events
        .iter()
        .filter_map(|e| e.phase.map(|p| (e.date.start(), p)))
        .collect();
    for (k, (start, phase)) in changes.iter().enumerate() {
        let end = changes.get(k + 1).map_or(today, |(d, _)| *d);
        if end <= *start {
            continue;
        }
        let (x1, x2) = (scale.x(*start), scale.x(end));
        let _ = write!(
            svg,
            r##"<rect class="phase-span" x="{x1:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.16"/>"##,
            top + 5.0,
            (x2 - x1).max(0.0),
            LANE_HEIGHT - 10.0,
            phase.colour()
        );
    }
    for e in &lane.events {
        let x1 = scale.x(e.date.start());
        let x2 = scale.x(e.date.end());
        let colour = e.phase.map_or(shapes::DEVELOPMENT_COLOUR, Phase::colour);
        let _ = write!(
            svg,
            r##"<a class="event-marker" href="{}"><title>{}</title>"##,
            escape(&e.href),
            escape(&e.description)
        );
        if e.date.precision() != DatePrecision::Day {
            let _ = write!(
                svg,
                r##"<rect class="period" x="{x1:.1}" y="{:.1}" width="{:.1}" height="8" rx="4" fill="{colour}" fill-opacity="0.45" stroke="{colour}" stroke-width="1.5" stroke-dasharray="4 2"/>"##,
                mid - 4.0,
                (x2 - x1).max(4.0)
            );
        }
        svg.push_str(&shapes::marker(e.phase, (x1 + x2) / 2.0, mid, 6.0, "mark"));
        svg.push_str("</a>");
    }
    for f in &lane.flags {
        let x1 = scale.x(f.date.start());
        let x2 = scale.x(f.date.end());
        let _ = write!(
            svg,
            r##"<a class="milestone-flag" href="{}"><title>{}</title>"##,
            escape(&f.href),
            escape(&f.description)
        );
        if f.date.precision() != DatePrecision::Day {
            let _ = write!(
                svg,
                r##"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="6" rx="3" fill="none" stroke="{FLAG_COLOUR}" stroke-width="1.5" stroke-dasharray="3 2"/>"##,
                mid + 4.0,
                (x2 - x1).max(4.0)
            );
        }
        let _ = write!(
            svg,
            r##"<line x1="{x1:.1}" y1="{:.1}" x2="{x1:.1}" y2="{:.1}" stroke="{FLAG_COLOUR}" stroke-width="1.5" stroke-dasharray="3 2"/><path class="mark" d="M{x1:.1} {:.1} l11 4 l-11 4 z" fill="#fff" stroke="{FLAG_COLOUR}" stroke-width="1.5"/></a>"##,
            mid + 10.0,
            mid - 11.0,
            mid - 11.0
        );
    }
    svg.push_str("</g>");
}

/// Years labelled along the top with a rule down the chart, and months
/// ticked (and named, when the range is short enough).
fn ticks(svg: &mut String, scale: &Scale, height: f64) {
    let months = (scale.last.year() - scale.first.year()) * 12 + scale.last.month() as i32
        - scale.first.month() as i32;
    let name_months = months <= 18;
    let tick_months = months <= 60;
    let mut d = scale.first;
    while d < scale.last {
        let x = scale.x(d);
        if d.month() == 1 || d == scale.first {
            let _ = write!(
                svg,
                r##"<line class="grid-year" stroke="#8c959f" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{height:.1}"/><text class="axis-year" fill="#1f2328" font-size="13" font-weight="600" x="{:.1}" y="14">{}</text>"##,
                AXIS_HEIGHT - 22.0,
                x + 3.0,
                d.year()
            );
        } else if tick_months {
            let _ = write!(
                svg,
                r##"<line class="grid-month" stroke="#d0d7de" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{height:.1}"/>"##,
                AXIS_HEIGHT - 6.0
            );
        }
        if name_months {
            let _ = write!(
                svg,
                r##"<text class="axis-month" fill="#57606a" font-size="11" x="{:.1}" y="28">{}</text>"##,
                x + 3.0,
                MONTH_ABBR[d.month0() as usize]
            );
        }
        d = match d.checked_add_months(Months::new(1)) {
            Some(next) => next,
            None => break,
        };
    }
}

const MONTH_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

//! The item page's visual timeline, drawn on the server as inline SVG.
//!
//! A day-precision event is a marker in its phase's shape and colour; a month- or year-precision event is a bar
//! across the whole period it may fall in, so the drawing never claims a day
//! that is not known. Developments (events that do
//! not move the status) are hollow diamonds. Each marker carries the number
//! of its entry in the event list below the drawing.
//!
//! Milestones (what is scheduled, not what happened) are hollow flags on
//! dashed poles, a month or year one with a dashed hollow bar over its
//! period; the axis reaches them, into the future, with today marked.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use crate::domain::{DatePrecision, EventDate, Phase};

pub struct Marker {
    pub number: usize,
    pub date: EventDate,
    pub phase: Option<Phase>,
    pub retracted: bool,
    /// Read by screen readers and shown as a tooltip.
    pub description: String,
}

/// A milestone: a scheduled date, drawn as a hollow flag.
pub struct Flag {
    pub date: EventDate,
    /// Read by screen readers and shown as a tooltip.
    pub description: String,
}

const FLAG_COLOUR: &str = "#7b1fa2";

const WIDTH: f64 = 800.0;
const MARGIN: f64 = 28.0;
const LANE_HEIGHT: f64 = 20.0;
const LABEL_WIDTH: f64 = 22.0;
const DEVELOPMENT_COLOUR: &str = "#5f6368";

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

struct Scale {
    first: NaiveDate,
    days: f64,
}

impl Scale {
    fn x(&self, d: NaiveDate) -> f64 {
        let offset = (d - self.first).num_days() as f64;
        MARGIN + offset / self.days * (WIDTH - 2.0 * MARGIN)
    }
}

/// Draws the markers and flags, with today marked when the range reaches
/// it; `None` when there is nothing to draw.
pub fn timeline(
    markers: &[Marker],
    flags: &[Flag],
    today: NaiveDate,
    title: &str,
) -> Option<String> {
    let dates = || {
        markers
            .iter()
            .map(|m| m.date)
            .chain(flags.iter().map(|f| f.date))
    };
    let first = dates().map(|d| d.start()).min()?;
    let last = dates().map(|d| d.end()).max()?;
    // Pad the range so markers at the ends are not cut, and give a single
    // day some room on both sides.
    let span = (last - first).num_days().max(1);
    let pad = (span / 20).max(15);
    let scale = Scale {
        first: first - chrono::Duration::days(pad),
        days: (span + 2 * pad) as f64,
    };

    // Place each number label in the lowest lane where it does not overlap
    // the previous label of that lane.
    let mut order: Vec<&Marker> = markers.iter().collect();
    order.sort_by_key(|m| (m.date.start(), m.number));
    let mut lane_ends: Vec<f64> = Vec::new();
    let mut placed = Vec::with_capacity(order.len());
    for m in &order {
        let centre = (scale.x(m.date.start()) + scale.x(m.date.end())) / 2.0;
        let lane = lane_ends
            .iter()
            .position(|&end| centre - LABEL_WIDTH / 2.0 > end)
            .unwrap_or(lane_ends.len());
        if lane == lane_ends.len() {
            lane_ends.push(f64::MIN);
        }
        lane_ends[lane] = centre + LABEL_WIDTH / 2.0;
        placed.push((*m, centre, lane));
    }
    let lanes = lane_ends.len().max(1) as f64;
    let axis_y = 16.0 + lanes * LANE_HEIGHT + 12.0;
    let height = axis_y + 36.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="timeline-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="timeline-chart-title" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="timeline-chart-title">{}</title>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{MARGIN}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#9aa0a6" stroke-width="2"/>"##,
        WIDTH - MARGIN
    );
    ticks(&mut svg, &scale, axis_y);

    for (m, centre, lane) in placed {
        let colour = match (m.phase, m.retracted) {
            (_, true) => "#bdc1c6",
            (Some(p), false) => p.colour(),
            (None, false) => DEVELOPMENT_COLOUR,
        };
        let label_y = axis_y - 12.0 - (lane as f64 + 0.5) * LANE_HEIGHT;
        let _ = write!(
            svg,
            r#"<g class="marker"><title>{}</title>"#,
            escape(&m.description)
        );
        // Leader from the label down to the axis.
        let _ = write!(
            svg,
            r##"<line x1="{centre:.1}" y1="{:.1}" x2="{centre:.1}" y2="{:.1}" stroke="#dadce0" stroke-width="1"/>"##,
            label_y + 7.0,
            axis_y - 7.0
        );
        match (m.date.precision(), m.phase) {
            (DatePrecision::Day, Some(_)) if m.retracted => {
                let _ = write!(
                    svg,
                    r##"<circle cx="{centre:.1}" cy="{axis_y}" r="7" fill="{colour}" stroke="#fff" stroke-width="2"/>"##
                );
            }
            // The phase's shape as well as its colour.
            (DatePrecision::Day, phase @ Some(_)) => {
                svg.push_str(&super::shapes::marker(phase, centre, axis_y, 7.0, "mark"));
            }
            (DatePrecision::Day, None) => {
                let _ = write!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" transform="rotate(45 {centre:.1} {axis_y})" fill="#fff" stroke="{colour}" stroke-width="2.5"/>"##,
                    centre - 5.0,
                    axis_y - 5.0
                );
            }
            (_, phase) => {
                let x1 = scale.x(m.date.start());
                let x2 = scale.x(m.date.end()).max(x1 + 6.0);
                let fill = if phase.is_some() { colour } else { "#fff" };
                let _ = write!(
                    svg,
                    r##"<rect class="period" x="{x1:.1}" y="{:.1}" width="{:.1}" height="10" rx="5" fill="{fill}" fill-opacity="0.85" stroke="{colour}" stroke-width="2" stroke-dasharray="4 2"/>"##,
                    axis_y - 5.0,
                    x2 - x1
                );
            }
        }
        let _ = write!(
            svg,
            r##"<text x="{centre:.1}" y="{:.1}" text-anchor="middle" font-size="12" font-weight="600" fill="{colour}">{}</text></g>"##,
            label_y + 4.0,
            m.number
        );
    }
    if !flags.is_empty() && (first..=last).contains(&today) {
        let x = scale.x(today);
        let _ = write!(
            svg,
            r##"<g class="today"><line x1="{x:.1}" y1="8" x2="{x:.1}" y2="{axis_y}" stroke="#1a73e8" stroke-width="1" stroke-dasharray="2 3"/><text x="{x:.1}" y="8" font-size="11" fill="#1a73e8" text-anchor="middle">today</text></g>"##
        );
    }
    for f in flags {
        flag(&mut svg, &scale, f, axis_y);
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// A hollow flag on a dashed pole; a month or year gets a dashed hollow
/// bar over its period.
fn flag(svg: &mut String, scale: &Scale, f: &Flag, axis_y: f64) {
    let x1 = scale.x(f.date.start());
    let x2 = scale.x(f.date.end());
    let _ = write!(
        svg,
        r#"<g class="milestone-flag"><title>{}</title>"#,
        escape(&f.description)
    );
    if f.date.precision() != DatePrecision::Day {
        let _ = write!(
            svg,
            r##"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="8" rx="4" fill="none" stroke="{FLAG_COLOUR}" stroke-width="1.5" stroke-dasharray="3 2"/>"##,
            axis_y - 4.0,
            (x2 - x1).max(6.0)
        );
    }
    let top = axis_y - 30.0;
    let _ = write!(
        svg,
        r##"<line x1="{x1:.1}" y1="{axis_y}" x2="{x1:.1}" y2="{top}" stroke="{FLAG_COLOUR}" stroke-width="1.5" stroke-dasharray="3 2"/><path d="M{x1:.1} {top} l12 4 l-12 4 z" fill="#fff" stroke="{FLAG_COLOUR}" stroke-width="1.5"/></g>"##
    );
}

/// Year ticks, plus month ticks (labelled when the range is short) within
/// the drawn range.
fn ticks(svg: &mut String, scale: &Scale, axis_y: f64) {
    let end = scale.first + chrono::Duration::days(scale.days as i64);
    let months =
        (end.year() - scale.first.year()) * 12 + end.month() as i32 - scale.first.month() as i32;
    let show_months = months <= 36;
    let label_months = months <= 14;
    // First whole month inside the range.
    let mut d = NaiveDate::from_ymd_opt(scale.first.year(), scale.first.month(), 1)
        .and_then(|m| m.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(scale.first);
    let mut labelled_year = false;
    while d <= end {
        let x = scale.x(d);
        // The first month's year is named unless the next January's label
        // would run into it.
        let crowded = d.month() != 1
            && !labelled_year
            && !label_months
            && NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
                .is_some_and(|jan| jan <= end && scale.x(jan) - x < 44.0);
        if crowded {
            labelled_year = true;
        }
        if d.month() == 1 || !labelled_year {
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#5f6368" stroke-width="1.5"/><text x="{x:.1}" y="{:.1}" font-size="12" font-weight="600" fill="#3c4043" text-anchor="middle">{}</text>"##,
                axis_y - 6.0,
                axis_y + 10.0,
                axis_y + 26.0,
                if label_months && d.month() != 1 {
                    format!("{} {}", MONTH_ABBR[d.month0() as usize], d.year())
                } else {
                    d.year().to_string()
                }
            );
            labelled_year = true;
        } else if show_months {
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#9aa0a6" stroke-width="1"/>"##,
                axis_y - 3.0,
                axis_y + 4.0
            );
            if label_months {
                let _ = write!(
                    svg,
                    r##"<text x="{x:.1}" y="{:.1}" font-size="11" fill="#5f6368" text-anchor="middle">{}</text>"##,
                    axis_y + 20.0,
                    MONTH_ABBR[d.month0() as usize]
                );
            }
        }
        d = match d.checked_add_months(chrono::Months::new(1)) {
            Some(next) => next,
            None => break,
        };
    }
}

const MONTH_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(number: usize, date: &str, phase: Option<Phase>) -> Marker {
        Marker {
            number,
            date: date.parse().unwrap(),
            phase,
            retracted: false,
            description: format!("<{date}>"),
        }
    }

    #[test]
    fn month_precision_is_drawn_as_a_period_and_days_as_dots() {
        let svg = timeline(
            &[
                marker(1, "2023-04", Some(Phase::Proposed)),
                marker(2, "2023-07-10", Some(Phase::Pending)),
                marker(3, "2023-08-15", None),
            ],
            &[],
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            "Timeline",
        )
        .unwrap();
        assert_eq!(svg.matches("class=\"period\"").count(), 1);
        assert_eq!(svg.matches("class=\"mark\"").count(), 1, "one day marker");
        assert!(svg.contains("rotate(45"), "development drawn as a diamond");
        assert!(svg.contains("&lt;2023-04&gt;"), "descriptions are escaped");
        assert!(!svg.contains("<2023"));
    }

    #[test]
    fn nothing_to_draw_without_events() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(timeline(&[], &[], today, "Timeline").is_none());
    }

    #[test]
    fn milestones_are_hollow_flags_beyond_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let flags = [
            Flag {
                date: "2027-03".parse().unwrap(),
                description: "Deadline <March>".to_owned(),
            },
            Flag {
                date: "2027-01-03".parse().unwrap(),
                description: "End of session".to_owned(),
            },
        ];
        let svg = timeline(
            &[marker(1, "2025-02-13", Some(Phase::Proposed))],
            &flags,
            today,
            "Timeline",
        )
        .unwrap();
        assert_eq!(svg.matches("class=\"milestone-flag\"").count(), 2);
        assert_eq!(
            svg.matches("fill=\"none\"").count(),
            1,
            "the month's bar is hollow"
        );
        assert!(svg.contains("class=\"today\""));
        assert!(svg.contains("Deadline &lt;March&gt;"));
        // Flags alone still draw, and today outside the range is not marked.
        let later = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let alone = timeline(&[], &flags, later, "Timeline").unwrap();
        assert!(!alone.contains("class=\"today\""));
    }
}

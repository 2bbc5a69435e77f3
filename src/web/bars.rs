//! `/overview`'s small multiples: one bar per month, drawn on the server as
//! SVG. Every bar links to the timeline that holds its events, and carries
//! its number as its accessible name; the table beside each chart gives the
//! same numbers as text.

use std::fmt::Write;

use super::svg::escape;

/// One month's bar.
pub struct Bar {
    pub count: i64,
    pub href: String,
    /// "October 2025: 3 events" — the tooltip and accessible name.
    pub label: String,
}

const WIDTH: f64 = 264.0;
const HEIGHT: f64 = 72.0;
const BASE: f64 = 58.0;
const TOP: f64 = 6.0;

/// A small bar chart of `bars` (oldest first) in `colour`, scaled to `max`
/// so every chart of a set shares one scale; `first` and `last` label the
/// ends of the axis.
pub fn small_multiple(
    bars: &[Bar],
    max: i64,
    colour: &str,
    title: &str,
    first: &str,
    last: &str,
) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="bars" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="group" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line class="baseline" x1="0" y1="{BASE}" x2="{WIDTH}" y2="{BASE}" stroke="#8c959f"/>"##
    );
    let n = bars.len().max(1) as f64;
    let step = WIDTH / n;
    let scale = (BASE - TOP) / max.max(1) as f64;
    for (i, bar) in bars.iter().enumerate() {
        let x = i as f64 * step;
        let h = bar.count as f64 * scale;
        // A zero is a hairline, so the month is still there to point at.
        let h = if bar.count == 0 { 1.0 } else { h.max(2.0) };
        let _ = write!(
            svg,
            r#"<a href="{}" aria-label="{}"><title>{}</title><rect class="hit" x="{x:.1}" y="{TOP}" width="{step:.1}" height="{:.1}" fill="transparent"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"/></a>"#,
            escape(&bar.href),
            escape(&bar.label),
            escape(&bar.label),
            BASE - TOP,
            x + step * 0.15,
            BASE - h,
            step * 0.7
        );
    }
    let _ = write!(
        svg,
        r##"<text class="axis-month" x="0" y="{:.1}" font-size="10" fill="#57606a">{}</text><text class="axis-month" x="{WIDTH}" y="{:.1}" font-size="10" fill="#57606a" text-anchor="end">{}</text></svg>"##,
        HEIGHT - 2.0,
        escape(first),
        HEIGHT - 2.0,
        escape(last)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_the_scale_and_link_their_month() {
        let bars = [
            Bar {
                count: 0,
                href: "/?from=2025-01&to=2025-01".to_owned(),
                label: "January 2025: 0 events".to_owned(),
            },
            Bar {
                count: 4,
                href: "/?from=2025-02&to=2025-02&jurisdiction=US".to_owned(),
                label: "February 2025: 4 events".to_owned(),
            },
        ];
        let svg = small_multiple(&bars, 8, "#123456", "US", "Jan 2025", "Feb 2025");
        assert_eq!(svg.matches("<a ").count(), 2);
        assert!(svg.contains("&amp;jurisdiction=US"));
        // 4 of a shared maximum of 8 is half the plot's height.
        assert!(svg.contains(&format!(
            "height=\"{:.1}\" fill=\"#123456\"",
            (BASE - TOP) / 2.0
        )));
    }
}

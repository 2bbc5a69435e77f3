//! iCalendar (RFC 5545) feeds of milestones: turns plain calendar entries
//! into the `VCALENDAR` text that calendar apps subscribe to.
//!
//! Each entry becomes an all-day `VEVENT` spanning its date's period (a
//! day, a whole month or a whole year, with an exclusive `DTEND`); a month
//! or year date says so in the summary. Events are transparent, so a
//! month-long span never shows the reader as busy. Line folding at 75
//! octets, CRLF line ends and text escaping are the `icalendar` crate's.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

use crate::domain::{period_end_exclusive, period_unit, EventDate, SingleLine};

/// The `Content-Type` of a rendered calendar.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

const PRODUCT_ID: &str = "-//regwatch//milestones//EN";

/// One milestone as a calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// Stays the same across edits, or clients duplicate the event: see
    /// [`milestone_uid`].
    pub uid: String,
    /// Raised on every change, so clients replace their copy.
    pub sequence: u32,
    /// One line, e.g. "Statutory deadline: Treasury Outbound Investment
    /// Rule"; a month or year date's precision is added to it.
    pub summary: String,
    pub description: String,
    pub date: EventDate,
    /// The item's page.
    pub url: String,
    /// Sent as `STATUS:CANCELLED`, so subscribed calendars drop the event.
    pub cancelled: bool,
    /// Written as both `LAST-MODIFIED` and `DTSTAMP` (for a published
    /// calendar, RFC 5545 makes `DTSTAMP` the last revision time), which
    /// keeps the output the same until something changes.
    pub last_modified: DateTime<Utc>,
}

/// The UID of a milestone's event: its id at the site's host name, e.g.
/// `milestone-12@regwatch.example`. A changed host name changes every UID.
pub fn milestone_uid(milestone_id: i32, host: &str) -> String {
    format!("milestone-{milestone_id}@{host}")
}

/// Renders `entries`, in their order, as one calendar called `name`.
pub fn render(name: &str, entries: &[CalendarEntry]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODUCT_ID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .name(SingleLine::lossy(name).as_str());
    for entry in entries {
        calendar.push(event(entry));
    }
    calendar.to_string()
}

fn event(entry: &CalendarEntry) -> Event {
    Event::new()
        .uid(&entry.uid)
        .sequence(entry.sequence)
        .timestamp(entry.last_modified)
        .last_modified(entry.last_modified)
        .starts(entry.date.start())
        .ends(period_end_exclusive(&entry.date))
        .summary(&summary(entry))
        .description(&multi_line(&entry.description))
        .url(&entry.url)
        .status(if entry.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        })
        .add_property("TRANSP", "TRANSPARENT")
        .done()
}

/// The entry's summary on one line, with the precision of a month or year
/// date: "… (date known only to the month: March 2027)".
fn summary(entry: &CalendarEntry) -> String {
    let line = SingleLine::lossy(&entry.summary);
    match period_unit(entry.date.precision()) {
        None => line.into_string(),
        Some(unit) => format!(
            "{} (date known only to the {unit}: {})",
            line.as_str(),
            entry.date.human()
        ),
    }
}

/// Text with its line breaks as `\n` (which the crate escapes) and no other
/// control characters but tabs, which RFC 5545 text may not hold.
fn multi_line(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use ical::parser::ical::component::{IcalCalendar, IcalEvent};
    use ical::property::Property as Parsed;

    use super::*;

    fn entry(id: i32, date: &str) -> CalendarEntry {
        CalendarEntry {
            uid: milestone_uid(id, "regwatch.example"),
            sequence: 0,
            summary: "Statutory deadline: Treasury Outbound Investment Rule".to_owned(),
            description: "COINS Act implementing rules due.".to_owned(),
            date: date.parse().unwrap(),
            url: "https://regwatch.example/items/us-outbound-investment-rule".to_owned(),
            cancelled: false,
            last_modified: "2026-01-05T10:30:00Z".parse().unwrap(),
        }
    }

    /// Parses with an independent parser, checking the output is one
    /// calendar that it reads without error.
    fn parse(ics: &str) -> IcalCalendar {
        let mut calendars = ical::IcalParser::new(ics.as_bytes());
        let calendar = calendars.next().expect("a calendar").expect("it parses");
        assert!(calendars.next().is_none(), "exactly one calendar");
        calendar
    }

    fn property<'a>(properties: &'a [Parsed], name: &str) -> &'a Parsed {
        let mut found = properties.iter().filter(|p| p.name == name);
        let property = found.next().unwrap_or_else(|| panic!("no {name}"));
        assert!(found.next().is_none(), "one {name}");
        property
    }

    fn value<'a>(properties: &'a [Parsed], name: &str) -> &'a str {
        property(properties, name).value.as_deref().unwrap_or("")
    }

    /// Start and end as written, each checked to be an all-day `DATE`.
    fn all_day_span(event: &IcalEvent) -> (&str, &str) {
        for name in ["DTSTART", "DTEND"] {
            let params = property(&event.properties, name).params.clone();
            assert_eq!(
                params,
                Some(vec![("VALUE".to_owned(), vec!["DATE".to_owned()])]),
                "{name} is a date"
            );
        }
        (
            value(&event.properties, "DTSTART"),
            value(&event.properties, "DTEND"),
        )
    }

    #[test]
    fn a_calendar_names_itself_and_its_product() {
        let calendar = parse(&render("regwatch: milestones", &[entry(1, "2027-03-13")]));
        let p = &calendar.properties;
        assert_eq!(value(p, "VERSION"), "2.0");
        assert_eq!(value(p, "PRODID"), "-//regwatch//milestones//EN");
        assert_eq!(value(p, "CALSCALE"), "GREGORIAN");
        assert_eq!(value(p, "X-WR-CALNAME"), "regwatch: milestones");
        assert_eq!(calendar.events.len(), 1);
    }

    #[test]
    fn a_day_milestone_is_a_one_day_event_with_a_stable_uid_and_a_link() {
        let mut e = entry(12, "2027-03-13");
        e.sequence = 3;
        let calendar = parse(&render("regwatch", &[e]));
        let event = &calendar.events[0];
        let p = &event.properties;
        assert_eq!(value(p, "UID"), "milestone-12@regwatch.example");
        assert_eq!(value(p, "SEQUENCE"), "3");
        assert_eq!(all_day_span(event), ("20270313", "20270314"));
        assert_eq!(
            value(p, "SUMMARY"),
            "Statutory deadline: Treasury Outbound Investment Rule"
        );
        assert_eq!(
            value(p, "URL"),
            "https://regwatch.example/items/us-outbound-investment-rule"
        );
        assert_eq!(value(p, "STATUS"), "CONFIRMED");
        assert_eq!(value(p, "TRANSP"), "TRANSPARENT");
        assert_eq!(value(p, "DTSTAMP"), "20260105T103000Z");
        assert_eq!(value(p, "LAST-MODIFIED"), "20260105T103000Z");
    }

    #[test]
    fn a_month_or_year_milestone_spans_its_period_and_says_so() {
        let ics = render(
            "regwatch",
            &[entry(1, "2027-03"), entry(2, "2027"), entry(3, "2027-12")],
        );
        let calendar = parse(&ics);
        let [march, year, december] = &calendar.events[..] else {
            panic!("three events");
        };
        assert_eq!(all_day_span(march), ("20270301", "20270401"));
        assert!(
            value(&march.properties, "SUMMARY")
                .ends_with("Rule (date known only to the month: March 2027)"),
            "{}",
            value(&march.properties, "SUMMARY")
        );
        assert_eq!(all_day_span(year), ("20270101", "20280101"));
        assert!(value(&year.properties, "SUMMARY")
            .ends_with("Rule (date known only to the year: 2027)"));
        assert_eq!(all_day_span(december), ("20271201", "20280101"));
    }

    #[test]
    fn an_edit_keeps_the_uid_and_raises_the_sequence() {
        let before = entry(7, "2027-03-13");
        let mut after = entry(7, "2027-03-20");
        after.sequence = before.sequence + 1;
        after.last_modified = "2026-02-01T08:00:00Z".parse().unwrap();
        let old = parse(&render("regwatch", &[before]));
        let new = parse(&render("regwatch", &[after]));
        let (old, new) = (&old.events[0].properties, &new.events[0].properties);
        assert_eq!(value(old, "UID"), value(new, "UID"));
        assert_eq!(value(old, "SEQUENCE"), "0");
        assert_eq!(value(new, "SEQUENCE"), "1");
        assert_eq!(value(new, "DTSTART"), "20270320");
        assert_eq!(value(new, "DTSTAMP"), "20260201T080000Z");
    }

    #[test]
    fn a_cancelled_milestone_is_sent_as_cancelled() {
        let mut e = entry(4, "2027-03-13");
        e.cancelled = true;
        e.sequence = 2;
        let calendar = parse(&render("regwatch", &[e]));
        let p = &calendar.events[0].properties;
        assert_eq!(value(p, "STATUS"), "CANCELLED");
        assert_eq!(value(p, "UID"), "milestone-4@regwatch.example");
    }

    #[test]
    fn text_is_escaped_and_stray_control_characters_dropped() {
        let mut e = entry(1, "2027-03-13");
        e.summary = "Vote; the House, again\r\n\\ final".to_owned();
        e.description = "Computed: 2025-12-18 + 450 days;\r\nsource, law\u{7}\tfirm".to_owned();
        let ics = render("a\r\nname", &[e]);
        let calendar = parse(&ics);
        let p = &calendar.events[0].properties;
        // Values as written: RFC 5545 escapes `\ ; ,` and line breaks.
        assert_eq!(value(p, "SUMMARY"), r"Vote\; the House\, again \\ final");
        assert_eq!(
            value(p, "DESCRIPTION"),
            "Computed: 2025-12-18 + 450 days\\;\\nsource\\, law\tfirm"
        );
        assert_eq!(value(&calendar.properties, "X-WR-CALNAME"), "a name");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut e = entry(1, "2027-03-13");
        let title = "美国财政部对外投资规则：关于在受关注国家投资特定国家安全技术和产品的规定，实施细则截止日期";
        e.summary = title.repeat(3);
        e.description = "A note long enough to need folding more than once. ".repeat(6);
        let ics = render("regwatch", &[e.clone()]);

        let lines: Vec<&str> = ics.split("\r\n").collect();
        assert_eq!(lines.last(), Some(&""), "ends with CRLF");
        assert!(!ics.replace("\r\n", "").contains(['\r', '\n']), "only CRLF");
        for line in &lines {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        // Folded by octets, not characters: each line of the summary but
        // its last is full to within one three-octet character.
        let summary_at = lines
            .iter()
            .position(|l| l.starts_with("SUMMARY:"))
            .unwrap();
        let summary_lines: Vec<&str> = lines[summary_at..]
            .iter()
            .take_while(|l| l.starts_with("SUMMARY:") || l.starts_with(' '))
            .copied()
            .collect();
        assert!(summary_lines.len() >= 4, "{summary_lines:?}");
        for line in &summary_lines[..summary_lines.len() - 1] {
            assert!(line.len() >= 73, "{} octets: {line:?}", line.len());
        }

        let calendar = parse(&ics);
        assert_eq!(value(&calendar.events[0].properties, "SUMMARY"), e.summary);
        // A fold may follow a space, which RFC 5545 unfolding keeps (the
        // `ical` parser trims it, so the text is checked by the RFC's rule).
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains(&format!("\r\nDESCRIPTION:{}\r\n", e.description)),
            "{unfolded}"
        );
    }

    #[test]
    fn an_empty_calendar_is_still_a_calendar() {
        let calendar = parse(&render("regwatch", &[]));
        assert!(calendar.events.is_empty());
        assert_eq!(value(&calendar.properties, "VERSION"), "2.0");
    }
}

//! Milestones: what kind of dated point lies ahead of an item, and how far
//! off it is on a given day.
//!
//! A milestone's date is an [`EventDate`] at its precision; a month- or
//! year-precision milestone counts down to the first day of its period and
//! has passed only once the whole period is over. Whether a milestone has
//! passed is a matter of display: it never moves its item's status.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{text_column, DatePrecision, EventDate, InvalidValue};

/// What a milestone marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[derive(diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum MilestoneKind {
    /// A rule or law takes effect.
    Effective,
    /// Those it binds must comply from this date.
    Compliance,
    /// The last day to comment on a proposal.
    CommentDeadline,
    /// A date a statute sets for an action (e.g. implementing rules due).
    StatutoryDeadline,
    /// A legislative session ends; what is not enacted by then dies.
    SessionEnd,
    Hearing,
    Vote,
    /// Something lapses: a licence, a waiver, a sunset clause.
    Expiry,
}

impl MilestoneKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [MilestoneKind; 8] = [
        MilestoneKind::Effective,
        MilestoneKind::Compliance,
        MilestoneKind::CommentDeadline,
        MilestoneKind::StatutoryDeadline,
        MilestoneKind::SessionEnd,
        MilestoneKind::Hearing,
        MilestoneKind::Vote,
        MilestoneKind::Expiry,
    ];

    /// The stored and URL form, e.g. `comment-deadline`.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::Effective => "effective",
            MilestoneKind::Compliance => "compliance",
            MilestoneKind::CommentDeadline => "comment-deadline",
            MilestoneKind::StatutoryDeadline => "statutory-deadline",
            MilestoneKind::SessionEnd => "session-end",
            MilestoneKind::Hearing => "hearing",
            MilestoneKind::Vote => "vote",
            MilestoneKind::Expiry => "expiry",
        }
    }

    /// The reader form, e.g. `Comment deadline`.
    pub fn label(self) -> &'static str {
        match self {
            MilestoneKind::Effective => "Effective date",
            MilestoneKind::Compliance => "Compliance date",
            MilestoneKind::CommentDeadline => "Comment deadline",
            MilestoneKind::StatutoryDeadline => "Statutory deadline",
            MilestoneKind::SessionEnd => "End of session",
            MilestoneKind::Hearing => "Hearing",
            MilestoneKind::Vote => "Vote",
            MilestoneKind::Expiry => "Expiry",
        }
    }
}

impl fmt::Display for MilestoneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MilestoneKind {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MilestoneKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "unknown milestone kind \"{s}\"; expected one of: {}",
                    MilestoneKind::ALL.map(MilestoneKind::as_str).join(", ")
                ))
            })
    }
}

text_column!(MilestoneKind);

impl TryFrom<&str> for MilestoneKind {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// How far off a milestone is on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Countdown {
    /// Its day, or the first day of its period, is this many days ahead
    /// (0: today).
    DaysLeft(u32),
    /// Today lies inside its month or year, past the first day.
    Underway,
    /// Its day, or its whole period, is behind us.
    Passed,
}

impl Countdown {
    /// Where `date` stands on `today`.
    pub fn of(date: &EventDate, today: NaiveDate) -> Countdown {
        if date.end() < today {
            Countdown::Passed
        } else if date.start() < today {
            Countdown::Underway
        } else {
            let days = (date.start() - today).num_days();
            Countdown::DaysLeft(u32::try_from(days).unwrap_or(u32::MAX))
        }
    }

    /// Whether the milestone still belongs on `/upcoming`.
    pub fn is_ahead(self) -> bool {
        self != Countdown::Passed
    }

    /// A reader's phrase for the countdown, which says when a date is known
    /// only to its month or year: "in 7 days", "tomorrow", "March 2027
    /// begins in 7 days (the date is known only to the month)".
    pub fn phrase(self, date: &EventDate) -> String {
        let when = match self {
            Countdown::DaysLeft(0) => "today".to_owned(),
            Countdown::DaysLeft(1) => "tomorrow".to_owned(),
            Countdown::DaysLeft(n) => format!("in {n} days"),
            Countdown::Underway => "under way".to_owned(),
            Countdown::Passed => "passed".to_owned(),
        };
        let Some(unit) = period_unit(date.precision()) else {
            return when;
        };
        let what = match self {
            Countdown::DaysLeft(_) => format!("begins {when}"),
            Countdown::Underway => "is under way".to_owned(),
            Countdown::Passed => "has passed".to_owned(),
        };
        format!(
            "{} {what} (the date is known only to the {unit})",
            date.human()
        )
    }
}

/// The day after a date's period: the exclusive end an all-day calendar
/// event needs (a day → the next day, a month → the first of the next
/// month, a year → 1 January of the next year).
pub fn period_end_exclusive(date: &EventDate) -> NaiveDate {
    date.end()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// "month" or "year" for a date that is not known to the day.
pub fn period_unit(precision: DatePrecision) -> Option<&'static str> {
    match precision {
        DatePrecision::Day => None,
        DatePrecision::Month => Some("month"),
        DatePrecision::Year => Some("year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn date(s: &str) -> EventDate {
        s.parse().unwrap()
    }

    #[test]
    fn kinds_round_trip_through_their_names_and_serde() {
        for k in MilestoneKind::ALL {
            assert_eq!(k.as_str().parse::<MilestoneKind>().unwrap(), k);
            assert_eq!(k.to_string(), k.as_str());
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<MilestoneKind>(&json).unwrap(), k);
        }
        assert_eq!(MilestoneKind::ALL.len(), 8);
        assert_eq!(MilestoneKind::CommentDeadline.label(), "Comment deadline");
    }

    #[test]
    fn an_unknown_kind_is_refused_with_the_list_of_kinds() {
        for bad in ["", "deadline", "Comment deadline", "comment_deadline"] {
            let err = bad.parse::<MilestoneKind>().unwrap_err().to_string();
            assert!(err.contains("session-end"), "{err}");
        }
        assert!(serde_json::from_str::<MilestoneKind>("\"treaty\"").is_err());
    }

    #[test]
    fn a_day_counts_down_to_itself_and_passes_the_day_after() {
        let d = date("2027-03-13");
        assert_eq!(Countdown::of(&d, day("2027-03-06")), Countdown::DaysLeft(7));
        assert_eq!(Countdown::of(&d, day("2027-03-13")), Countdown::DaysLeft(0));
        assert_eq!(Countdown::of(&d, day("2027-03-14")), Countdown::Passed);
        assert!(!Countdown::Passed.is_ahead());
    }

    #[test]
    fn a_month_counts_down_to_its_first_day_and_passes_after_its_last() {
        let d = date("2027-03");
        assert_eq!(Countdown::of(&d, day("2027-02-22")), Countdown::DaysLeft(7));
        assert_eq!(Countdown::of(&d, day("2027-03-01")), Countdown::DaysLeft(0));
        assert_eq!(Countdown::of(&d, day("2027-03-31")), Countdown::Underway);
        assert!(Countdown::Underway.is_ahead());
        assert_eq!(Countdown::of(&d, day("2027-04-01")), Countdown::Passed);
    }

    #[test]
    fn a_year_is_under_way_all_year() {
        let d = date("2027");
        assert_eq!(Countdown::of(&d, day("2026-12-31")), Countdown::DaysLeft(1));
        assert_eq!(Countdown::of(&d, day("2027-12-31")), Countdown::Underway);
        assert_eq!(Countdown::of(&d, day("2028-01-01")), Countdown::Passed);
    }

    #[test]
    fn phrases_say_when_a_date_is_known_only_to_its_period() {
        let exact = date("2027-03-13");
        assert_eq!(Countdown::DaysLeft(7).phrase(&exact), "in 7 days");
        assert_eq!(Countdown::DaysLeft(1).phrase(&exact), "tomorrow");
        assert_eq!(Countdown::DaysLeft(0).phrase(&exact), "today");
        assert_eq!(Countdown::Passed.phrase(&exact), "passed");
        assert_eq!(
            Countdown::DaysLeft(7).phrase(&date("2027-03")),
            "March 2027 begins in 7 days (the date is known only to the month)"
        );
        assert_eq!(
            Countdown::DaysLeft(0).phrase(&date("2027")),
            "2027 begins today (the date is known only to the year)"
        );
        assert_eq!(
            Countdown::Underway.phrase(&date("2027-03")),
            "March 2027 is under way (the date is known only to the month)"
        );
    }

    #[test]
    fn the_exclusive_end_is_the_day_after_the_period() {
        for (d, end) in [
            ("2027-03-13", "2027-03-14"),
            ("2027-12-31", "2028-01-01"),
            ("2027-02", "2027-03-01"),
            ("2028-02", "2028-03-01"),
            ("2027-12", "2028-01-01"),
            ("2027", "2028-01-01"),
        ] {
            assert_eq!(period_end_exclusive(&date(d)), day(end), "{d}");
        }
    }
}

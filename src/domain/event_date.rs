use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{text_column, InvalidValue};

/// How much of a date is known.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    Day,
    Month,
    Year,
}

impl DatePrecision {
    pub const ALL: [DatePrecision; 3] = [
        DatePrecision::Day,
        DatePrecision::Month,
        DatePrecision::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
        }
    }
}

impl FromStr for DatePrecision {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatePrecision::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| InvalidValue::new("a date precision is day, month or year"))
    }
}

text_column!(DatePrecision);

/// A date known to a day, a month or a year.
///
/// Stored as the first day of its period plus the precision; written and
/// drawn only to its precision (a month-precision date never shows a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventDate {
    start: NaiveDate,
    precision: DatePrecision,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl EventDate {
    /// Rebuilds a stored date; the day (and month) below the precision are
    /// dropped so a stored value can never claim more than it knows.
    pub fn from_parts(date: NaiveDate, precision: DatePrecision) -> Self {
        let start = match precision {
            DatePrecision::Day => date,
            DatePrecision::Month => date.with_day(1).unwrap_or(date),
            DatePrecision::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date),
        };
        EventDate { start, precision }
    }

    /// Parses a date written at an explicit precision, refusing a value
    /// written at another one (e.g. `2023-04-12` when the precision is month).
    pub fn parse_with_precision(s: &str, precision: DatePrecision) -> Result<Self, InvalidValue> {
        let date: EventDate = s.parse()?;
        if date.precision != precision {
            return Err(InvalidValue::new(match precision {
                DatePrecision::Day => "a day-precision date is written YYYY-MM-DD",
                DatePrecision::Month => "a month-precision date is written YYYY-MM",
                DatePrecision::Year => "a year-precision date is written YYYY",
            }));
        }
        Ok(date)
    }

    /// First day of the period.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// Last day of the period.
    pub fn end(&self) -> NaiveDate {
        let next = match self.precision {
            DatePrecision::Day => return self.start,
            DatePrecision::Month => self.start.checked_add_months(Months::new(1)),
            DatePrecision::Year => self.start.checked_add_months(Months::new(12)),
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(self.start)
    }

    pub fn precision(&self) -> DatePrecision {
        self.precision
    }

    /// Machine form at the precision: `2025-01-29`, `2023-04` or `2023`
    /// (valid in an HTML `<time datetime>` attribute).
    pub fn iso(&self) -> String {
        match self.precision {
            DatePrecision::Day => self.start.format("%Y-%m-%d").to_string(),
            DatePrecision::Month => self.start.format("%Y-%m").to_string(),
            DatePrecision::Year => self.start.format("%Y").to_string(),
        }
    }

    /// Reader form at the precision: `29 January 2025`, `April 2023`, `2023`.
    pub fn human(&self) -> String {
        let month = MONTHS[self.start.month0() as usize];
        match self.precision {
            DatePrecision::Day => format!("{} {} {}", self.start.day(), month, self.start.year()),
            DatePrecision::Month => format!("{} {}", month, self.start.year()),
            DatePrecision::Year => self.start.year().to_string(),
        }
    }
}

impl fmt::Display for EventDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl FromStr for EventDate {
    type Err = InvalidValue;

    /// Reads `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; the form gives the precision.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let invalid = || {
            InvalidValue::new(format!(
                "\"{s}\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
            ))
        };
        let parts: Vec<&str> = s.split('-').collect();
        let number = |p: &str, len: usize| -> Result<u32, InvalidValue> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| invalid())
            } else {
                Err(invalid())
            }
        };
        let year = number(parts.first().copied().unwrap_or(""), 4)? as i32;
        let impossible = || InvalidValue::new(format!("{s} is not a date that exists"));
        match parts.len() {
            1 => Ok(EventDate {
                start: NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(impossible)?,
                precision: DatePrecision::Year,
            }),
            2 => Ok(EventDate {
                start: NaiveDate::from_ymd_opt(year, number(parts[1], 2)?, 1)
                    .ok_or_else(impossible)?,
                precision: DatePrecision::Month,
            }),
            3 => Ok(EventDate {
                start: NaiveDate::from_ymd_opt(year, number(parts[1], 2)?, number(parts[2], 2)?)
                    .ok_or_else(impossible)?,
                precision: DatePrecision::Day,
            }),
            _ => Err(invalid()),
        }
    }
}

impl TryFrom<&str> for EventDate {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_precision_and_writes_it_back_unchanged() {
        for (text, precision, human) in [
            ("2025-01-29", DatePrecision::Day, "29 January 2025"),
            ("2023-04", DatePrecision::Month, "April 2023"),
            ("2023", DatePrecision::Year, "2023"),
        ] {
            let d: EventDate = text.parse().unwrap();
            assert_eq!(d.precision(), precision);
            assert_eq!(d.iso(), text);
            assert_eq!(d.human(), human);
        }
    }

    #[test]
    fn refuses_impossible_and_malformed_dates() {
        for bad in [
            "2025-02-30",
            "2025-13",
            "2025-1-2",
            "25-01-01",
            "",
            "2025-01-01-01",
            "abcd",
        ] {
            assert!(
                bad.parse::<EventDate>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn refuses_a_date_written_at_another_precision() {
        assert!(EventDate::parse_with_precision("2023-04-12", DatePrecision::Month).is_err());
        assert!(EventDate::parse_with_precision("2023-04", DatePrecision::Day).is_err());
        assert!(EventDate::parse_with_precision("2023-04", DatePrecision::Month).is_ok());
    }

    #[test]
    fn a_stored_month_never_gains_a_day() {
        let d = EventDate::from_parts(
            NaiveDate::from_ymd_opt(2023, 4, 17).unwrap(),
            DatePrecision::Month,
        );
        assert_eq!(d.iso(), "2023-04");
        assert_eq!(d.start(), NaiveDate::from_ymd_opt(2023, 4, 1).unwrap());
        assert_eq!(d.end(), NaiveDate::from_ymd_opt(2023, 4, 30).unwrap());
    }
}

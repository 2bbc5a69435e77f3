//! Milestone reminders: the lead-time setting, the day each reminder falls
//! due, which reminder is owed on a given day, and the key that makes each
//! one go out exactly once.
//!
//! - A reminder with a lead of `L` days falls due `L` days before the
//!   milestone's first day (for a month or a year, the first day of the
//!   period).
//! - On a given day only one reminder per milestone is owed: the one with
//!   the smallest lead that has fallen due, until the first day itself. So
//!   a reminder missed on its day (the worker was down, the milestone was
//!   added late) still goes out until a shorter lead falls due, and is
//!   skipped after that rather than sent out of order; the rule needs no
//!   memory of what was skipped.
//! - Each reminder is keyed by milestone, lead and the first day it was
//!   armed for. The store keeps the key unique and inserting it is the claim
//!   to send, so a restart never sends twice. A corrected date has another
//!   first day and so fresh keys: its reminders are armed again. A queued
//!   reminder whose key is no longer [`ReminderKey::still_armed`] (the date
//!   moved, the milestone was removed) is dropped.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};

use super::{EventDate, InvalidValue};

/// How many days before each milestone its reminders go out: distinct,
/// longest first, each at most [`LeadTimes::MAX_DAYS`], never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadTimes(Vec<u32>);

impl LeadTimes {
    /// The longest lead time a setting may ask for.
    pub const MAX_DAYS: u32 = 365;

    /// The lead times in days, longest first.
    pub fn days(&self) -> &[u32] {
        &self.0
    }

    /// The last first day a milestone can have and still owe a reminder on
    /// `today`: milestones starting between `today` and this day are the
    /// ones to look at.
    pub fn horizon(&self, today: NaiveDate) -> NaiveDate {
        let longest = self.0.first().copied().unwrap_or(0);
        today
            .checked_add_days(Days::new(longest.into()))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl Default for LeadTimes {
    /// A week ahead and the day before.
    fn default() -> Self {
        LeadTimes(vec![7, 1])
    }
}

impl FromStr for LeadTimes {
    type Err = InvalidValue;

    /// Reads days separated by commas, e.g. `7,1` or `1, 7, 30`; order and
    /// repeats do not matter.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err(InvalidValue::new(
                "list the reminder lead times in days, separated by commas, e.g. 7,1",
            ));
        }
        let mut days = s
            .split(',')
            .map(|part| {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(InvalidValue::new(format!(
                        "\"{part}\" is not a whole number of days; write the reminder lead times as days separated by commas, e.g. 7,1"
                    )));
                }
                match part.parse::<u32>() {
                    Ok(days) if days <= LeadTimes::MAX_DAYS => Ok(days),
                    _ => Err(InvalidValue::new(format!(
                        "a reminder lead time is at most {} days; {part} is too long",
                        LeadTimes::MAX_DAYS
                    ))),
                }
            })
            .collect::<Result<Vec<u32>, InvalidValue>>()?;
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        Ok(LeadTimes(days))
    }
}

impl fmt::Display for LeadTimes {
    /// The setting's own form, e.g. `7,1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&days.join(","))
    }
}

/// The day a reminder with this lead falls due: `lead_days` before the
/// first day of the date's period.
pub fn reminder_due(date: &EventDate, lead_days: u32) -> NaiveDate {
    date.start()
        .checked_sub_days(Days::new(lead_days.into()))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether one of the milestone's reminders falls due after the day
/// `after` and on or before the day `until`: what makes a quiet digest
/// period worth a digest (consecutive periods share their boundary day, so
/// each reminder day falls in exactly one of them).
pub fn falls_due_within(
    date: &EventDate,
    leads: &LeadTimes,
    after: NaiveDate,
    until: NaiveDate,
) -> bool {
    leads.days().iter().any(|&lead| {
        let due = reminder_due(date, lead);
        after < due && due <= until
    })
}

/// One reminder of one milestone: unique in the store, so it is sent once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReminderKey<Id> {
    pub milestone: Id,
    pub lead_days: u32,
    /// The first day of the milestone's date when the reminder was armed.
    pub armed_for: NaiveDate,
}

impl<Id> ReminderKey<Id> {
    /// Whether the milestone's current date is still the one this reminder
    /// was armed for; when not, the reminder is dropped unsent.
    pub fn still_armed(&self, current: &EventDate) -> bool {
        current.start() == self.armed_for
    }
}

/// The reminder owed on `today` for a milestone on `date`, if any.
pub fn owed_reminder<Id>(
    milestone: Id,
    date: &EventDate,
    leads: &LeadTimes,
    today: NaiveDate,
) -> Option<ReminderKey<Id>> {
    if today > date.start() {
        return None;
    }
    let lead_days = leads
        .days()
        .iter()
        .rev()
        .copied()
        .find(|&lead| reminder_due(date, lead) <= today)?;
    Some(ReminderKey {
        milestone,
        lead_days,
        armed_for: date.start(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn date(s: &str) -> EventDate {
        s.parse().unwrap()
    }

    #[test]
    fn lead_times_are_read_sorted_longest_first_without_repeats() {
        for (setting, days) in [
            ("7,1", vec![7, 1]),
            ("1, 7 ,7,30", vec![30, 7, 1]),
            (" 0 ", vec![0]),
            ("365", vec![365]),
        ] {
            let leads: LeadTimes = setting.parse().unwrap();
            assert_eq!(leads.days(), days, "{setting:?}");
        }
        assert_eq!(LeadTimes::default().days(), [7, 1]);
        assert_eq!(LeadTimes::default().to_string(), "7,1");
        assert_eq!("1,7".parse::<LeadTimes>().unwrap(), LeadTimes::default());
    }

    #[test]
    fn a_bad_lead_time_setting_is_refused_with_a_clear_message() {
        for (setting, says) in [
            ("", "e.g. 7,1"),
            ("  ", "e.g. 7,1"),
            ("7,,1", "\"\" is not a whole number of days"),
            ("7;1", "\"7;1\" is not a whole number of days"),
            ("-1", "\"-1\" is not a whole number of days"),
            ("+1", "\"+1\" is not a whole number of days"),
            ("1.5", "\"1.5\" is not a whole number of days"),
            ("a week", "\"a week\" is not a whole number of days"),
            ("366", "at most 365 days; 366 is too long"),
            ("99999999999", "at most 365 days; 99999999999 is too long"),
        ] {
            let err = setting.parse::<LeadTimes>().unwrap_err().to_string();
            assert!(err.contains(says), "{setting:?} gave {err:?}");
        }
    }

    #[test]
    fn a_reminder_falls_due_lead_days_before_the_first_day_of_the_period() {
        assert_eq!(reminder_due(&date("2027-03-13"), 7), day("2027-03-06"));
        assert_eq!(reminder_due(&date("2027-03-13"), 0), day("2027-03-13"));
        assert_eq!(reminder_due(&date("2027-03"), 1), day("2027-02-28"));
        assert_eq!(reminder_due(&date("2027"), 7), day("2026-12-25"));
    }

    #[test]
    fn the_shortest_due_lead_is_owed_until_the_day_itself() {
        let leads = LeadTimes::default();
        let d = date("2027-03-13");
        let owed = |today: &str| owed_reminder(5, &d, &leads, day(today)).map(|k| k.lead_days);
        assert_eq!(owed("2027-03-05"), None);
        assert_eq!(owed("2027-03-06"), Some(7));
        assert_eq!(owed("2027-03-11"), Some(7));
        assert_eq!(owed("2027-03-12"), Some(1));
        assert_eq!(owed("2027-03-13"), Some(1));
        assert_eq!(owed("2027-03-14"), None);
    }

    #[test]
    fn a_month_milestone_is_reminded_of_before_its_month_begins() {
        let key = owed_reminder(
            5,
            &date("2027-03"),
            &LeadTimes::default(),
            day("2027-02-22"),
        );
        assert_eq!(
            key,
            Some(ReminderKey {
                milestone: 5,
                lead_days: 7,
                armed_for: day("2027-03-01"),
            })
        );
        assert_eq!(
            owed_reminder(
                5,
                &date("2027-03"),
                &LeadTimes::default(),
                day("2027-03-02")
            ),
            None
        );
    }

    #[test]
    fn a_reminder_day_falls_in_one_of_two_consecutive_periods() {
        let leads = LeadTimes::default();
        let d = date("2027-03-13");
        let within =
            |after: &str, until: &str| falls_due_within(&d, &leads, day(after), day(until));
        // The week-ahead reminder falls due on 6 March, the last one on 12 March.
        assert!(within("2027-03-05", "2027-03-06"));
        assert!(!within("2027-03-06", "2027-03-07"));
        assert!(!within("2027-03-07", "2027-03-11"));
        assert!(within("2027-03-11", "2027-03-12"));
        assert!(within("2027-02-27", "2027-03-06"), "a weekly period");
        assert!(!within("2027-03-12", "2027-03-19"));
        // A month: before its first day.
        assert!(falls_due_within(
            &date("2027-03"),
            &leads,
            day("2027-02-21"),
            day("2027-02-22")
        ));
    }

    #[test]
    fn the_horizon_reaches_as_far_as_the_longest_lead() {
        let leads: LeadTimes = "1,30".parse().unwrap();
        assert_eq!(leads.horizon(day("2027-03-01")), day("2027-03-31"));
    }

    /// The worker runs every day (twice on some) and records each key it
    /// sends; `sent` plays the store's unique key.
    fn run_days(
        from: &str,
        to: &str,
        leads: &LeadTimes,
        date_on: impl Fn(NaiveDate) -> Option<EventDate>,
    ) -> Vec<(NaiveDate, ReminderKey<i32>)> {
        let mut sent = HashSet::new();
        let mut log = Vec::new();
        let mut today = day(from);
        while today <= day(to) {
            for _run in 0..2 {
                let Some(d) = date_on(today) else { continue };
                if let Some(key) = owed_reminder(1, &d, leads, today) {
                    if sent.insert(key) {
                        log.push((today, key));
                    }
                }
            }
            today = today.succ_opt().unwrap();
        }
        log
    }

    #[test]
    fn each_lead_goes_out_once_however_often_the_worker_runs() {
        let log = run_days("2027-02-01", "2027-04-01", &LeadTimes::default(), |_| {
            Some(date("2027-03-13"))
        });
        let sent: Vec<(NaiveDate, u32)> = log.iter().map(|(d, k)| (*d, k.lead_days)).collect();
        assert_eq!(sent, [(day("2027-03-06"), 7), (day("2027-03-12"), 1)]);
    }

    #[test]
    fn a_corrected_date_arms_its_reminders_again_and_disarms_the_old_ones() {
        // Moved a week later on 8 March, after the week-ahead reminder went out.
        let moved = |today: NaiveDate| {
            Some(date(if today < day("2027-03-08") {
                "2027-03-13"
            } else {
                "2027-03-20"
            }))
        };
        let log = run_days("2027-02-01", "2027-04-01", &LeadTimes::default(), moved);
        let sent: Vec<(NaiveDate, u32, NaiveDate)> = log
            .iter()
            .map(|(d, k)| (*d, k.lead_days, k.armed_for))
            .collect();
        assert_eq!(
            sent,
            [
                (day("2027-03-06"), 7, day("2027-03-13")),
                (day("2027-03-13"), 7, day("2027-03-20")),
                (day("2027-03-19"), 1, day("2027-03-20")),
            ]
        );
        let first = log[0].1;
        assert!(!first.still_armed(&date("2027-03-20")));
        assert!(first.still_armed(&date("2027-03-13")));
    }

    #[test]
    fn a_removed_milestone_owes_nothing_more() {
        let removed = |today: NaiveDate| (today < day("2027-03-08")).then(|| date("2027-03-13"));
        let log = run_days("2027-02-01", "2027-04-01", &LeadTimes::default(), removed);
        assert_eq!(log.len(), 1, "only the week-ahead reminder went out");
    }

    #[test]
    fn a_reminder_late_for_its_lead_goes_out_until_a_shorter_lead_is_due() {
        let leads_sent_from = |first_day: &str| -> Vec<(NaiveDate, u32)> {
            run_days(first_day, "2027-04-01", &LeadTimes::default(), |_| {
                Some(date("2027-03-13"))
            })
            .iter()
            .map(|(d, k)| (*d, k.lead_days))
            .collect()
        };
        // Added (or the worker back) two days ahead: the week-ahead reminder
        // still goes out, then the day-before one.
        assert_eq!(
            leads_sent_from("2027-03-11"),
            [(day("2027-03-11"), 7), (day("2027-03-12"), 1)]
        );
        // The day before: only the day-before reminder; the week-ahead one
        // is skipped, never sent after it.
        assert_eq!(leads_sent_from("2027-03-12"), [(day("2027-03-12"), 1)]);
    }

    #[test]
    fn knowing_the_day_within_the_same_month_does_not_remind_twice() {
        // "March 2027" refined to "1 March 2027": same first day, same keys.
        let month = owed_reminder(
            1,
            &date("2027-03"),
            &LeadTimes::default(),
            day("2027-02-22"),
        );
        let exact = owed_reminder(
            1,
            &date("2027-03-01"),
            &LeadTimes::default(),
            day("2027-02-22"),
        );
        assert_eq!(month, exact);
    }
}

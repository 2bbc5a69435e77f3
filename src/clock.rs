//! The clock: what time it is, for every layer. Nothing else reads the
//! system time; whoever needs it holds a [`Clock`] (the application keeps
//! one in its settings, the worker its copy) and passes the time down to
//! the store.
//!
//! Times are UTC, in whole microseconds: what PostgreSQL's `timestamp`
//! holds, and what SQLite's text form writes back unchanged, so a stored
//! time reads back equal and compares the same way on both backends.
//!
//! Tests start the application on a fixed clock and move it on, to see
//! what happens a day or a week later without waiting for it.

use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDateTime, SubsecRound, Utc};

/// A source of the current time: the system's, or a fixed time that stands
/// still until moved on. Copies share the time they read.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<NaiveDateTime>>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that reads `at` (to the microsecond) until moved on.
    pub fn fixed(at: NaiveDateTime) -> Clock {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at.trunc_subsecs(6)))),
        }
    }

    /// The current time, UTC, in whole microseconds.
    pub fn now(&self) -> NaiveDateTime {
        match &self.fixed {
            None => Utc::now().naive_utc().trunc_subsecs(6),
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a fixed clock, and every copy of it, on by `by`.
    ///
    /// # Panics
    ///
    /// On the system clock, which only time moves on.
    pub fn advance(&self, by: Duration) {
        let at = self
            .fixed
            .as_ref()
            .expect("only a fixed clock can be moved on");
        let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
        *at = (*at + by).trunc_subsecs(6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn the_time_is_in_whole_microseconds() {
        assert_eq!(Clock::system().now().nanosecond() % 1_000, 0);
        let at = chrono::DateTime::from_timestamp(1_764_000_000, 123_456_789)
            .unwrap()
            .naive_utc();
        assert_eq!(Clock::fixed(at).now().nanosecond(), 123_456_000);
    }

    #[test]
    fn a_fixed_clock_moves_on_only_when_told_and_every_copy_with_it() {
        let at = chrono::DateTime::from_timestamp(1_764_000_000, 0)
            .unwrap()
            .naive_utc();
        let clock = Clock::fixed(at);
        let copy = clock.clone();
        assert_eq!(clock.now(), at);
        clock.advance(Duration::days(1));
        assert_eq!(copy.now(), at + Duration::days(1));
    }
}

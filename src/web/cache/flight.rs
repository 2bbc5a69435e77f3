//! One rendering per missing page: when a page is not kept and another
//! request for the same address is already rendering it, wait for that one
//! and answer with its bytes (single flight per address), so that after a
//! write many readers of `/` cost one rendering, not one each.
//!
//! A flight belongs to one generation of the data (see the module above):
//! a request that noticed a newer generation never joins an older flight,
//! so nobody gets a page older than the data they saw. Waiting is bounded
//! ([`WAIT_LIMIT`]); a rendering that fails, is not shareable, or is
//! abandoned (its client went away) lets its waiters render their own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Entry;

/// How long a request waits for another's rendering before rendering its
/// own.
pub const WAIT_LIMIT: Duration = Duration::from_secs(5);

/// What a flight ends with: the page, or `None` when it cannot be shared.
type Landing = Option<Option<Arc<Entry>>>;

/// The renderings under way, by address (of the current generation only).
#[derive(Default)]
pub(super) struct Flights {
    next_id: u64,
    by_key: HashMap<String, (u64, watch::Receiver<Landing>)>,
}

impl Flights {
    /// Forgets every flight: the data moved on, so their pages are not for
    /// requests that arrive now (those already waiting still get them).
    pub fn clear(&mut self) {
        self.by_key.clear();
    }

    /// Joins the flight for `key`, if one is under way.
    pub fn join(&self, key: &str) -> Option<Waiter> {
        self.by_key
            .get(key)
            .map(|(_, rx)| Waiter { rx: rx.clone() })
    }

    /// Starts the flight for `key`: the caller renders the page.
    pub fn start(&mut self, key: &str) -> Flight {
        let (tx, rx) = watch::channel(None);
        self.next_id += 1;
        self.by_key.insert(key.to_owned(), (self.next_id, rx));
        Flight {
            id: self.next_id,
            tx,
        }
    }

    /// Ends `flight`'s registration (not its waiters' wait).
    pub fn end(&mut self, key: &str, flight: &Flight) {
        if self.by_key.get(key).is_some_and(|(id, _)| *id == flight.id) {
            self.by_key.remove(key);
        }
    }
}

/// The rendering request's side of a flight. Dropping it without
/// [`Flight::land`] (an error, a client that went away) tells the waiters
/// to render their own.
pub(super) struct Flight {
    id: u64,
    tx: watch::Sender<Landing>,
}

impl Flight {
    /// Hands the rendered page (or `None`: not shareable) to the waiters.
    pub fn land(self, entry: Option<Arc<Entry>>) {
        self.tx.send_replace(Some(entry));
    }
}

/// A waiting request's side of a flight.
pub(super) struct Waiter {
    rx: watch::Receiver<Landing>,
}

impl Waiter {
    /// The page the flight rendered; `None` if it could not be shared, was
    /// abandoned, or took longer than [`WAIT_LIMIT`].
    pub async fn landed(mut self) -> Option<Arc<Entry>> {
        let wait = self.rx.wait_for(Option::is_some);
        match tokio::time::timeout(WAIT_LIMIT, wait).await {
            Ok(Ok(landing)) => landing.clone().flatten(),
            Ok(Err(_)) | Err(_) => None,
        }
    }
}

/// How many pages were rendered for anonymous readers, how many answers
/// were another request's rendering, and how many pages were rendered
/// around a kept part, since the start.
#[derive(Debug, Default)]
pub struct Counts {
    rendered: AtomicU64,
    shared: AtomicU64,
    parts_reused: AtomicU64,
}

impl Counts {
    /// Shareable pages rendered because none was kept.
    pub fn rendered(&self) -> u64 {
        self.rendered.load(Ordering::Relaxed)
    }

    /// Answers that waited for another request's rendering of their page.
    pub fn shared(&self) -> u64 {
        self.shared.load(Ordering::Relaxed)
    }

    /// Pages for signed-in readers rendered around a kept part.
    pub fn parts_reused(&self) -> u64 {
        self.parts_reused.load(Ordering::Relaxed)
    }

    pub(super) fn add_part_reused(&self) {
        self.parts_reused.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn add_rendered(&self) {
        self.rendered.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn add_shared(&self) {
        self.shared.fetch_add(1, Ordering::Relaxed);
    }
}

//! The rendered-response cache: every anonymous `GET`/`HEAD` answered `200`
//! is kept (its bytes and headers), keyed by the normalised URL (the path
//! and the query's parameters in a stable order), and served again without
//! touching the database or the templates, with `ETag`, `Last-Modified` and
//! `Cache-Control: no-cache`, or `304 Not Modified` when the client's copy
//! is current ([`conditional`]).
//!
//! It is one middleware around every route, so a route added later is
//! covered without code of its own. What is not shared is never stored:
//! requests with a session cookie or an `Authorization` header (signed-in
//! editors, API writers) pass through, and so do answers that set a cookie
//! or say `Cache-Control: no-store`/`private` (account and subscription
//! pages, the health check).
//!
//! Invalidation does not rely on writers: before each answer it could
//! serve, the cache asks [`Watch`] whether anything committed since, by
//! any process, and drops every page if so (on PostgreSQL, where asking is
//! a round trip, requests arriving together share one look that began
//! after each arrived: [`freshness`]); a page is also dropped when the
//! clock's day moves on (days left, what is upcoming). A rendered page is
//! kept only if another look after its rendering finds the data unchanged
//! since the look before it.
//!
//! Requests that miss the same page at once wait for one rendering of it
//! ([`flight`]).
//!
//! Signed-in readers get kept answers that their handlers marked
//! [`SameForEveryone`] (feeds, calendars, exports, the API's reads); the
//! reading pages keep their own part, inside the layout, for everyone
//! ([`part`]), so an editor's page costs the layout alone.

pub mod conditional;
mod entry;
pub mod flight;
mod freshness;
mod part;
mod shelf;

use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};

use crate::clock::Clock;
use crate::store::watch::Watch;
use conditional::Conditions;
use entry::Entry;
pub use entry::SameForEveryone;
use flight::{Counts, Flight, Flights, Waiter};
use freshness::GroupedLooks;
pub use part::PagePart;
use part::{Part, Rendered, Slot};
use shelf::Shelf;

/// The session cookie's name: a request carrying it is an editor's.
pub use super::auth::SESSION_COOKIE;

/// The cache of one server: its pages and what tells it they are stale.
pub struct ResponseCache {
    /// At most this many bytes of pages are kept; 0 keeps none (every
    /// request is rendered, with the same validators).
    budget: usize,
    clock: Clock,
    looks: Looks,
    stored: Arc<Mutex<Stored>>,
    counts: Arc<Counts>,
}

/// How the cache looks at the data's version.
enum Looks {
    /// Where a look is cheap (SQLite's shared memory): in the request.
    Inline(Mutex<Watch>),
    /// Where it is a round trip (PostgreSQL): one look for the requests
    /// that arrive together, on a thread of its own.
    Grouped(GroupedLooks),
}

struct Stored {
    /// Moves on whenever the data (or the day) changes.
    generation: u64,
    /// When the data last changed, as far as this process noticed.
    changed_at: NaiveDateTime,
    day: NaiveDate,
    pages: Shelf<Entry>,
    /// Pages' own parts, for signed-in readers ([`part`]).
    parts: Shelf<Part>,
    /// Pages being rendered now, for requests that miss them meanwhile.
    flights: Flights,
}

/// What the cache has for a request.
enum Lookup {
    /// The kept page.
    Hit(Arc<Entry>),
    /// Another request is rendering it: wait for that.
    Wait(Waiter),
    /// Render it, and hand it to whoever waits.
    Lead(Flight),
    /// Render it for this request alone.
    Alone,
}

impl Stored {
    /// Every page goes: they may show what changed.
    fn drop_pages(&mut self) {
        self.generation += 1;
        self.pages.clear();
        self.parts.clear();
        self.flights.clear();
    }

    fn data_changed(&mut self, now: NaiveDateTime) {
        self.changed_at = now;
        self.drop_pages();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ResponseCache {
    /// A cache of at most `budget` bytes for the database at `url`.
    pub fn new(url: &str, budget: usize, clock: Clock) -> ResponseCache {
        let now = clock.now();
        let stored = Arc::new(Mutex::new(Stored {
            generation: 0,
            changed_at: now,
            day: now.date(),
            pages: Shelf::new(budget),
            // Parts mostly repeat what the pages hold, for fewer readers.
            parts: Shelf::new(budget / 4),
            flights: Flights::default(),
        }));
        let mut watch = Watch::open(url);
        let looks = if watch.is_round_trip() {
            let (stored, clock) = (stored.clone(), clock.clone());
            Looks::Grouped(GroupedLooks::start(move || {
                if watch.changed() {
                    lock(&stored).data_changed(clock.now());
                }
            }))
        } else {
            Looks::Inline(Mutex::new(watch))
        };
        ResponseCache {
            budget,
            looks,
            stored,
            clock,
            counts: Arc::default(),
        }
    }

    /// How many pages were rendered and shared, for tests and operators.
    pub fn counts(&self) -> Arc<Counts> {
        self.counts.clone()
    }

    /// The current generation and when the data last changed, dropping
    /// every page if anything committed (or the day moved on) since the
    /// last look.
    async fn current(&self, now: NaiveDateTime) -> (u64, NaiveDateTime) {
        let (changed, mut stored) = match &self.looks {
            // The watch stays locked until the pages are locked, so a
            // request that looks after a change was noticed waits for the
            // pages to be dropped and never gets the generation before it.
            Looks::Inline(watch) => {
                let mut watch = lock(watch);
                let changed = watch.changed();
                (changed, lock(&self.stored))
            }
            // Changes seen are recorded by the look itself; without a look,
            // nothing kept can be trusted.
            Looks::Grouped(looks) => (!looks.fresh().await, lock(&self.stored)),
        };
        if changed {
            stored.data_changed(now);
        } else if stored.day != now.date() {
            stored.drop_pages();
        }
        stored.day = now.date();
        let midnight = now.date().and_hms_opt(0, 0, 0).unwrap_or(now);
        (stored.generation, stored.changed_at.max(midnight))
    }

    /// The kept page for `key`, or who renders it. Only a request that
    /// may keep its page (`lead`) starts or joins a flight, and only while
    /// `generation` is current.
    fn lookup(&self, key: &str, generation: u64, lead: bool) -> Lookup {
        let mut stored = lock(&self.stored);
        if let Some(entry) = stored.pages.get(key) {
            return Lookup::Hit(entry);
        }
        if !lead || stored.generation != generation {
            return Lookup::Alone;
        }
        match stored.flights.join(key) {
            Some(waiter) => Lookup::Wait(waiter),
            None => Lookup::Lead(stored.flights.start(key)),
        }
    }

    /// Keeps `entry`, rendered from data at least as new as `generation`,
    /// if the data did not move on while it was rendered, and hands it to
    /// the flight's waiters (who saw `generation`, so it is new enough for
    /// them even if the data moved on since).
    /// The page's own part, if its handler rendered one, is kept with it.
    async fn keep(
        &self,
        key: String,
        generation: u64,
        entry: Arc<Entry>,
        part: Option<Rendered>,
        flight: Option<Flight>,
    ) {
        let (now, _) = self.current(self.clock.now()).await;
        let mut stored = lock(&self.stored);
        if let Some(flight) = &flight {
            stored.flights.end(&key, flight);
        }
        if now == generation {
            stored.pages.put(key, entry.clone());
            if let Some(rendered) = part {
                stored.parts.put(rendered.key, rendered.part);
            }
        }
        drop(stored);
        if let Some(flight) = flight {
            flight.land(Some(entry));
        }
    }

    /// The kept part under `key`.
    fn part(&self, key: &str) -> Option<Arc<Part>> {
        lock(&self.stored).parts.get(key)
    }

    /// Keeps a page's `rendered` own part, from data at least as new as
    /// `generation`, if the data did not move on while it was rendered.
    async fn keep_part(&self, generation: u64, rendered: Rendered) {
        let (now, _) = self.current(self.clock.now()).await;
        let mut stored = lock(&self.stored);
        if now == generation {
            stored.parts.put(rendered.key, rendered.part);
        }
    }
}

/// Whether a request reads (and may be given a kept answer): `GET` or
/// `HEAD` without credentials of an API client.
fn reading(req: &ServiceRequest) -> bool {
    (req.method() == Method::GET || req.method() == Method::HEAD)
        && !req.headers().contains_key(header::AUTHORIZATION)
}

/// Whether an answer may be kept and given to anyone.
fn storable(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::OK
        && !headers.contains_key(header::SET_COOKIE)
        && headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| !(v.contains("no-store") || v.contains("private")))
}

/// The path and the query's parameters, stably sorted by name (so
/// `?kind=deal&q=ai` and `?q=ai&kind=deal` are one page, while repeated
/// parameters keep their order).
pub fn normalised_key(path: &str, query: &str) -> String {
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if params.is_empty() {
        return path.to_owned();
    }
    params.sort_by_key(|p| p.split('=').next().unwrap_or(""));
    let mut key = String::with_capacity(path.len() + query.len() + 1);
    key.push_str(path);
    key.push('?');
    key.push_str(&params.join("&"));
    key
}

/// A kept answer, saying how long ago it was rendered (RFC 9111 `Age`).
fn served(entry: &Entry, conditions: &Conditions, now: NaiveDateTime) -> HttpResponse {
    let mut res = entry.respond(conditions, now);
    let age = (now - entry.stored_at).num_seconds().max(0);
    res.headers_mut()
        .insert(header::AGE, HeaderValue::from(age));
    res
}

/// The middleware: see the module's documentation.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    cache: Arc<ResponseCache>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !reading(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let now = cache.clock.now();
    let key = normalised_key(req.path(), req.query_string());
    let (generation, modified) = cache.current(now).await;
    let conditions = Conditions::of(req.headers());
    if cache.budget > 0 {
        let slot = Slot {
            cache: cache.clone(),
            key: key.clone(),
        };
        req.extensions_mut().insert(slot);
    }
    if req.cookie(SESSION_COOKIE).is_some() {
        // A session's reader: only what is the same for everyone is kept
        // for them; the handler renders the rest (from a kept part).
        let kept = lock(&cache.stored).pages.get(&key);
        if let Some(entry) = kept.filter(|e| e.for_everyone) {
            return Ok(req.into_response(served(&entry, &conditions, now)));
        }
        let mut res = next.call(req).await?;
        let part = res.response_mut().extensions_mut().remove::<Rendered>();
        if let Some(rendered) = part {
            cache.keep_part(generation, rendered).await;
        }
        return Ok(res.map_into_boxed_body());
    }
    let keep = cache.budget > 0 && req.method() == Method::GET;
    let flight = match cache.lookup(&key, generation, keep) {
        Lookup::Hit(entry) => return Ok(req.into_response(served(&entry, &conditions, now))),
        Lookup::Wait(waiter) => match waiter.landed().await {
            Some(entry) => {
                cache.counts.add_shared();
                return Ok(req.into_response(entry.respond(&conditions, now)));
            }
            None => None,
        },
        Lookup::Lead(flight) => Some(flight),
        Lookup::Alone => None,
    };
    if keep {
        cache.counts.add_rendered();
    }
    // An error drops the flight: its waiters render their own.
    let mut res = next.call(req).await?;
    let part = res.response_mut().extensions_mut().remove::<Rendered>();
    if !storable(res.status(), res.headers()) {
        if let Some(flight) = flight {
            flight.land(None);
        }
        return Ok(res.map_into_boxed_body());
    }
    let for_everyone = res.response().extensions().contains::<SameForEveryone>();
    let (req, res) = res.into_parts();
    let (head, payload) = res.into_parts();
    let bytes = body::to_bytes(payload)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let entry = Entry::new(head.headers().clone(), bytes, modified, now, for_everyone);
    let entry = Arc::new(entry);
    let res = entry.respond(&conditions, now);
    if keep {
        cache.keep(key, generation, entry, part, flight).await;
    } else if let Some(rendered) = part {
        cache.keep_part(generation, rendered).await;
    }
    Ok(ServiceResponse::new(req, res))
}

#[cfg(test)]
mod flight_tests;

#[cfg(test)]
mod tests {
    use super::normalised_key;

    #[test]
    fn parameters_are_sorted_by_name_keeping_repeats_in_order() {
        assert_eq!(normalised_key("/", ""), "/");
        assert_eq!(
            normalised_key("/", "q=ai&kind=deal&tag=b&&tag=a"),
            "/?kind=deal&q=ai&tag=b&tag=a"
        );
        assert_eq!(
            normalised_key("/items", "sort=title&dir=asc"),
            normalised_key("/items", "dir=asc&sort=title")
        );
    }
}

#[cfg(test)]
mod eviction_tests;

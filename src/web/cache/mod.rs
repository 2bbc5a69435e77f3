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
//! clock's day moves on (days left, what is upcoming). A page rendered
//! while a write committed is stored under the version read before it was
//! rendered, so it is never served after that write is noticed.

pub mod conditional;
mod freshness;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};

use crate::clock::Clock;
use crate::store::watch::Watch;
use conditional::{Conditions, Validators};
use freshness::GroupedLooks;

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
    pages: HashMap<String, Arc<Entry>>,
    /// Keys in the order they were stored, to drop the oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

impl Stored {
    /// Every page goes: they may show what changed.
    fn drop_pages(&mut self) {
        self.generation += 1;
        self.pages.clear();
        self.order.clear();
        self.bytes = 0;
    }

    fn data_changed(&mut self, now: NaiveDateTime) {
        self.changed_at = now;
        self.drop_pages();
    }
}

/// One kept answer.
struct Entry {
    headers: HeaderMap,
    body: Bytes,
    validators: Validators,
    stored_at: NaiveDateTime,
}

impl Entry {
    fn new(
        mut headers: HeaderMap,
        body: Bytes,
        modified: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Entry {
        headers.remove(header::CONTENT_LENGTH);
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        let validators = Validators::new(&body, modified);
        validators.apply(&mut headers);
        Entry {
            headers,
            body,
            validators,
            stored_at: now,
        }
    }

    fn size(&self, key: &str) -> usize {
        key.len() + self.body.len() + 256
    }

    /// The answer to a request with `conditions`.
    fn respond(&self, conditions: &Conditions, now: NaiveDateTime) -> HttpResponse {
        if self.validators.not_modified(conditions, now) {
            let mut res = HttpResponse::NotModified().finish();
            for name in [header::ETAG, header::LAST_MODIFIED, header::CACHE_CONTROL] {
                if let Some(value) = self.headers.get(&name) {
                    res.headers_mut().insert(name, value.clone());
                }
            }
            return res;
        }
        let mut res = HttpResponse::with_body(StatusCode::OK, self.body.clone());
        for (name, value) in &self.headers {
            res.headers_mut().append(name.clone(), value.clone());
        }
        res.map_into_boxed_body()
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
            pages: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
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
        }
    }

    /// The current generation and when the data last changed, dropping
    /// every page if anything committed (or the day moved on) since the
    /// last look.
    async fn current(&self, now: NaiveDateTime) -> (u64, NaiveDateTime) {
        let changed = match &self.looks {
            Looks::Inline(watch) => lock(watch).changed(),
            // Changes seen are recorded by the look itself; without a look,
            // nothing kept can be trusted.
            Looks::Grouped(looks) => !looks.fresh().await,
        };
        let mut stored = lock(&self.stored);
        if changed {
            stored.data_changed(now);
        } else if stored.day != now.date() {
            stored.drop_pages();
        }
        stored.day = now.date();
        let midnight = now.date().and_hms_opt(0, 0, 0).unwrap_or(now);
        (stored.generation, stored.changed_at.max(midnight))
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        lock(&self.stored).pages.get(key).cloned()
    }

    /// Keeps `entry` if nothing changed since `generation` was read.
    fn put(&self, key: String, generation: u64, entry: Arc<Entry>) {
        let size = entry.size(&key);
        if size > self.budget / 8 {
            return;
        }
        let mut stored = lock(&self.stored);
        if stored.generation != generation {
            return;
        }
        while stored.bytes + size > self.budget {
            let Some(old) = stored.order.pop_front() else {
                break;
            };
            if let Some(gone) = stored.pages.remove(&old) {
                stored.bytes -= gone.size(&old);
            }
        }
        if let Some(gone) = stored.pages.insert(key.clone(), entry) {
            stored.bytes -= gone.size(&key);
        }
        stored.bytes += size;
        stored.order.push_back(key);
    }
}

/// Whether a request may be answered with what any reader would get.
fn shared(req: &ServiceRequest) -> bool {
    (req.method() == Method::GET || req.method() == Method::HEAD)
        && !req.headers().contains_key(header::AUTHORIZATION)
        && req.cookie(SESSION_COOKIE).is_none()
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

/// The middleware: see the module's documentation.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    cache: Arc<ResponseCache>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !shared(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let now = cache.clock.now();
    let key = normalised_key(req.path(), req.query_string());
    let (generation, modified) = cache.current(now).await;
    let conditions = Conditions::of(req.headers());
    if let Some(entry) = cache.get(&key) {
        let mut res = entry.respond(&conditions, now);
        // Served from the cache: how long ago it was rendered (RFC 9111).
        let age = (now - entry.stored_at).num_seconds().max(0);
        res.headers_mut()
            .insert(header::AGE, HeaderValue::from(age));
        return Ok(req.into_response(res));
    }
    let keep = cache.budget > 0 && req.method() == Method::GET;
    let res = next.call(req).await?;
    if !storable(res.status(), res.headers()) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, payload) = res.into_parts();
    let bytes = body::to_bytes(payload)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let entry = Arc::new(Entry::new(head.headers().clone(), bytes, modified, now));
    let res = entry.respond(&conditions, now);
    if keep {
        cache.put(key, generation, entry);
    }
    Ok(ServiceResponse::new(req, res))
}

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

//! One kept answer: its headers and bytes, with its validators, and how
//! it answers a request (`200`, or `304 Not Modified`).

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;

use super::conditional::{Conditions, Validators};
use super::shelf::Footprint;

/// One kept answer.
pub(super) struct Entry {
    headers: HeaderMap,
    body: Bytes,
    validators: Validators,
    pub stored_at: NaiveDateTime,
    /// The answer is the same whoever asks (it was marked [`SameForEveryone`]
    /// by its handler), so signed-in readers may have it too.
    pub for_everyone: bool,
}

/// Marks an answer that does not depend on who asks (feeds, calendars,
/// exports, the API's reads): the cache gives it to signed-in readers too.
#[derive(Debug, Clone, Copy)]
pub struct SameForEveryone;

impl SameForEveryone {
    /// `res`, marked as the same whoever asks.
    pub fn mark(mut res: HttpResponse) -> HttpResponse {
        res.extensions_mut().insert(SameForEveryone);
        res
    }
}

impl Footprint for Entry {
    fn size(&self, key: &str) -> usize {
        key.len() + self.body.len() + 256
    }
}

impl Entry {
    pub fn new(
        mut headers: HeaderMap,
        body: Bytes,
        modified: NaiveDateTime,
        now: NaiveDateTime,
        for_everyone: bool,
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
            for_everyone,
        }
    }

    /// The answer to a request with `conditions`.
    pub fn respond(&self, conditions: &Conditions, now: NaiveDateTime) -> HttpResponse {
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

//! One kept answer: its headers and bytes, with its validators, and how
//! it answers a request (`200`, or `304 Not Modified`).

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;

use super::conditional::{Conditions, Validators};

/// One kept answer.
pub(super) struct Entry {
    headers: HeaderMap,
    body: Bytes,
    validators: Validators,
    pub stored_at: NaiveDateTime,
}

impl Entry {
    pub fn new(
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

    pub fn size(&self, key: &str) -> usize {
        key.len() + self.body.len() + 256
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

//! Conditional GET: the validators of a shareable answer (`ETag` from its
//! bytes, `Last-Modified` from when the data last changed) and whether a
//! request's `If-None-Match` / `If-Modified-Since` lets it be answered
//! `304 Not Modified`.

use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{self, HeaderMap, HeaderValue, HttpDate, TryIntoHeaderValue};
use chrono::NaiveDateTime;

/// What a request asked to be answered only if it changed.
#[derive(Debug, Default, Clone)]
pub struct Conditions {
    if_none_match: Option<String>,
    if_modified_since: Option<SystemTime>,
}

impl Conditions {
    pub fn of(headers: &HeaderMap) -> Conditions {
        Conditions {
            if_none_match: headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            if_modified_since: headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<HttpDate>().ok())
                .map(SystemTime::from),
        }
    }
}

/// An answer's validators.
#[derive(Debug, Clone)]
pub struct Validators {
    etag: HeaderValue,
    /// The quoted tag, to compare with `If-None-Match`.
    tag: String,
    last_modified: HeaderValue,
    modified_secs: u64,
}

impl Validators {
    /// The validators of `body`, whose data last changed at `modified`.
    pub fn new(body: &[u8], modified: NaiveDateTime) -> Validators {
        // The same bytes get the same tag in every process sharing the
        // database, so a client revalidates against any of them.
        let mut hasher = std::hash::DefaultHasher::new();
        body.hash(&mut hasher);
        let tag = format!("\"{:016x}{:x}\"", hasher.finish(), body.len());
        let modified_secs = modified.and_utc().timestamp().max(0) as u64;
        let when = UNIX_EPOCH + Duration::from_secs(modified_secs);
        Validators {
            etag: HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\"")),
            tag,
            last_modified: HttpDate::from(when)
                .try_into_value()
                .unwrap_or(HeaderValue::from_static("")),
            modified_secs,
        }
    }

    /// Puts `ETag` and `Last-Modified` on an answer.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::LAST_MODIFIED, self.last_modified.clone());
    }

    /// Whether the client's copy is current. `If-None-Match` decides when
    /// given (RFC 9110 §13.2.2); `If-Modified-Since` only counts once the
    /// second the data changed in is over, since a second change within it
    /// would carry the same date.
    pub fn not_modified(&self, conditions: &Conditions, now: NaiveDateTime) -> bool {
        if let Some(list) = &conditions.if_none_match {
            return list.split(',').map(str::trim).any(|candidate| {
                candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == self.tag
            });
        }
        let Some(since) = conditions.if_modified_since else {
            return false;
        };
        let since = since
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let now = now.and_utc().timestamp().max(0) as u64;
        self.modified_secs <= since && self.modified_secs < now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderName;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 24)
            .and_then(|d| d.and_hms_opt(h, m, s))
            .unwrap()
    }

    fn asking(name: HeaderName, value: &str) -> Conditions {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        Conditions::of(&headers)
    }

    #[test]
    fn a_matching_tag_is_not_modified_and_another_is() {
        let v = Validators::new(b"<p>page</p>", at(9, 0, 0));
        let tag = v.tag.clone();
        assert!(v.not_modified(&asking(header::IF_NONE_MATCH, &tag), at(10, 0, 0)));
        let listed = format!("\"other\", W/{tag}");
        assert!(v.not_modified(&asking(header::IF_NONE_MATCH, &listed), at(10, 0, 0)));
        assert!(!v.not_modified(&asking(header::IF_NONE_MATCH, "\"other\""), at(10, 0, 0)));
        let changed = Validators::new(b"<p>page!</p>", at(9, 0, 0));
        assert!(!changed.not_modified(&asking(header::IF_NONE_MATCH, &tag), at(10, 0, 0)));
    }

    #[test]
    fn a_date_counts_only_once_its_second_is_over() {
        let v = Validators::new(b"x", at(9, 0, 0));
        let date = "Tue, 24 Nov 2026 09:00:00 GMT";
        assert!(v.not_modified(&asking(header::IF_MODIFIED_SINCE, date), at(9, 0, 1)));
        assert!(!v.not_modified(&asking(header::IF_MODIFIED_SINCE, date), at(9, 0, 0)));
        let before = "Tue, 24 Nov 2026 08:59:59 GMT";
        assert!(!v.not_modified(&asking(header::IF_MODIFIED_SINCE, before), at(10, 0, 0)));
        assert!(!v.not_modified(&asking(header::IF_MODIFIED_SINCE, "garbage"), at(10, 0, 0)));
    }
}

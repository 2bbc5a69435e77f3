//! Keyset paging of the API's lists: the `limit` and `cursor` parameters,
//! the scope a cursor is bound to (the list, its sort and its filter), and
//! the `next` link that carries the cursor of a page's last row.

use serde::Serialize;

use super::problem::ApiError;
use crate::domain::{cursor, QueryError, RawQuery, Sort};

/// Rows per page unless `limit` says otherwise, and the most it may say.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The `limit` parameter: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] if absent.
pub fn limit(raw: Option<&str>) -> Result<i64, ApiError> {
    count(raw, DEFAULT_LIMIT, MAX_LIMIT).ok_or_else(|| {
        QueryError {
            param: "limit",
            problem: format!("a number from 1 to {MAX_LIMIT}"),
        }
        .into()
    })
}

/// A count parameter: `default` when absent or blank; `None` unless it is
/// a number from 1 to `max`.
pub fn count(raw: Option<&str>, default: i64, max: i64) -> Option<i64> {
    match raw.map(str::trim) {
        None | Some("") => Some(default),
        Some(n) => n.parse::<i64>().ok().filter(|n| (1..=max).contains(n)),
    }
}

/// One list read with one filter (and, for items, one sort): what a
/// cursor belongs to.
pub struct Listing {
    path: &'static str,
    raw: RawQuery,
    scope: String,
    limit: i64,
}

impl Listing {
    /// `raw` as given (its `page` is ignored), `sort` as parsed from it.
    pub fn new(path: &'static str, mut raw: RawQuery, sort: Option<Sort>, limit: i64) -> Self {
        raw.page = None;
        let sort = sort.map_or(String::new(), |s| {
            format!(
                "{}|{}",
                s.column.as_str(),
                if s.descending { "desc" } else { "asc" }
            )
        });
        let scope = format!("{path}|{sort}|{}", raw.filter_only());
        Listing {
            path,
            raw,
            scope,
            limit,
        }
    }

    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// The key a `cursor` parameter holds, if one was given.
    pub fn after<K: serde::de::DeserializeOwned>(
        &self,
        cursor: Option<&str>,
    ) -> Result<Option<K>, QueryError> {
        match cursor.map(str::trim) {
            None | Some("") => Ok(None),
            Some(c) => cursor::decode(&self.scope, c).map(Some),
        }
    }

    /// The link to the rows after `last`, when more follow.
    pub fn next<K: Serialize>(&self, last: Option<K>, more: bool) -> Option<String> {
        let last = last.filter(|_| more)?;
        let query = self.raw.to_query_string();
        let sep = if query.is_empty() { '?' } else { '&' };
        Some(format!(
            "{}{query}{sep}limit={}&cursor={}",
            self.path,
            self.limit,
            cursor::encode(&self.scope, &last)
        ))
    }
}

/// A cursor that decoded but does not fit the sort it claims.
pub fn misfit() -> ApiError {
    QueryError {
        param: "cursor",
        problem: "the cursor belongs to another sort; pass the cursor of a `next` link unchanged"
            .to_owned(),
    }
    .into()
}

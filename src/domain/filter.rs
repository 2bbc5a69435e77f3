//! What a reader narrows the timeline and the item table to: the query
//! string as typed ([`RawQuery`]) and what it parses into — a valid
//! [`Filter`], a [`Sort`] and a page — or a [`QueryError`] naming the
//! parameter that is wrong. Saved-filter subscriptions store the filter
//! part of the same query string.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{EventDate, Jurisdiction, Kind, Phase, SearchQuery, Tag};

/// What a reader narrowed the view to. Every part is optional and valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub jurisdiction: Option<Jurisdiction>,
    pub kind: Option<Kind>,
    pub tag: Option<Tag>,
    pub phase: Option<Phase>,
    /// First day included (an event known only to a month or year is in
    /// when its period overlaps the range).
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
    pub q: Option<SearchQuery>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Whether the filter narrows by the item (not only by the event).
    pub fn has_item_conditions(&self) -> bool {
        self.kind.is_some() || self.jurisdiction.is_some() || self.tag.is_some() || self.q.is_some()
    }
}

/// Columns the item table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    Title,
    Kind,
    Jurisdiction,
    Status,
    Phase,
    #[default]
    LastEvent,
}

impl SortColumn {
    pub const ALL: [SortColumn; 6] = [
        SortColumn::Title,
        SortColumn::Kind,
        SortColumn::Jurisdiction,
        SortColumn::Status,
        SortColumn::Phase,
        SortColumn::LastEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Title => "title",
            SortColumn::Kind => "kind",
            SortColumn::Jurisdiction => "jurisdiction",
            SortColumn::Status => "status",
            SortColumn::Phase => "phase",
            SortColumn::LastEvent => "last-event",
        }
    }

    pub fn parse(s: &str) -> Option<SortColumn> {
        SortColumn::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The direction a first click sorts in: dates newest first, text A to Z.
    pub fn default_descending(self) -> bool {
        self == SortColumn::LastEvent
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            column: SortColumn::LastEvent,
            descending: true,
        }
    }
}

/// A parameter that does not parse, and why; shown to the reader as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub param: &'static str,
    pub problem: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Parameter \"{}\": {}", self.param, self.problem)
    }
}

impl std::error::Error for QueryError {}

fn bad(param: &'static str, problem: impl fmt::Display) -> QueryError {
    QueryError {
        param,
        problem: problem.to_string(),
    }
}

/// The query string as typed. Empty values mean "no filter" (that is what a
/// form with an unselected menu sends). Unknown parameters are ignored.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawQuery {
    #[serde(skip_serializing_if = "is_blank")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub jurisdiction: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub sort: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub dir: Option<String>,
    #[serde(skip_serializing_if = "is_blank")]
    pub page: Option<String>,
}

fn is_blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Longest search text considered.
const MAX_Q_LEN: usize = 200;
/// Deepest page served; beyond it, narrow the filter instead.
const MAX_PAGE: i64 = 10_000;

impl RawQuery {
    /// A query string, with or without its `?`.
    pub fn parse(query: &str) -> Result<RawQuery, serde_urlencoded::de::Error> {
        serde_urlencoded::from_str(query.trim_start_matches('?'))
    }

    /// Every parameter with its name.
    fn params(&self) -> [(&'static str, &Option<String>); 10] {
        [
            ("q", &self.q),
            ("jurisdiction", &self.jurisdiction),
            ("kind", &self.kind),
            ("tag", &self.tag),
            ("phase", &self.phase),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
            ("dir", &self.dir),
            ("page", &self.page),
        ]
    }

    pub fn filter(&self) -> Result<Filter, QueryError> {
        // Nothing typed into a search holds control characters; refusing
        // them here keeps them out of queries and of the links of the page.
        for (name, value) in self.params() {
            if let Some(c) = value
                .as_deref()
                .and_then(|v| v.chars().find(|c| c.is_control()))
            {
                return Err(bad(
                    name,
                    format!(
                        "contains an invisible control character (U+{:04X})",
                        u32::from(c)
                    ),
                ));
            }
        }
        let q = match present(&self.q) {
            Some(text) if text.chars().count() > MAX_Q_LEN => {
                return Err(bad(
                    "q",
                    format!("search text is limited to {MAX_Q_LEN} characters"),
                ))
            }
            Some(text) => SearchQuery::parse(text),
            None => None,
        };
        let from = present(&self.from)
            .map(|s| s.parse::<EventDate>().map(|d| d.start()))
            .transpose()
            .map_err(|e| bad("from", e))?;
        let to = present(&self.to)
            .map(|s| s.parse::<EventDate>().map(|d| d.end()))
            .transpose()
            .map_err(|e| bad("to", e))?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(bad("from", "the start of the date range is after its end"));
            }
        }
        Ok(Filter {
            jurisdiction: present(&self.jurisdiction)
                .map(Jurisdiction::try_from)
                .transpose()
                .map_err(|e| bad("jurisdiction", e))?,
            kind: present(&self.kind)
                .map(str::parse::<Kind>)
                .transpose()
                .map_err(|e| bad("kind", e))?,
            tag: present(&self.tag)
                .map(Tag::try_from)
                .transpose()
                .map_err(|e| bad("tag", e))?,
            phase: present(&self.phase)
                .map(str::parse::<Phase>)
                .transpose()
                .map_err(|e| bad("phase", e))?,
            from,
            to,
            q,
        })
    }

    pub fn page(&self) -> Result<i64, QueryError> {
        match present(&self.page) {
            None => Ok(1),
            Some(p) => match p.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
                _ => Err(bad(
                    "page",
                    format!("a page is a number from 1 to {MAX_PAGE}"),
                )),
            },
        }
    }

    pub fn sort(&self) -> Result<Sort, QueryError> {
        let column = match present(&self.sort) {
            None => return Ok(Sort::default()),
            Some(s) => SortColumn::parse(s).ok_or_else(|| {
                bad(
                    "sort",
                    format!(
                        "sort by one of: {}",
                        SortColumn::ALL.map(SortColumn::as_str).join(", ")
                    ),
                )
            })?,
        };
        let descending = match present(&self.dir) {
            None => column.default_descending(),
            Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(bad("dir", "a direction is asc or desc")),
        };
        Ok(Sort { column, descending })
    }

    /// This query with another page, as a query string (`?…`).
    pub fn with_page(&self, page: i64) -> String {
        let mut q = self.clone();
        q.page = (page > 1).then(|| page.to_string());
        q.to_query_string()
    }

    /// This query sorted by a column (first page), as a query string.
    pub fn with_sort(&self, column: SortColumn, descending: bool) -> String {
        let mut q = self.clone();
        q.page = None;
        q.sort = Some(column.as_str().to_owned());
        q.dir = Some(if descending { "desc" } else { "asc" }.to_owned());
        q.to_query_string()
    }

    /// Only the filter parameters (no sort or page), as a query string.
    pub fn filter_only(&self) -> String {
        let mut q = self.clone();
        q.page = None;
        q.sort = None;
        q.dir = None;
        q.to_query_string()
    }

    pub fn to_query_string(&self) -> String {
        let s = serde_urlencoded::to_string(self).unwrap_or_default();
        if s.is_empty() {
            s
        } else {
            format!("?{s}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &str) -> RawQuery {
        RawQuery::parse(pairs).unwrap()
    }

    #[test]
    fn empty_values_mean_no_filter() {
        let f = raw("kind=&phase=&q=&from=").filter().unwrap();
        assert!(f.is_empty());
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (query, param) in [
            ("kind=treaty", "kind"),
            ("phase=done", "phase"),
            ("from=2025-02-30", "from"),
            ("to=yesterday", "to"),
            ("jurisdiction=us%20or%201=1", "jurisdiction"),
            ("from=2025-03&to=2025-01", "from"),
            ("q=chips%00", "q"),
            ("q=a%0D%0Ab", "q"),
            ("tag=ai%1B", "tag"),
            ("sort=title%07", "sort"),
        ] {
            let err = raw(query).filter().unwrap_err();
            assert_eq!(err.param, param, "{query}: {err}");
            assert!(err
                .to_string()
                .starts_with(&format!("Parameter \"{param}\": ")));
        }
        assert!(raw("page=0").page().is_err());
        assert!(raw("page=abc").page().is_err());
        assert!(raw("sort=colour").sort().is_err());
    }

    #[test]
    fn a_month_range_covers_the_whole_months() {
        let f = raw("?from=2025-01&to=2025-02").filter().unwrap();
        assert_eq!(f.from.unwrap().to_string(), "2025-01-01");
        assert_eq!(f.to.unwrap().to_string(), "2025-02-28");
    }

    #[test]
    fn links_keep_the_filter_and_change_the_page() {
        let q = raw("kind=bill&page=3&utm_source=x");
        assert_eq!(q.with_page(4), "?kind=bill&page=4");
        assert_eq!(q.with_page(1), "?kind=bill");
        assert_eq!(
            raw("kind=bill&sort=title&page=2").filter_only(),
            "?kind=bill"
        );
    }
}

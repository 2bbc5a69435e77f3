//! Query strings of the reading views: raw text in, a valid `Filter` out, or
//! a 400 that says which parameter is wrong.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::domain::{EventDate, Jurisdiction, Kind, Phase, Tag};
use crate::store::search::SearchQuery;
use crate::store::timeline::{Filter, Sort, SortColumn};

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

fn bad(param: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("Parameter \"{param}\": {problem}"))
}

impl RawQuery {
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

    pub fn filter(&self) -> Result<Filter, AppError> {
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

    pub fn page(&self) -> Result<i64, AppError> {
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

    pub fn sort(&self) -> Result<Sort, AppError> {
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

/// Parses a date filter bound for display purposes.
pub fn date_value(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &str) -> RawQuery {
        serde_urlencoded::from_str(pairs).unwrap()
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
            let err = raw(query).filter().unwrap_err().to_string();
            assert!(err.contains(&format!("\"{param}\"")), "{query}: {err}");
        }
        assert!(raw("page=0").page().is_err());
        assert!(raw("page=abc").page().is_err());
        assert!(raw("sort=colour").sort().is_err());
    }

    #[test]
    fn a_month_range_covers_the_whole_months() {
        let f = raw("from=2025-01&to=2025-02").filter().unwrap();
        assert_eq!(date_value(f.from).unwrap(), "2025-01-01");
        assert_eq!(date_value(f.to).unwrap(), "2025-02-28");
    }

    #[test]
    fn links_keep_the_filter_and_change_the_page() {
        let q = raw("kind=bill&page=3&utm_source=x");
        assert_eq!(q.with_page(4), "?kind=bill&page=4");
        assert_eq!(q.with_page(1), "?kind=bill");
    }
}

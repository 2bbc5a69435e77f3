//! What a subscription follows ([`Scope`]) and how often it is mailed
//! ([`Frequency`]): values that parse from form fields and from the columns
//! that store them (`subscriptions.scope_type`, `scope_value`, `frequency`),
//! where a value that does not parse is an error.

use std::str::FromStr;

use chrono::{Duration, NaiveDateTime};

use super::{text_enum, Filter, InvalidValue, ItemId, Jurisdiction, Kind, RawQuery, Tag};

text_enum! {
    /// How often a subscription is mailed.
    pub enum Frequency {
        Immediate = "immediate",
        Daily = "daily",
        Weekly = "weekly",
    }
}

impl Frequency {
    pub fn label(self) -> &'static str {
        match self {
            Frequency::Immediate => "Immediately, one email per change",
            Frequency::Daily => "Daily digest",
            Frequency::Weekly => "Weekly digest",
        }
    }

    /// The digest period; `None` for immediate.
    pub fn period(self) -> Option<Duration> {
        match self {
            Frequency::Immediate => None,
            Frequency::Daily => Some(Duration::days(1)),
            Frequency::Weekly => Some(Duration::weeks(1)),
        }
    }

    /// When the digest of a period starting at `start` is due; `None` for
    /// immediate.
    pub fn digest_after(self, start: NaiveDateTime) -> Option<NaiveDateTime> {
        self.period().map(|p| start + p)
    }
}

impl FromStr for Frequency {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Frequency::from_name(s.trim())
            .ok_or_else(|| InvalidValue::new("choose immediate, daily or weekly"))
    }
}

text_enum! {
    /// The kinds of [`Scope`], as `subscriptions.scope_type` holds them.
    pub enum ScopeKind {
        All = "all",
        Item = "item",
        Tag = "tag",
        Jurisdiction = "jurisdiction",
        Kind = "kind",
        Filter = "filter",
    }
}

impl FromStr for ScopeKind {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScopeKind::from_name(s.trim()).ok_or_else(|| InvalidValue::new("choose what to follow"))
    }
}

/// A saved filter of the timeline or item table: its canonical query string
/// without the `?` (e.g. `kind=bill&tag=ai`) and what it parses into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFilter {
    query: String,
    filter: Filter,
}

impl SavedFilter {
    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }
}

/// What a subscription follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// One item, by id (slugs can be edited; ids cannot).
    Item(ItemId),
    Tag(Tag),
    Jurisdiction(Jurisdiction),
    Kind(Kind),
    Filter(SavedFilter),
}

impl Scope {
    pub fn kind(&self) -> ScopeKind {
        match self {
            Scope::All => ScopeKind::All,
            Scope::Item(_) => ScopeKind::Item,
            Scope::Tag(_) => ScopeKind::Tag,
            Scope::Jurisdiction(_) => ScopeKind::Jurisdiction,
            Scope::Kind(_) => ScopeKind::Kind,
            Scope::Filter(_) => ScopeKind::Filter,
        }
    }

    /// The value as `subscriptions.scope_value` holds it.
    pub fn value(&self) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Item(id) => id.to_string(),
            Scope::Tag(t) => t.as_str().to_owned(),
            Scope::Jurisdiction(j) => j.as_str().to_owned(),
            Scope::Kind(k) => k.as_str().to_owned(),
            Scope::Filter(f) => f.query.clone(),
        }
    }

    /// A saved filter from a query string (with or without `?`). Only the
    /// filter parameters are kept; an empty filter is everything.
    pub fn filter(query: &str) -> Result<Scope, InvalidValue> {
        let raw = RawQuery::parse(query)
            .map_err(|_| InvalidValue::new("this filter is not a valid query string"))?;
        let filter = raw
            .filter()
            .map_err(|e| InvalidValue::new(format!("this filter is not valid: {e}")))?;
        let canonical = raw.filter_only();
        if canonical.is_empty() {
            Ok(Scope::All)
        } else {
            Ok(Scope::Filter(SavedFilter {
                query: canonical.trim_start_matches('?').to_owned(),
                filter,
            }))
        }
    }

    /// A scope of `kind` following `value`, as the columns hold them (an
    /// item by its id).
    pub fn parse(kind: ScopeKind, value: &str) -> Result<Scope, InvalidValue> {
        Ok(match kind {
            ScopeKind::All => Scope::All,
            ScopeKind::Item => Scope::Item(
                value
                    .parse()
                    .map_err(|_| InvalidValue::new(format!("“{value}” is not an item id")))?,
            ),
            ScopeKind::Tag => Scope::Tag(Tag::try_from(value)?),
            ScopeKind::Jurisdiction => Scope::Jurisdiction(Jurisdiction::try_from(value)?),
            ScopeKind::Kind => Scope::Kind(value.parse()?),
            ScopeKind::Filter => Scope::filter(value)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_columns() {
        for scope in [
            Scope::All,
            Scope::Item(ItemId(7)),
            Scope::Tag(Tag::try_from("ai").unwrap()),
            Scope::Jurisdiction(Jurisdiction::try_from("US").unwrap()),
            Scope::Kind(Kind::Deal),
            Scope::filter("?tag=ai&kind=bill&page=2").unwrap(),
        ] {
            let stored = ScopeKind::from_name(scope.kind().as_str()).unwrap();
            assert_eq!(Scope::parse(stored, &scope.value()).unwrap(), scope);
        }
    }

    #[test]
    fn a_saved_filter_keeps_only_its_filter() {
        let Scope::Filter(f) = Scope::filter("?kind=bill&sort=title&page=3&utm=x").unwrap() else {
            panic!("a filter");
        };
        assert_eq!(f.query(), "kind=bill");
        assert_eq!(f.filter().kind, Some(Kind::Bill));
        assert_eq!(Scope::filter("?page=2").unwrap(), Scope::All);
        assert!(Scope::filter("kind=treaty").is_err());
    }

    #[test]
    fn stored_values_that_do_not_parse_are_errors() {
        assert!(Frequency::from_name("hourly").is_none());
        assert!(ScopeKind::from_name("everything").is_none());
        assert!(Scope::parse(ScopeKind::Item, "seven").is_err());
        assert!(Scope::parse(ScopeKind::Kind, "treaty").is_err());
    }
}

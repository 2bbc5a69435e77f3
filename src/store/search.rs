//! Full-text search over titles, identifiers, summary, parties and event
//! notes: SQLite FTS5 or a PostgreSQL `tsvector` with a GIN index.
//!
//! Both backends index the same normalised document (lower-case words split
//! on anything that is not a letter or digit) and answer the same query
//! (every word, as a prefix), so a search finds the same items on either.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use super::{DbConnection, DbError};
use crate::db::{Backend, Db};
use crate::schema::{item_identifiers, item_parties, items, status_events};

/// Most words a search uses; the rest are ignored.
const MAX_TERMS: usize = 12;

/// A reader's search words, normalised. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// `None` when the text holds no searchable word.
    pub fn parse(text: &str) -> Option<SearchQuery> {
        let terms: Vec<String> = words(text).take(MAX_TERMS).collect();
        (!terms.is_empty()).then_some(SearchQuery { terms })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    fn fts5_match(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("'{t}':*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// SQL condition "items.id is among the matches", for either backend.
    pub fn matches_item<QS: 'static>(
        &self,
        backend: Backend,
    ) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
        self.condition(backend, "items.id")
    }

    /// The same condition written so SQLite cannot drive a join from it
    /// (`+items.id`): for scans that must follow another index's order.
    pub fn matches_item_unindexed<QS: 'static>(
        &self,
        backend: Backend,
    ) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
        self.condition(backend, "+items.id")
    }

    fn condition<QS: 'static>(
        &self,
        backend: Backend,
        column: &str,
    ) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
        match backend {
            Backend::Sqlite => Box::new(
                sql::<Bool>(&format!(
                    "{column} IN (SELECT rowid FROM item_search WHERE item_search MATCH "
                ))
                .bind::<Text, _>(self.fts5_match())
                .sql(")"),
            ),
            Backend::Postgres => Box::new(
                sql::<Bool>(&format!(
                    "{column} IN (SELECT item_id FROM item_search WHERE document @@ to_tsquery('simple', "
                ))
                .bind::<Text, _>(self.tsquery())
                .sql("))"),
            ),
        }
    }
}

/// Lower-case words: runs of letters and digits. Quotes and operators cannot
/// survive this, so a query built from them is always well formed.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

fn normalise(text: &str) -> String {
    words(text).collect::<Vec<_>>().join(" ")
}

/// Rebuilds the search document of one item from its current fields and
/// events. Call in the same transaction as any change to them.
pub fn refresh(conn: &mut DbConnection, item_id: i32) -> Result<(), DbError> {
    let (title, short_title, original_title, summary): (
        String,
        Option<String>,
        Option<String>,
        String,
    ) = items::table
        .find(item_id)
        .select((
            items::title,
            items::short_title,
            items::original_title,
            items::summary,
        ))
        .first(conn)?;
    let identifiers: Vec<String> = item_identifiers::table
        .filter(item_identifiers::item_id.eq(item_id))
        .select(item_identifiers::value)
        .load(conn)?;
    let parties: Vec<String> = item_parties::table
        .filter(item_parties::item_id.eq(item_id))
        .select(item_parties::name)
        .load(conn)?;
    let notes: Vec<String> = status_events::table
        .filter(status_events::item_id.eq(item_id))
        .filter(status_events::retracted.eq(false))
        .select(status_events::note)
        .load(conn)?;
    let mut document = vec![
        title,
        short_title.unwrap_or_default(),
        original_title.unwrap_or_default(),
    ];
    document.extend(identifiers);
    document.push(summary);
    document.extend(parties);
    document.extend(notes);
    let document = normalise(&document.join(" "));

    match conn.backend() {
        Backend::Sqlite => {
            diesel::sql_query("DELETE FROM item_search WHERE rowid = ?")
                .bind::<Integer, _>(item_id)
                .execute(conn)?;
            diesel::sql_query("INSERT INTO item_search (rowid, document) VALUES (?, ?)")
                .bind::<Integer, _>(item_id)
                .bind::<Text, _>(&document)
                .execute(conn)?;
        }
        Backend::Postgres => {
            diesel::sql_query(
                "INSERT INTO item_search (item_id, document) VALUES ($1, to_tsvector('simple', $2)) \
                 ON CONFLICT (item_id) DO UPDATE SET document = EXCLUDED.document",
            )
            .bind::<Integer, _>(item_id)
            .bind::<Text, _>(&document)
            .execute(conn)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_keep_only_words() {
        let q = SearchQuery::parse("S.321 \"AI\" OR* (NEAR) '; drop").unwrap();
        assert_eq!(q.terms(), ["s", "321", "ai", "or", "near", "drop"]);
        assert_eq!(
            q.fts5_match(),
            "\"s\"* \"321\"* \"ai\"* \"or\"* \"near\"* \"drop\"*"
        );
        assert_eq!(
            q.tsquery(),
            "'s':* & '321':* & 'ai':* & 'or':* & 'near':* & 'drop':*"
        );
        assert!(SearchQuery::parse("  -- ** ").is_none());
    }

    #[test]
    fn chinese_text_is_kept_as_words() {
        let q = SearchQuery::parse("生成式人工智能").unwrap();
        assert_eq!(q.terms(), ["生成式人工智能"]);
    }
}

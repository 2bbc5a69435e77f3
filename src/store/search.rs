//! Full-text search over titles, identifiers, summary, parties and event
//! notes: SQLite FTS5 or a PostgreSQL `tsvector` with a GIN index.
//!
//! Both backends index the same normalised document (lower-case words split
//! on anything that is not a letter or digit) and answer the same query
//! (every word, as a prefix), so a search finds the same items on either.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};

use super::{DbConnection, DbError};
use crate::db::{Backend, Db};
use crate::domain::{normalise_search_text, ItemId, SearchQuery};
use crate::schema::{item_identifiers, item_parties, items, status_events};

/// The query as SQLite's FTS5 reads it: every word, as a prefix.
fn fts5_match(q: &SearchQuery) -> String {
    q.terms()
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The query as PostgreSQL's `to_tsquery` reads it: every word, as a prefix.
fn tsquery(q: &SearchQuery) -> String {
    q.terms()
        .iter()
        .map(|t| format!("'{t}':*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// SQL condition "items.id is among the matches", for either backend.
pub fn matches_item<QS: 'static>(
    q: &SearchQuery,
    backend: Backend,
) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
    condition(q, backend, "items.id")
}

/// The same condition written so SQLite cannot drive a join from it
/// (`+items.id`): for scans that must follow another index's order.
pub fn matches_item_unindexed<QS: 'static>(
    q: &SearchQuery,
    backend: Backend,
) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
    condition(q, backend, "+items.id")
}

/// Above this many, [`Found::condition`] names the search rather than the
/// items it found.
const LISTED: usize = 5_000;

/// The items a search finds, read from the index at most once however
/// many queries of one request need them.
///
/// SQLite's FTS5 lists every match of a word used as a prefix (some
/// 60,000 items for a common word) each time a statement asks, and that
/// listing is most of what a search page costs. A page that shows the
/// timeline and its "Coming up" box asks twice; with one `Found` the
/// list is read once and the walks check their rows against it here.
#[derive(Debug, Default)]
pub struct Found {
    read: Option<(SearchQuery, Vec<i32>)>,
}

impl Found {
    /// Whether the rows of a walk are best checked here (SQLite) rather
    /// than in the query (PostgreSQL, whose GIN index lists matches
    /// cheaply).
    pub fn checks_walks(backend: Backend) -> bool {
        backend == Backend::Sqlite
    }

    /// The matching items' ids, ascending.
    pub fn ids(&mut self, conn: &mut DbConnection, q: &SearchQuery) -> Result<&[i32], DbError> {
        if self.read.as_ref().is_none_or(|(read, _)| read != q) {
            let ids = match conn.backend() {
                Backend::Sqlite => diesel::sql_query(
                    "SELECT rowid AS id FROM item_search WHERE item_search MATCH ? ORDER BY rowid",
                )
                .bind::<Text, _>(fts5_match(q))
                .load::<Id>(conn)?,
                Backend::Postgres => diesel::sql_query(
                    "SELECT item_id AS id FROM item_search \
                     WHERE document @@ to_tsquery('simple', $1) ORDER BY item_id",
                )
                .bind::<Text, _>(tsquery(q))
                .load::<Id>(conn)?,
            };
            self.read = Some((q.clone(), ids.into_iter().map(|r| r.id).collect()));
        }
        Ok(self
            .read
            .as_ref()
            .map(|(_, ids)| ids.as_slice())
            .unwrap_or(&[]))
    }

    /// How many items match, counting no further than `limit` (see
    /// [`count_matches_up_to`]); free once the list is read.
    pub fn count_up_to(
        &mut self,
        conn: &mut DbConnection,
        q: &SearchQuery,
        limit: i64,
    ) -> Result<i64, DbError> {
        match &self.read {
            Some((read, ids)) if read == q => Ok((ids.len() as i64).min(limit)),
            _ => count_matches_up_to(conn, q, limit),
        }
    }

    /// The matching items' ids when a query is best given them rather
    /// than the search: on SQLite, when they are few (the index read
    /// once, not once per statement).
    pub fn listed(
        &mut self,
        conn: &mut DbConnection,
        q: &SearchQuery,
    ) -> Result<Option<Vec<i32>>, DbError> {
        if !Found::checks_walks(conn.backend()) {
            return Ok(None);
        }
        // Counted first when not yet read: the many matches of a common
        // word are not worth reading only to learn they are many.
        if self.count_up_to(conn, q, LISTED as i64 + 1)? > LISTED as i64 {
            return Ok(None);
        }
        let ids = self.ids(conn, q)?;
        Ok((ids.len() <= LISTED).then(|| ids.to_vec()))
    }
}

/// How a query narrows to the items of a search.
pub enum TextCondition<'q> {
    /// The search itself ([`matches_item`]).
    Search(&'q SearchQuery),
    /// The search, kept from driving the join ([`matches_item_unindexed`]).
    Unindexed(&'q SearchQuery),
    /// The items it found.
    Listed(Vec<i32>),
}

impl TextCondition<'_> {
    pub fn condition<QS: 'static>(
        &self,
        backend: Backend,
    ) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>>
    where
        items::id: SelectableExpression<QS>,
    {
        match self {
            TextCondition::Search(q) => matches_item(q, backend),
            TextCondition::Unindexed(q) => matches_item_unindexed(q, backend),
            TextCondition::Listed(ids) => Box::new(items::id.eq_any(ids.clone())),
        }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

fn condition<QS: 'static>(
    q: &SearchQuery,
    backend: Backend,
    column: &str,
) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
    match backend {
        Backend::Sqlite => Box::new(
            sql::<Bool>(&format!(
                "{column} IN (SELECT rowid FROM item_search WHERE item_search MATCH "
            ))
            .bind::<Text, _>(fts5_match(q))
            .sql(")"),
        ),
        Backend::Postgres => Box::new(
            sql::<Bool>(&format!(
                "{column} IN (SELECT item_id FROM item_search WHERE document @@ to_tsquery('simple', "
            ))
            .bind::<Text, _>(tsquery(q))
            .sql("))"),
        ),
    }
}

/// How many items match `q`, counting no further than `limit`: cheap when
/// the limit is small, however many items match.
pub fn count_matches_up_to(
    conn: &mut DbConnection,
    q: &SearchQuery,
    limit: i64,
) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let counted: Count = match conn.backend() {
        Backend::Sqlite => diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT rowid FROM item_search \
             WHERE item_search MATCH ? LIMIT ?)",
        )
        .bind::<Text, _>(fts5_match(q))
        .bind::<BigInt, _>(limit)
        .get_result(conn)?,
        Backend::Postgres => diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM item_search \
             WHERE document @@ to_tsquery('simple', $1) LIMIT $2) AS m",
        )
        .bind::<Text, _>(tsquery(q))
        .bind::<BigInt, _>(limit)
        .get_result(conn)?,
    };
    Ok(counted.n)
}

/// Rebuilds the search document of one item from its current fields and
/// events. Call in the same transaction as any change to them.
pub fn refresh(conn: &mut DbConnection, item_id: ItemId) -> Result<(), DbError> {
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
    let document = normalise_search_text(&document.join(" "));

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
    fn queries_become_prefix_matches_on_both_backends() {
        let q = SearchQuery::parse("S.321 \"AI\" OR* (NEAR) '; drop").unwrap();
        assert_eq!(
            fts5_match(&q),
            "\"s\"* \"321\"* \"ai\"* \"or\"* \"near\"* \"drop\"*"
        );
        assert_eq!(
            tsquery(&q),
            "'s':* & '321':* & 'ai':* & 'or':* & 'near':* & 'drop':*"
        );
    }
}

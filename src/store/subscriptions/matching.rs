//! Which confirmed subscriptions an item is in the scope of, as the item is
//! now: the one matcher behind the alerts a change owes, the reminders a
//! milestone owes and the milestones a digest lists.

use std::collections::HashMap;

use diesel::prelude::*;

use super::SubscriptionRow;
use crate::db::{DbConnection, DbError};
use crate::domain::{ItemId, Scope, ScopeKind};
use crate::schema::{items, subscriptions};
use crate::store::timeline;

/// What scopes are matched against: the item's kind, jurisdiction and tags.
#[derive(Debug, Clone)]
pub struct ItemFacts {
    pub id: ItemId,
    pub kind: String,
    pub jurisdiction: String,
    pub tags: Vec<String>,
}

impl ItemFacts {
    /// The item as it is now; `None` if there is no such item.
    pub fn load(conn: &mut DbConnection, id: ItemId) -> Result<Option<ItemFacts>, DbError> {
        let Some((kind, jurisdiction)) = items::table
            .find(id)
            .select((items::kind, items::jurisdiction))
            .first::<(String, String)>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        Ok(Some(ItemFacts {
            id,
            kind,
            jurisdiction,
            tags: crate::store::item_lists::tags_of(conn, id)?,
        }))
    }
}

/// Decides whether scopes cover items, asking the database once per saved
/// filter and item.
#[derive(Debug, Default)]
pub struct Matcher {
    filters: HashMap<(String, ItemId), bool>,
}

impl Matcher {
    /// Whether `scope` covers the item.
    pub fn matches(
        &mut self,
        conn: &mut DbConnection,
        scope: &Scope,
        item: &ItemFacts,
    ) -> Result<bool, DbError> {
        Ok(match scope {
            Scope::All => true,
            Scope::Item(id) => *id == item.id,
            Scope::Tag(t) => item.tags.iter().any(|x| x == t.as_str()),
            Scope::Jurisdiction(j) => item.jurisdiction == j.as_str(),
            Scope::Kind(k) => item.kind == k.as_str(),
            Scope::Filter(f) => {
                let key = (f.query().to_owned(), item.id);
                match self.filters.get(&key) {
                    Some(&m) => m,
                    None => {
                        let m = timeline::item_matches(conn, f.filter(), item.id)?;
                        self.filters.insert(key, m);
                        m
                    }
                }
            }
        })
    }
}

/// The confirmed subscriptions (of every frequency) whose scope covers the
/// item as it is now, by id. A subscription whose stored scope no longer
/// parses is skipped with a warning.
pub fn matching(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<SubscriptionRow>, DbError> {
    let Some(item) = ItemFacts::load(conn, item_id)? else {
        return Ok(Vec::new());
    };
    let mut matcher = Matcher::default();
    let mut found = Vec::new();
    for s in candidates(conn, &item)? {
        let scope = match s.scope() {
            Ok(scope) => scope,
            Err(e) => {
                tracing::warn!(subscription = %s.id, error = %e, "subscription skipped: its stored scope does not parse");
                continue;
            }
        };
        if matcher.matches(conn, &scope, &item)? {
            found.push(s);
        }
    }
    Ok(found)
}

/// The confirmed subscriptions this item can match, found by the scope
/// index; saved filters are all candidates and are checked one by one.
fn candidates(conn: &mut DbConnection, item: &ItemFacts) -> Result<Vec<SubscriptionRow>, DbError> {
    let (t, v) = (subscriptions::scope_type, subscriptions::scope_value);
    Ok(subscriptions::table
        .filter(subscriptions::confirmed_at.is_not_null())
        .filter(
            t.eq(ScopeKind::All)
                .or(t.eq(ScopeKind::Item).and(v.eq(item.id.to_string())))
                .or(t.eq(ScopeKind::Tag).and(v.eq_any(&item.tags)))
                .or(t.eq(ScopeKind::Jurisdiction).and(v.eq(&item.jurisdiction)))
                .or(t.eq(ScopeKind::Kind).and(v.eq(&item.kind)))
                .or(t.eq(ScopeKind::Filter)),
        )
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

//! The fan-out of a change: what it owes each confirmed subscription whose
//! scope the changed item is in.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::SubscriptionRow;
use crate::db::{DbConnection, DbError};
use crate::domain::{ChangeId, Frequency, ItemId, Scope, ScopeKind};
use crate::schema::{digest_entries, items, subscriptions};
use crate::store::{deliveries, timeline};

/// What scopes are matched against: the item as it is after the change.
struct ItemFacts {
    id: ItemId,
    kind: String,
    jurisdiction: String,
    tags: Vec<String>,
}

/// Queues what one change owes: an alert delivery for every matching
/// confirmed immediate subscription, a digest entry for every matching
/// confirmed digest subscription. Call it right after recording the change,
/// in its transaction, after the item's fields, tags, derived status and
/// search document are written (every writer records its change last), so
/// saved filters are matched against the item as it is after the change.
/// Returns how many subscriptions it queued for.
pub fn fan_out(
    conn: &mut DbConnection,
    change_id: ChangeId,
    item_id: ItemId,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    fan_out_as(conn, change_id, item_id, now, Alerting::Immediate)
}

/// Whether a change is worth an immediate alert. A minor correction (a
/// typo, a better source link) is only told in digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alerting {
    /// Immediate subscriptions get an alert, digests an entry.
    Immediate,
    /// Digests only: immediate subscriptions are not alerted.
    DigestOnly,
}

/// [`fan_out`], for a change that may be minor.
pub fn fan_out_as(
    conn: &mut DbConnection,
    change_id: ChangeId,
    item_id: ItemId,
    now: NaiveDateTime,
    alerting: Alerting,
) -> Result<usize, DbError> {
    let Some((kind, jurisdiction)) = items::table
        .find(item_id)
        .select((items::kind, items::jurisdiction))
        .first::<(String, String)>(conn)
        .optional()?
    else {
        return Ok(0);
    };
    let facts = ItemFacts {
        id: item_id,
        kind,
        jurisdiction,
        tags: crate::store::item_lists::tags_of(conn, item_id)?,
    };
    let mut filter_matches: HashMap<String, bool> = HashMap::new();
    let mut queued = 0;
    for s in candidates(conn, &facts)? {
        let scope = match s.scope() {
            Ok(scope) => scope,
            Err(e) => {
                tracing::warn!(subscription = %s.id, error = %e, "subscription skipped: its stored scope does not parse");
                continue;
            }
        };
        let matches = match &scope {
            Scope::All => true,
            Scope::Item(id) => *id == facts.id,
            Scope::Tag(t) => facts.tags.iter().any(|x| x == t.as_str()),
            Scope::Jurisdiction(j) => facts.jurisdiction == j.as_str(),
            Scope::Kind(k) => facts.kind == k.as_str(),
            Scope::Filter(f) => match filter_matches.get(f.query()) {
                Some(&m) => m,
                None => {
                    let m = timeline::item_matches(conn, f.filter(), facts.id)?;
                    filter_matches.insert(f.query().to_owned(), m);
                    m
                }
            },
        };
        if !matches {
            continue;
        }
        match s.frequency {
            Frequency::Immediate if alerting == Alerting::DigestOnly => continue,
            Frequency::Immediate => {
                deliveries::enqueue_alert(conn, s.id, change_id, now)?;
            }
            Frequency::Daily | Frequency::Weekly => {
                diesel::insert_into(digest_entries::table)
                    .values((
                        digest_entries::subscription_id.eq(s.id),
                        digest_entries::change_id.eq(change_id),
                    ))
                    .execute(conn)?;
            }
        }
        queued += 1;
    }
    Ok(queued)
}

/// The confirmed subscriptions this item can match, found by the scope
/// index; saved filters are all candidates and are checked one by one.
fn candidates(conn: &mut DbConnection, facts: &ItemFacts) -> Result<Vec<SubscriptionRow>, DbError> {
    let (t, v) = (subscriptions::scope_type, subscriptions::scope_value);
    Ok(subscriptions::table
        .filter(subscriptions::confirmed_at.is_not_null())
        .filter(
            t.eq(ScopeKind::All)
                .or(t.eq(ScopeKind::Item).and(v.eq(facts.id.to_string())))
                .or(t.eq(ScopeKind::Tag).and(v.eq_any(&facts.tags)))
                .or(t.eq(ScopeKind::Jurisdiction).and(v.eq(&facts.jurisdiction)))
                .or(t.eq(ScopeKind::Kind).and(v.eq(&facts.kind)))
                .or(t.eq(ScopeKind::Filter)),
        )
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

//! Subscriptions: an address, a scope, a frequency, a confirmation state and
//! secret tokens; and the fan-out of each change into the outbox.
//!
//! Tokens are 32 random bytes (64 hex characters). Only their SHA-256 is
//! stored, so a copy of the database gives no usable link. A token is issued
//! each time an email carrying it is composed, so every email has its own.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::deliveries::DeliveryStatus;
use super::limits::{self, Decision, Rule};
use super::timeline::{self, Filter};
use super::{insert_unless_duplicate, DbConnection, DbError};
use crate::domain::{
    text_enum, ChangeId, EmailAddress, InvalidValue, ItemId, Jurisdiction, Kind, SubscriptionId,
    Tag,
};
use crate::schema::{
    deliveries, digest_entries, items, subscribers, subscription_tokens, subscriptions,
};
use crate::web::filters::RawQuery;

/// What a subscription follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    /// One item, by id (slugs can be edited; ids cannot).
    Item(i32),
    Tag(Tag),
    Jurisdiction(Jurisdiction),
    Kind(Kind),
    /// A saved filter of the timeline or item table: its canonical query
    /// string without the `?` (e.g. `kind=bill&tag=ai`).
    Filter(String),
}

impl Scope {
    pub fn type_str(&self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Item(_) => "item",
            Scope::Tag(_) => "tag",
            Scope::Jurisdiction(_) => "jurisdiction",
            Scope::Kind(_) => "kind",
            Scope::Filter(_) => "filter",
        }
    }

    pub fn value(&self) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Item(id) => id.to_string(),
            Scope::Tag(t) => t.as_str().to_owned(),
            Scope::Jurisdiction(j) => j.as_str().to_owned(),
            Scope::Kind(k) => k.as_str().to_owned(),
            Scope::Filter(q) => q.clone(),
        }
    }

    /// A saved filter from a query string (with or without `?`). Only the
    /// filter parameters are kept; an empty filter is everything.
    pub fn filter(query: &str) -> Result<Scope, InvalidValue> {
        let raw: RawQuery = serde_urlencoded::from_str(query.trim_start_matches('?'))
            .map_err(|_| InvalidValue::new("this filter is not a valid query string"))?;
        raw.filter()
            .map_err(|e| InvalidValue::new(format!("this filter is not valid: {e}")))?;
        let canonical = raw.filter_only();
        if canonical.is_empty() {
            Ok(Scope::All)
        } else {
            Ok(Scope::Filter(canonical.trim_start_matches('?').to_owned()))
        }
    }

    /// A stored scope; `None` if the row holds something no longer valid.
    pub fn from_parts(scope_type: &str, value: &str) -> Option<Scope> {
        Some(match scope_type {
            "all" => Scope::All,
            "item" => Scope::Item(value.parse().ok()?),
            "tag" => Scope::Tag(Tag::try_from(value).ok()?),
            "jurisdiction" => Scope::Jurisdiction(Jurisdiction::try_from(value).ok()?),
            "kind" => Scope::Kind(value.parse().ok()?),
            "filter" => match Scope::filter(value).ok()? {
                Scope::Filter(q) => Scope::Filter(q),
                _ => Scope::All,
            },
            _ => return None,
        })
    }

    /// The parsed filter of a `Filter` scope.
    fn parsed_filter(query: &str) -> Option<Filter> {
        let raw: RawQuery = serde_urlencoded::from_str(query).ok()?;
        raw.filter().ok()
    }

    /// Words for pages and emails ("the tag ai", "everything").
    pub fn describe(&self, conn: &mut DbConnection) -> Result<String, DbError> {
        Ok(match self {
            Scope::All => "every change to every item".to_owned(),
            Scope::Item(id) => {
                let title: Option<String> = items::table
                    .find(id)
                    .select(items::title)
                    .first(conn)
                    .optional()?;
                match title {
                    Some(t) => format!("the item “{t}”"),
                    None => "an item that no longer exists".to_owned(),
                }
            }
            Scope::Tag(t) => format!("items tagged “{}”", t.as_str()),
            Scope::Jurisdiction(j) => format!("items of jurisdiction {}", j.as_str()),
            Scope::Kind(k) => format!("items of kind “{}”", k.label()),
            Scope::Filter(q) => format!("items matching the filter {}", describe_filter(q)),
        })
    }
}

fn describe_filter(query: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs
        .iter()
        .map(|(k, v)| match k.as_str() {
            "q" => format!("search “{v}”"),
            "from" => format!("from {v}"),
            "to" => format!("to {v}"),
            _ => format!("{k} {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

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
}

impl FromStr for Frequency {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Frequency::from_name(s.trim())
            .ok_or_else(|| InvalidValue::new("choose immediate, daily or weekly"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: i32,
    pub subscriber_id: i32,
    pub scope_type: String,
    pub scope_value: String,
    pub frequency: Frequency,
    pub confirmed_at: Option<NaiveDateTime>,
    pub next_digest_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl SubscriptionRow {
    pub fn scope(&self) -> Option<Scope> {
        Scope::from_parts(&self.scope_type, &self.scope_value)
    }
}

// ---------------------------------------------------------------- tokens

text_enum! {
    /// What a token lets its holder do.
    pub enum TokenPurpose {
        Confirm = "confirm",
        Unsubscribe = "unsubscribe",
        Manage = "manage",
    }
}

pub const TOKEN_LEN: usize = 64;

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether text has the shape of a token (so anything else is refused
/// before touching the database).
pub fn looks_like_token(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Issues a new token and stores its hash; returns the token itself, which
/// only the email it goes into will ever hold.
pub fn issue_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    subscriber_id: i32,
    subscription_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<String, DbError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    diesel::insert_into(subscription_tokens::table)
        .values((
            subscription_tokens::token_hash.eq(hash_token(&token)),
            subscription_tokens::purpose.eq(purpose),
            subscription_tokens::subscriber_id.eq(subscriber_id),
            subscription_tokens::subscription_id.eq(subscription_id),
            subscription_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The subscriber and subscription a token belongs to.
fn find_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<(i32, Option<i32>)>, DbError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    Ok(subscription_tokens::table
        .filter(subscription_tokens::token_hash.eq(hash_token(&token.to_ascii_lowercase())))
        .filter(subscription_tokens::purpose.eq(purpose))
        .select((
            subscription_tokens::subscriber_id,
            subscription_tokens::subscription_id,
        ))
        .first(conn)
        .optional()?)
}

// ---------------------------------------------------------- subscribing

/// How many subscribe requests are allowed in a window.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    pub per_address: i64,
    pub per_client: i64,
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_address: 5,
            per_client: 20,
            window: Duration::hours(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Address,
    Client,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// A new, unconfirmed subscription; a confirmation email is queued.
    Created,
    /// The same address and scope were already waiting for confirmation; the
    /// confirmation email is queued again.
    ConfirmationResent,
    /// Already subscribed and confirmed: nothing is stored or sent.
    AlreadyConfirmed,
    /// Too many requests; nothing is stored.
    RateLimited(Limited),
}

fn subscriber_id_for(
    conn: &mut DbConnection,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    insert_unless_duplicate(conn, |conn| {
        diesel::insert_into(subscribers::table)
            .values((
                subscribers::email.eq(email.as_str()),
                subscribers::created_at.eq(now),
            ))
            .execute(conn)
    })?;
    Ok(subscribers::table
        .filter(subscribers::email.eq(email.as_str()))
        .select(subscribers::id)
        .first(conn)?)
}

fn find_subscription(
    conn: &mut DbConnection,
    subscriber_id: i32,
    scope: &Scope,
) -> Result<Option<SubscriptionRow>, DbError> {
    Ok(subscriptions::table
        .filter(subscriptions::subscriber_id.eq(subscriber_id))
        .filter(subscriptions::scope_type.eq(scope.type_str()))
        .filter(subscriptions::scope_value.eq(scope.value()))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

fn insert_subscription(
    conn: &mut DbConnection,
    subscriber_id: i32,
    scope: &Scope,
    frequency: Frequency,
    confirmed_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    let next_digest_at = confirmed_at.and_then(|at| frequency.period().map(|p| at + p));
    Ok(diesel::insert_into(subscriptions::table)
        .values((
            subscriptions::subscriber_id.eq(subscriber_id),
            subscriptions::scope_type.eq(scope.type_str()),
            subscriptions::scope_value.eq(scope.value()),
            subscriptions::frequency.eq(frequency),
            subscriptions::confirmed_at.eq(confirmed_at),
            subscriptions::next_digest_at.eq(next_digest_at),
            subscriptions::created_at.eq(now),
        ))
        .returning(subscriptions::id)
        .get_result(conn)?)
}

/// Subscribes an address (double opt-in): checks the rate limits, stores
/// an unconfirmed subscription and queues its confirmation email, all in
/// one transaction. Subscribing again to the same scope creates nothing.
pub fn subscribe(
    conn: &mut DbConnection,
    email: &EmailAddress,
    scope: &Scope,
    frequency: Frequency,
    client: &str,
    limits: RateLimits,
    now: NaiveDateTime,
) -> Result<SubscribeOutcome, DbError> {
    let rules = [
        Rule::refuse_at(
            "subscribe-address",
            &email.as_str().to_lowercase(),
            limits.per_address,
        ),
        Rule::refuse_at("subscribe-client", client, limits.per_client),
    ];
    conn.transaction(|conn| {
        // First in the transaction: the count and the decision hold until
        // it commits.
        match limits::reserve(conn, &rules, limits.window, now)? {
            Decision::Refused { rule: 0, .. } => {
                return Ok(SubscribeOutcome::RateLimited(Limited::Address))
            }
            Decision::Refused { .. } => return Ok(SubscribeOutcome::RateLimited(Limited::Client)),
            Decision::Allowed(_) => {}
        }
        let subscriber_id = subscriber_id_for(conn, email, now)?;
        let outcome = match find_subscription(conn, subscriber_id, scope)? {
            Some(s) if s.confirmed_at.is_some() => return Ok(SubscribeOutcome::AlreadyConfirmed),
            Some(s) => {
                super::deliveries::enqueue_confirmation(conn, SubscriptionId(s.id), now)?;
                SubscribeOutcome::ConfirmationResent
            }
            None => {
                let id = insert_subscription(conn, subscriber_id, scope, frequency, None, now)?;
                super::deliveries::enqueue_confirmation(conn, SubscriptionId(id), now)?;
                SubscribeOutcome::Created
            }
        };
        Ok(outcome)
    })
}

/// Adds a subscription that needs no confirmation (the address proved
/// itself: it holds a manage link). Returns its id; an existing one for the
/// same scope is kept and confirmed.
pub fn add_confirmed(
    conn: &mut DbConnection,
    subscriber_id: i32,
    scope: &Scope,
    frequency: Frequency,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    conn.transaction(
        |conn| match find_subscription(conn, subscriber_id, scope)? {
            Some(s) => {
                if s.confirmed_at.is_none() {
                    mark_confirmed(conn, &s, now)?;
                }
                Ok(s.id)
            }
            None => insert_subscription(conn, subscriber_id, scope, frequency, Some(now), now),
        },
    )
}

/// Creates the subscriber if needed and a confirmed subscription (for the
/// operator and tests; the public path is [`subscribe`]).
pub fn subscribe_confirmed(
    conn: &mut DbConnection,
    email: &EmailAddress,
    scope: &Scope,
    frequency: Frequency,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    conn.transaction(|conn| {
        let subscriber_id = subscriber_id_for(conn, email, now)?;
        add_confirmed(conn, subscriber_id, scope, frequency, now)
    })
}

fn mark_confirmed(
    conn: &mut DbConnection,
    s: &SubscriptionRow,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let next_digest_at = s.frequency.period().map(|p| now + p);
    diesel::update(subscriptions::table.find(s.id))
        .set((
            subscriptions::confirmed_at.eq(Some(now)),
            subscriptions::next_digest_at.eq(next_digest_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A subscription as pages show it.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub id: i32,
    pub email: String,
    pub scope: String,
    pub frequency: Frequency,
    pub confirmed: bool,
}

fn view(conn: &mut DbConnection, s: &SubscriptionRow) -> Result<SubscriptionView, DbError> {
    let email = subscribers::table
        .find(s.subscriber_id)
        .select(subscribers::email)
        .first(conn)?;
    let scope = match s.scope() {
        Some(scope) => scope.describe(conn)?,
        None => format!("{} {}", s.scope_type, s.scope_value),
    };
    Ok(SubscriptionView {
        id: s.id,
        email,
        scope,
        frequency: s.frequency,
        confirmed: s.confirmed_at.is_some(),
    })
}

/// The subscription a token of this purpose names.
fn subscription_of_token(
    conn: &mut DbConnection,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<SubscriptionRow>, DbError> {
    let Some((_, Some(id))) = find_token(conn, purpose, token)? else {
        return Ok(None);
    };
    Ok(subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

/// What a confirmation link leads to, without acting on it (GET).
pub fn by_confirm_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<SubscriptionView>, DbError> {
    match subscription_of_token(conn, TokenPurpose::Confirm, token)? {
        Some(row) => Ok(Some(view(conn, &row)?)),
        None => Ok(None),
    }
}

/// Confirms the subscription of a confirmation token (POST). Confirming
/// twice is harmless.
pub fn confirm(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<SubscriptionView>, DbError> {
    conn.transaction(|conn| {
        let Some(row) = subscription_of_token(conn, TokenPurpose::Confirm, token)? else {
            return Ok(None);
        };
        if row.confirmed_at.is_none() {
            mark_confirmed(conn, &row, now)?;
        }
        let mut v = view(conn, &row)?;
        v.confirmed = true;
        Ok(Some(v))
    })
}

/// The subscription an unsubscribe token names (GET shows it).
pub fn by_unsubscribe_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<SubscriptionView>, DbError> {
    match subscription_of_token(conn, TokenPurpose::Unsubscribe, token)? {
        Some(row) => Ok(Some(view(conn, &row)?)),
        None => Ok(None),
    }
}

/// Removes the subscription an unsubscribe token names, with its unsent
/// deliveries; returns what was removed.
pub fn unsubscribe(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<SubscriptionView>, DbError> {
    conn.transaction(|conn| {
        let Some(v) = by_unsubscribe_token(conn, token)? else {
            return Ok(None);
        };
        diesel::delete(subscriptions::table.find(v.id)).execute(conn)?;
        Ok(Some(v))
    })
}

/// The subscriber a manage token belongs to: (id, address).
pub fn by_manage_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(i32, String)>, DbError> {
    let Some((subscriber_id, _)) = find_token(conn, TokenPurpose::Manage, token)? else {
        return Ok(None);
    };
    let email = subscribers::table
        .find(subscriber_id)
        .select(subscribers::email)
        .first(conn)?;
    Ok(Some((subscriber_id, email)))
}

/// Every subscription of one subscriber, oldest first.
pub fn of_subscriber(
    conn: &mut DbConnection,
    subscriber_id: i32,
) -> Result<Vec<SubscriptionView>, DbError> {
    let rows = subscriptions::table
        .filter(subscriptions::subscriber_id.eq(subscriber_id))
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    rows.iter().map(|r| view(conn, r)).collect()
}

/// Changes a subscription's frequency. Changes still waiting for a digest
/// go out in the next worker round when it becomes immediate.
pub fn set_frequency(
    conn: &mut DbConnection,
    subscriber_id: i32,
    subscription_id: i32,
    frequency: Frequency,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    conn.transaction(|conn| {
        let Some(row) = subscriptions::table
            .find(subscription_id)
            .filter(subscriptions::subscriber_id.eq(subscriber_id))
            .select(SubscriptionRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(false);
        };
        if row.frequency == frequency {
            return Ok(true);
        }
        let next_digest_at = match (row.confirmed_at, frequency.period()) {
            (None, _) => None,
            (Some(_), Some(p)) => Some(now + p),
            // Flush what a digest still owes at once.
            (Some(_), None) => Some(now),
        };
        diesel::update(subscriptions::table.find(subscription_id))
            .set((
                subscriptions::frequency.eq(frequency),
                subscriptions::next_digest_at.eq(next_digest_at),
            ))
            .execute(conn)?;
        Ok(true)
    })
}

/// Removes one subscription of a subscriber.
pub fn remove(
    conn: &mut DbConnection,
    subscriber_id: i32,
    subscription_id: i32,
) -> Result<bool, DbError> {
    let n = diesel::delete(
        subscriptions::table
            .filter(subscriptions::id.eq(subscription_id))
            .filter(subscriptions::subscriber_id.eq(subscriber_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Forgets a subscriber: the address, every subscription, every token and
/// every unsent email.
pub fn remove_all(conn: &mut DbConnection, subscriber_id: i32) -> Result<(), DbError> {
    diesel::delete(subscribers::table.find(subscriber_id)).execute(conn)?;
    Ok(())
}

// ------------------------------------------------------------- fan-out

/// What scopes are matched against: the item as it is after the change.
struct ItemFacts {
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
    let Some((kind, jurisdiction)) = items::table
        .find(item_id)
        .select((items::kind, items::jurisdiction))
        .first::<(String, String)>(conn)
        .optional()?
    else {
        return Ok(0);
    };
    let facts = ItemFacts {
        kind,
        jurisdiction,
        tags: super::items::tags_of(conn, item_id.0)?,
    };
    // Only the subscriptions this item can match (by the scope index);
    // saved filters are checked one by one below.
    let (t, v) = (subscriptions::scope_type, subscriptions::scope_value);
    let candidates = subscriptions::table
        .filter(subscriptions::confirmed_at.is_not_null())
        .filter(
            t.eq("all")
                .or(t.eq("item").and(v.eq(item_id.to_string())))
                .or(t.eq("tag").and(v.eq_any(facts.tags.clone())))
                .or(t.eq("jurisdiction").and(v.eq(facts.jurisdiction.clone())))
                .or(t.eq("kind").and(v.eq(facts.kind.clone())))
                .or(t.eq("filter")),
        )
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    let mut filter_cache: HashMap<String, bool> = HashMap::new();
    let mut queued = 0;
    for s in candidates {
        let Some(scope) = s.scope() else { continue };
        let matches = match &scope {
            Scope::All => true,
            Scope::Item(id) => *id == item_id.0,
            Scope::Tag(t) => facts.tags.iter().any(|x| x == t.as_str()),
            Scope::Jurisdiction(j) => facts.jurisdiction == j.as_str(),
            Scope::Kind(k) => facts.kind == k.as_str(),
            Scope::Filter(q) => match filter_cache.get(q) {
                Some(&m) => m,
                None => {
                    let m = match Scope::parsed_filter(q) {
                        Some(f) => timeline::item_matches(conn, &f, item_id.0)?,
                        None => false,
                    };
                    filter_cache.insert(q.clone(), m);
                    m
                }
            },
        };
        if !matches {
            continue;
        }
        match s.frequency {
            Frequency::Immediate => {
                super::deliveries::enqueue_alert(conn, SubscriptionId(s.id), change_id, now)?;
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

/// Closes the digest periods that are due: every digest subscription whose
/// `next_digest_at` has passed gets one digest delivery holding every change
/// queued for it since its last digest (none if there were none), and its
/// next period is scheduled. Returns the number of digests queued.
pub fn close_due_digests(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    conn.transaction(|conn| {
        let due: Vec<SubscriptionRow> = match conn {
            // Several workers may run this at once: each takes its own rows.
            DbConnection::Postgres(pg) => {
                let ids: Vec<i32> = subscriptions::table
                    .filter(subscriptions::next_digest_at.le(now))
                    .filter(subscriptions::confirmed_at.is_not_null())
                    .order(subscriptions::next_digest_at.asc())
                    .limit(100)
                    .select(subscriptions::id)
                    .for_update()
                    .skip_locked()
                    .load(pg)?;
                subscriptions::table
                    .filter(subscriptions::id.eq_any(ids))
                    .select(SubscriptionRow::as_select())
                    .load(conn)?
            }
            DbConnection::Sqlite(_) => {
                // A write first, so SQLite takes its write lock before the
                // reads (a read-then-write transaction can fail to upgrade).
                diesel::update(subscriptions::table.filter(subscriptions::id.eq(-1)))
                    .set(subscriptions::next_digest_at.eq(subscriptions::next_digest_at))
                    .execute(conn)?;
                subscriptions::table
                    .filter(subscriptions::next_digest_at.le(now))
                    .filter(subscriptions::confirmed_at.is_not_null())
                    .order(subscriptions::next_digest_at.asc())
                    .limit(100)
                    .select(SubscriptionRow::as_select())
                    .load(conn)?
            }
        };
        let mut queued = 0;
        for s in due {
            let scheduled = s.next_digest_at.unwrap_or(now);
            let period = s.frequency.period();
            let period_start = period.map(|p| scheduled - p).unwrap_or(s.created_at);
            let open = digest_entries::table
                .filter(digest_entries::subscription_id.eq(s.id))
                .filter(digest_entries::delivery_id.is_null());
            let pending: i64 = open.count().get_result(conn)?;
            if pending > 0 {
                let delivery_id = super::deliveries::enqueue_digest(
                    conn,
                    SubscriptionId(s.id),
                    period_start,
                    now,
                    now,
                )?;
                diesel::update(open)
                    .set(digest_entries::delivery_id.eq(Some(delivery_id)))
                    .execute(conn)?;
                queued += 1;
            }
            let next = period.map(|p| {
                let next = scheduled + p;
                if next <= now {
                    now + p
                } else {
                    next
                }
            });
            diesel::update(subscriptions::table.find(s.id))
                .set(subscriptions::next_digest_at.eq(next))
                .execute(conn)?;
        }
        Ok(queued)
    })
}

/// How long housekeeping keeps things.
pub const UNCONFIRMED_DAYS: i64 = 7;
pub const TOKEN_DAYS: i64 = 365;
pub const SENT_DAYS: i64 = 90;

/// Forgets subscriptions never confirmed within [`UNCONFIRMED_DAYS`] (their
/// confirmation links stop working), link tokens older than [`TOKEN_DAYS`],
/// records of emails sent more than [`SENT_DAYS`] ago, and subscribers left
/// with no subscription and no live token. Returns the number of
/// subscriptions removed.
pub fn purge(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    conn.transaction(|conn| {
        let removed = diesel::delete(
            subscriptions::table
                .filter(subscriptions::confirmed_at.is_null())
                .filter(subscriptions::created_at.lt(now - Duration::days(UNCONFIRMED_DAYS))),
        )
        .execute(conn)?;
        diesel::delete(
            subscription_tokens::table
                .filter(subscription_tokens::created_at.lt(now - Duration::days(TOKEN_DAYS))),
        )
        .execute(conn)?;
        diesel::delete(
            deliveries::table
                .filter(deliveries::status.eq(DeliveryStatus::Sent))
                .filter(deliveries::sent_at.lt(now - Duration::days(SENT_DAYS))),
        )
        .execute(conn)?;
        diesel::delete(
            subscribers::table
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    subscriptions::table.filter(subscriptions::subscriber_id.eq(subscribers::id)),
                )))
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    subscription_tokens::table
                        .filter(subscription_tokens::subscriber_id.eq(subscribers::id)),
                ))),
        )
        .execute(conn)?;
        Ok(removed)
    })
}

//! Subscriptions: an address (its subscriber), a scope, a frequency, a
//! confirmation state and secret tokens, with one file per concern:
//!
//! - `scopes`: what a scope says in words;
//! - `tokens`: the secret links of emails;
//! - `subscribe`: subscribing (rate-limited, double opt-in) and adding
//!   subscriptions that need no confirmation;
//! - `manage`: what the links do: confirm, unsubscribe, list, change,
//!   remove;
//! - `matching`: which subscriptions an item is in the scope of;
//! - `fanout`: queueing what each change owes the subscriptions it matches;
//! - `digests`: closing the digest periods that are due;
//! - `housekeeping`: forgetting what is no longer needed.

mod digests;
mod fanout;
mod housekeeping;
mod manage;
mod matching;
mod scopes;
mod subscribe;
mod tokens;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::{Frequency, InvalidValue, Scope, ScopeKind, SubscriberId, SubscriptionId};
use crate::schema::subscriptions;

pub use digests::close_due_digests;
pub use fanout::{fan_out, fan_out_as, Alerting};
pub use housekeeping::purge;
pub use manage::{
    by_manage_token, by_token, confirm, of_subscriber, remove, remove_all, set_frequency,
    unsubscribe, SubscriptionView,
};
pub use matching::{matching, ItemFacts, Matcher};
pub use scopes::describe;
pub use subscribe::{
    add_confirmed, subscribe, subscribe_confirmed, Limited, RateLimits, SubscribeOutcome,
};
pub use tokens::{hash_token, issue_token, TokenPurpose};

/// A row of `subscriptions`. A scope kind or frequency the row holds that
/// is none of ours fails the query that loads it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: SubscriptionId,
    pub subscriber_id: SubscriberId,
    pub scope_type: ScopeKind,
    pub scope_value: String,
    pub frequency: Frequency,
    pub confirmed_at: Option<NaiveDateTime>,
    pub next_digest_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl SubscriptionRow {
    /// What the subscription follows; an error when the stored value no
    /// longer parses (say, a tag stored before the rules for tags changed).
    pub fn scope(&self) -> Result<Scope, InvalidValue> {
        Scope::parse(self.scope_type, &self.scope_value)
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::db::DbConnection;

    /// A frequency the row holds that is none of ours (written past the
    /// column's CHECK constraint) is an error, not an immediate
    /// subscription.
    #[test]
    fn a_stored_frequency_that_does_not_parse_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn =
            DbConnection::open(&dir.path().join("subs.db").display().to_string()).unwrap();
        conn.migrate().unwrap();
        conn.batch_execute(
            "PRAGMA ignore_check_constraints = ON;
             INSERT INTO subscribers (id, email, created_at) VALUES (1, 'kim@example.org', '2025-01-01 00:00:00');
             INSERT INTO subscriptions (subscriber_id, scope_type, scope_value, frequency, confirmed_at, created_at)
             VALUES (1, 'all', '', 'hourly', '2025-01-01 00:00:00', '2025-01-01 00:00:00');",
        )
        .unwrap();
        let err = of_subscriber(&mut conn, SubscriberId(1)).unwrap_err();
        let mut causes = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            causes = format!("{causes}: {cause}");
            source = cause.source();
        }
        assert!(
            causes.contains("\"hourly\" is not a Frequency this version knows"),
            "{causes}"
        );
    }
}

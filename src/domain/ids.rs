//! Row ids, one type per table, so an item id can never be passed where an
//! event id is expected. Each maps to and from its `INTEGER` column through
//! diesel (`DieselNewType`), serialises as a bare number, and parses from a
//! path segment.

use std::fmt;
use std::str::FromStr;

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, DieselNewType, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<$name> for i32 {
            fn from(id: $name) -> i32 {
                id.0
            }
        }
    )*};
}

ids! {
    /// `items.id`
    ItemId;
    /// `status_events.id`
    EventId;
    /// `milestones.id`
    MilestoneId;
    /// `proposals.id`
    ProposalId;
    /// `milestone_reminders.id`
    ReminderId;
    /// `item_links.id`
    LinkId;
    /// `revisions.id`
    RevisionId;
    /// `changes.id`
    ChangeId;
    /// `users.id`
    UserId;
    /// `tags.id`
    TagId;
    /// `subscribers.id`
    SubscriberId;
    /// `subscriptions.id`
    SubscriptionId;
    /// `subscription_tokens.id`
    TokenId;
    /// `deliveries.id`
    DeliveryId;
    /// `api_tokens.id`
    ApiTokenId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_from_paths_and_print_as_numbers() {
        assert_eq!("42".parse::<ItemId>().unwrap(), ItemId(42));
        assert!("4x".parse::<EventId>().is_err());
        assert_eq!(LinkId(7).to_string(), "7");
        assert_eq!(serde_json::to_string(&DeliveryId(3)).unwrap(), "3");
    }
}

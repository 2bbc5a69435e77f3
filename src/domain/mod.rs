//! Domain types: values that are valid by construction.
//!
//! Raw input (form fields, query strings, the seed file) becomes these types
//! through `TryFrom`/`FromStr`; everything past that boundary can rely on them.

pub mod cursor;
mod email;
mod event_date;
mod fields;
mod filter;
mod ids;
mod kind;
pub mod limits;
mod milestone;
mod proposal;
mod reminder;
mod search;
mod slug;
mod status;
mod subscription;
mod text;
mod text_enum;

pub use cursor::{EventKey, ItemKey};
pub use email::{mask as mask_address, EmailAddress};
pub use event_date::{DatePrecision, EventDate};
pub use fields::field_label;
pub use filter::{Filter, QueryError, RawQuery, Sort, SortColumn};
pub use ids::{
    ApiTokenId, ChangeId, DeliveryId, EventId, ItemId, LinkId, MilestoneId, ProposalId, ReminderId,
    RevisionId, SubscriberId, SubscriptionId, TagId, TokenId, UserId,
};
pub use kind::{Confidence, Kind, Phase};
pub use milestone::{period_end_exclusive, period_unit, Countdown, MilestoneKind};
pub use proposal::{ProposalState, ProposalTarget, SourceName};
pub use reminder::{falls_due_within, owed_reminder, reminder_due, LeadTimes, ReminderKey};
pub use search::{normalise as normalise_search_text, SearchQuery};
pub use slug::{Jurisdiction, Slug, SourceUrl, Tag};
pub use status::{Status, StatusDef, StatusEffect};
pub use subscription::{Frequency, SavedFilter, Scope, ScopeKind};
pub use text::{MultiLine, SingleLine, TextProblem};
pub(crate) use text_enum::{text_column, text_enum};

/// Why a raw value was refused; the message is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

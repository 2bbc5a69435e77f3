//! Who made a write and how: an editor (or the starter data) through the
//! forms and the API, or an import, which may be a bulk load that queues
//! no alerts. Every writer takes an [`Author`]; revisions and changes
//! record its [`Origin`], and [`Author::alerts`] decides whether a change
//! is fanned out to subscribers.

use crate::domain::{text_enum, UserId};

text_enum! {
    /// How a revision or change was written, when not by a form or the API.
    pub enum Origin {
        /// An import (`regwatch import`, `/import`), alerts queued as usual.
        Import = "import",
        /// A bulk import that queued no alerts (`--no-alerts`).
        ImportWithoutAlerts = "import-without-alerts",
    }
}

impl Origin {
    /// How the revision history and feeds name it.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Import => "import",
            Origin::ImportWithoutAlerts => "bulk import without alerts",
        }
    }
}

/// The author of a write: the editor (`None`: the starter data) and, for
/// an import, its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Author {
    pub user: Option<UserId>,
    pub origin: Option<Origin>,
}

impl Author {
    /// The starter data.
    pub const STARTER: Author = Author {
        user: None,
        origin: None,
    };

    /// An import by `user`; `alerts: false` for a bulk load that queues
    /// no alerts.
    pub fn import(user: Option<UserId>, alerts: bool) -> Author {
        let origin = if alerts {
            Origin::Import
        } else {
            Origin::ImportWithoutAlerts
        };
        Author {
            user,
            origin: Some(origin),
        }
    }

    /// Whether the changes it makes are fanned out to subscribers.
    pub fn alerts(self) -> bool {
        self.origin != Some(Origin::ImportWithoutAlerts)
    }
}

/// An editor through a form or the API (`None`: the starter data).
impl From<Option<UserId>> for Author {
    fn from(user: Option<UserId>) -> Self {
        Author { user, origin: None }
    }
}

impl From<UserId> for Author {
    fn from(user: UserId) -> Self {
        Some(user).into()
    }
}

//! What a proposal is: which official source made it, whether it proposes
//! an event or a milestone, and where it stands in review.

use super::text_enum::text_enum;

text_enum! {
    /// An official source a connector reads.
    pub enum SourceName {
        /// Congress.gov API v3 (bills).
        Congress = "congress",
        /// Federal Register API v1 (rules, presidential documents).
        FederalRegister = "federal-register",
    }
}

impl SourceName {
    /// The source as readers know it.
    pub fn label(self) -> &'static str {
        match self {
            SourceName::Congress => "Congress.gov",
            SourceName::FederalRegister => "Federal Register",
        }
    }
}

impl std::str::FromStr for SourceName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceName::from_name(s)
            .ok_or_else(|| format!("{s:?} is not a source; use one of: congress, federal-register"))
    }
}

text_enum! {
    /// What a proposal would add to the record.
    pub enum ProposalTarget {
        Event = "event",
        Milestone = "milestone",
    }
}

text_enum! {
    /// Where a proposal stands: nothing is published until an editor
    /// accepts it; a rejected one is remembered so it never comes back.
    pub enum ProposalState {
        Pending = "pending",
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

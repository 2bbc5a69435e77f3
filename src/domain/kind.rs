use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::{text_column, InvalidValue};

/// What kind of thing an item is. Each kind has its own status vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[derive(diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Kind {
    Bill,
    Regulation,
    ExecutiveAction,
    Deal,
    Product,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Bill,
        Kind::Regulation,
        Kind::ExecutiveAction,
        Kind::Deal,
        Kind::Product,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bill => "bill",
            Kind::Regulation => "regulation",
            Kind::ExecutiveAction => "executive-action",
            Kind::Deal => "deal",
            Kind::Product => "product",
            Kind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Bill => "Bill",
            Kind::Regulation => "Regulation",
            Kind::ExecutiveAction => "Executive action",
            Kind::Deal => "Deal",
            Kind::Product => "Product",
            Kind::Other => "Other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "unknown kind \"{s}\"; expected one of: {}",
                    Kind::ALL.map(Kind::as_str).join(", ")
                ))
            })
    }
}

text_column!(Kind);

/// The cross-kind stage every status maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[derive(diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Phase {
    Proposed,
    Pending,
    InForce,
    Stalled,
    Ended,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Proposed,
        Phase::Pending,
        Phase::InForce,
        Phase::Stalled,
        Phase::Ended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Proposed => "proposed",
            Phase::Pending => "pending",
            Phase::InForce => "in-force",
            Phase::Stalled => "stalled",
            Phase::Ended => "ended",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Proposed => "Proposed",
            Phase::Pending => "Pending",
            Phase::InForce => "In force",
            Phase::Stalled => "Stalled",
            Phase::Ended => "Ended",
        }
    }

    /// Marker colour on the item timeline; the stylesheet uses the same values.
    pub fn colour(self) -> &'static str {
        match self {
            Phase::Proposed => "#2563a8",
            Phase::Pending => "#a86400",
            Phase::InForce => "#1d7a3a",
            Phase::Stalled => "#b3261e",
            Phase::Ended => "#5f6368",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phase {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phase::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "unknown phase \"{s}\"; expected one of: {}",
                    Phase::ALL.map(Phase::as_str).join(", ")
                ))
            })
    }
}

text_column!(Phase);

/// How far a source can be trusted (see the starter data's legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[derive(diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Confidence {
    /// Primary source: government text, the company's own post.
    High,
    /// Reputable press or law-firm analysis.
    Medium,
    /// Secondary report only; flagged in the UI.
    Low,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Confidence::High => "primary source",
            Confidence::Medium => "reputable press or legal analysis",
            Confidence::Low => "secondary report only",
        }
    }
}

impl FromStr for Confidence {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Confidence::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "unknown confidence \"{s}\"; expected high, medium or low"
                ))
            })
    }
}

text_column!(Confidence);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_phases_round_trip_through_their_names() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
        }
        for p in Phase::ALL {
            assert_eq!(p.as_str().parse::<Phase>().unwrap(), p);
        }
        assert!("treaty".parse::<Kind>().is_err());
        assert!("In force".parse::<Phase>().is_err());
    }
}

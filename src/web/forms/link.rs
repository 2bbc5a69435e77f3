//! The form that links an item to another.

use serde::{Deserialize, Serialize};

use super::{required, set, FieldErrors};
use crate::domain::Slug;

/// Link this item to another.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LinkForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub target: String,
    pub relation: String,
}

/// Relations offered in the link form; any other short phrase is allowed.
pub const SUGGESTED_RELATIONS: [&str; 8] = [
    "could restrict",
    "implements",
    "uses",
    "requires approval under",
    "would extend",
    "amends",
    "replaces",
    "responds to",
];

impl LinkForm {
    /// The target slug and the relation, or messages.
    pub fn validate(&self) -> Result<(Slug, String), FieldErrors> {
        let mut e = FieldErrors::new();
        let target = if self.target.trim().is_empty() {
            e.insert("target", "Give the slug of the item to link to.".to_owned());
            None
        } else {
            set(&mut e, "target", Slug::try_from(self.target.as_str()))
        };
        let relation = required(&mut e, "relation", "A relation", &self.relation, 60);
        match target {
            Some(t) if e.is_empty() => Ok((t, relation)),
            _ => Err(e),
        }
    }
}

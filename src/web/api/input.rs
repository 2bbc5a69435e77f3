//! What the API's writing operations accept, and its conversion into the
//! editors' forms (`web::forms`): the same parsing into domain values, the
//! same limits and messages, so the API is never a second, weaker way in.
//! Field names are the interchange records' (`source`, `current`, `to`);
//! messages about a form field are reported under the API's name for it.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::store::items::ItemFields;
use crate::web::forms::{EventForm, FieldErrors, ItemForm, LinkForm, RetractForm};

/// The API's name for a form field.
fn api_field(form_field: &'static str) -> &'static str {
    match form_field {
        "source_url" => "source",
        "status_summary" => "current",
        "target" => "to",
        other => other,
    }
}

/// Form messages under the API's field names.
pub fn renamed(errors: FieldErrors) -> FieldErrors {
    errors
        .into_iter()
        .map(|(field, message)| (api_field(field), message))
        .collect()
}

/// A list as the form's text: one entry a line (or `separator` between).
/// An entry holding the separator would be split, so it is refused.
fn joined(
    errors: &mut FieldErrors,
    field: &'static str,
    list: &[String],
    separator: &str,
    what: &str,
) -> String {
    let breaks = |s: &String| s.contains(['\n', '\r']) || (separator == ", " && s.contains(','));
    if list.iter().any(breaks) {
        errors.insert(
            field,
            format!(
                "Each {what} is one line of text, without line breaks{}.",
                if separator == ", " { " or commas" } else { "" }
            ),
        );
    }
    list.join(separator)
}

/// A new item.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewItemJson {
    /// `bill`, `regulation`, `executive-action`, `deal`, `product`, `other`.
    pub kind: String,
    pub title: String,
    pub short_title: Option<String>,
    pub original_title: Option<String>,
    /// Suggested from the title when omitted.
    pub slug: Option<String>,
    /// `US`, `CN`, `EU`…
    pub jurisdiction: String,
    pub identifiers: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<String>,
    pub summary: String,
    /// The status note: one line on where the item stands.
    pub current: Option<String>,
}

impl NewItemJson {
    pub fn validate(&self) -> Result<ItemFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let form = ItemForm {
            csrf_token: String::new(),
            kind: self.kind.clone(),
            title: self.title.clone(),
            short_title: self.short_title.clone().unwrap_or_default(),
            original_title: self.original_title.clone().unwrap_or_default(),
            slug: self.slug.clone().unwrap_or_default(),
            jurisdiction: self.jurisdiction.clone(),
            identifiers: joined(
                &mut errors,
                "identifiers",
                &self.identifiers,
                "\n",
                "identifier",
            ),
            parties: joined(&mut errors, "parties", &self.parties, "\n", "party"),
            tags: joined(&mut errors, "tags", &self.tags, ", ", "tag"),
            summary: self.summary.clone(),
            status_summary: self.current.clone().unwrap_or_default(),
            version: String::new(),
        };
        checked(errors, form.validate())
    }
}

/// Problems found before the form ran come first; the form's own
/// messages fill in the other fields.
fn checked<T>(mut errors: FieldErrors, parsed: Result<T, FieldErrors>) -> Result<T, FieldErrors> {
    match parsed {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) => Err(renamed(errors)),
        Err(form) => {
            for (field, message) in form {
                errors.entry(field).or_insert(message);
            }
            Err(renamed(errors))
        }
    }
}

/// Edited fields of an item: only those given change. `version` is the
/// one the edit is based on.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ItemEditJson {
    /// The item's version this edit is based on (from a read).
    pub version: Option<i32>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub short_title: Option<String>,
    pub original_title: Option<String>,
    pub slug: Option<String>,
    pub jurisdiction: Option<String>,
    pub identifiers: Option<Vec<String>>,
    pub parties: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub summary: Option<String>,
    pub current: Option<String>,
}

impl ItemEditJson {
    /// The stored fields with these edits, validated as the edit form is.
    pub fn apply(&self, stored: &ItemFields) -> Result<ItemFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut form = ItemForm::from_fields(stored, 0);
        let text = |given: &Option<String>, field: &mut String| {
            if let Some(v) = given {
                field.clone_from(v);
            }
        };
        text(&self.kind, &mut form.kind);
        text(&self.title, &mut form.title);
        text(&self.short_title, &mut form.short_title);
        text(&self.original_title, &mut form.original_title);
        text(&self.slug, &mut form.slug);
        text(&self.jurisdiction, &mut form.jurisdiction);
        text(&self.summary, &mut form.summary);
        text(&self.current, &mut form.status_summary);
        if let Some(list) = &self.identifiers {
            form.identifiers = joined(&mut errors, "identifiers", list, "\n", "identifier");
        }
        if let Some(list) = &self.parties {
            form.parties = joined(&mut errors, "parties", list, "\n", "party");
        }
        if let Some(list) = &self.tags {
            form.tags = joined(&mut errors, "tags", list, ", ", "tag");
        }
        checked(errors, form.validate())
    }
}

/// A status event to record, or an event's corrected fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EventInputJson {
    /// `2025-01-29`, `2023-04` or `2023`.
    pub date: String,
    /// `day`, `month` or `year`; when omitted, the date's form says which.
    pub precision: Option<String>,
    /// One of the item kind's status words (`introduced`, `final-rule`…).
    pub status: String,
    pub note: String,
    /// The source's URL (http or https).
    pub source: String,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// Corrections only: a minor correction (a typo, a better source link)
    /// is revised and shown in the history but sends no immediate alert;
    /// digests still tell it. Default `false`: a material change.
    #[serde(default)]
    pub minor: bool,
}

impl EventInputJson {
    pub fn form(&self) -> EventForm {
        let precision = self.precision.clone().unwrap_or_else(|| {
            match self.date.trim().matches('-').count() {
                0 => "year",
                1 => "month",
                _ => "day",
            }
            .to_owned()
        });
        EventForm {
            csrf_token: String::new(),
            date: self.date.clone(),
            precision,
            status: self.status.clone(),
            note: self.note.clone(),
            source_url: self.source.clone(),
            confidence: self.confidence.clone(),
            minor: if self.minor { "yes" } else { "" }.to_owned(),
        }
    }
}

/// Why an event is retracted.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RetractJson {
    pub reason: String,
}

impl RetractJson {
    pub fn form(&self) -> RetractForm {
        RetractForm {
            csrf_token: String::new(),
            reason: self.reason.clone(),
        }
    }
}

/// A link from this item: "this item `relation` `to`".
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LinkInputJson {
    /// A short phrase: `could restrict`, `implements`, `uses`…
    pub relation: String,
    /// The slug of the item linked to.
    pub to: String,
}

impl LinkInputJson {
    pub fn form(&self) -> LinkForm {
        LinkForm {
            csrf_token: String::new(),
            target: self.to.clone(),
            relation: self.relation.clone(),
        }
    }
}

//! Editing forms: the text a browser posts, and its conversion into domain
//! values, or a message for each field that is wrong.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{
    Confidence, DatePrecision, EventDate, InvalidValue, Jurisdiction, Kind, MultiLine, SingleLine,
    Slug, SourceUrl, Status, Tag, TextProblem,
};
use crate::store::events::NewEvent;
use crate::store::items::ItemFields;

/// Messages by field name, shown beside each field.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// Largest form body accepted (bigger gets a 413).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Slugs that name pages rather than items.
const RESERVED_SLUGS: [&str; 1] = ["new"];

/// Text its domain type accepted, at most `max` characters; `None` when
/// empty or refused (with the message for the field).
fn checked(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    parsed: Result<String, TextProblem>,
    max: usize,
) -> Option<String> {
    match parsed {
        Err(problem) => {
            errors.insert(field, problem.describe(label));
            None
        }
        Ok(v) if v.chars().count() > max => {
            errors.insert(field, format!("{label} has at most {max} characters."));
            None
        }
        Ok(v) => (!v.is_empty()).then_some(v),
    }
}

/// One line of text, trimmed.
fn single_line(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let parsed = SingleLine::try_from(value).map(SingleLine::into_string);
    checked(errors, field, label, parsed, max)
}

fn required(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = single_line(errors, field, label, value, max);
    if v.is_none() && !errors.contains_key(field) {
        errors.insert(field, format!("{label} is required."));
    }
    v.unwrap_or_default()
}

/// Text of several lines (`\n` between them), trimmed.
fn multi_line(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let parsed = MultiLine::try_from(value).map(MultiLine::into_string);
    checked(errors, field, label, parsed, max)
}

/// One entry a line, each a single line of text; blank lines dropped.
/// `one` names an entry in messages about its characters.
fn lines(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    one: &str,
    value: &str,
    max_lines: usize,
    max_len: usize,
) -> Vec<String> {
    let parsed = MultiLine::try_from(value).and_then(|text| {
        text.as_str()
            .lines()
            .map(SingleLine::try_from)
            .filter(|l| !matches!(l, Ok(l) if l.as_str().is_empty()))
            .map(|l| l.map(SingleLine::into_string))
            .collect::<Result<Vec<String>, _>>()
    });
    let list = match parsed {
        Ok(list) => list,
        Err(problem) => {
            errors.insert(field, problem.describe(one));
            return Vec::new();
        }
    };
    if list.len() > max_lines {
        errors.insert(field, format!("{label}: at most {max_lines} lines."));
    } else if let Some(long) = list.iter().find(|l| l.chars().count() > max_len) {
        errors.insert(
            field,
            format!(
                "{label}: each line has at most {max_len} characters (\"{}…\" is longer).",
                long.chars().take(30).collect::<String>()
            ),
        );
    }
    list
}

fn set<T>(errors: &mut FieldErrors, field: &'static str, r: Result<T, InvalidValue>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.insert(field, capitalise(&e.0));
            None
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => {
            let mut out: String = f.to_uppercase().collect();
            out.push_str(c.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

/// The new-item and edit-item form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ItemForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub kind: String,
    pub title: String,
    pub short_title: String,
    pub original_title: String,
    pub slug: String,
    pub jurisdiction: String,
    pub identifiers: String,
    pub parties: String,
    pub tags: String,
    pub summary: String,
    pub status_summary: String,
    /// The version the edit form was loaded from.
    pub version: String,
}

impl ItemForm {
    pub fn from_fields(f: &ItemFields, version: i32) -> Self {
        ItemForm {
            csrf_token: String::new(),
            kind: f.kind.as_str().to_owned(),
            title: f.title.clone(),
            short_title: f.short_title.clone().unwrap_or_default(),
            original_title: f.original_title.clone().unwrap_or_default(),
            slug: f.slug.to_string(),
            jurisdiction: f.jurisdiction.to_string(),
            identifiers: f.identifiers.join("\n"),
            parties: f.parties.join("\n"),
            tags: f
                .tags
                .iter()
                .map(Tag::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            summary: f.summary.clone(),
            status_summary: f.status_summary.clone().unwrap_or_default(),
            version: version.to_string(),
        }
    }

    pub fn validate(&self) -> Result<ItemFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = if self.kind.trim().is_empty() {
            e.insert("kind", "Choose a kind.".to_owned());
            None
        } else {
            set(&mut e, "kind", self.kind.trim().parse::<Kind>())
        };
        let title = required(&mut e, "title", "A title", &self.title, 300);
        let short_title = single_line(
            &mut e,
            "short_title",
            "A short title",
            &self.short_title,
            120,
        );
        let original_title = single_line(
            &mut e,
            "original_title",
            "An original title",
            &self.original_title,
            300,
        );
        // The slug is suggested from the title when left empty.
        let slug_text = if self.slug.trim().is_empty() {
            Slug::suggest(&title)
        } else {
            self.slug.trim().to_owned()
        };
        let slug = if slug_text.is_empty() && title.is_empty() {
            None
        } else if RESERVED_SLUGS.contains(&slug_text.as_str()) {
            e.insert(
                "slug",
                format!("\"{slug_text}\" is reserved; choose another slug."),
            );
            None
        } else {
            set(&mut e, "slug", Slug::try_from(slug_text.as_str()))
        };
        let jurisdiction = if self.jurisdiction.trim().is_empty() {
            e.insert(
                "jurisdiction",
                "A jurisdiction is required (US, CN, EU…).".to_owned(),
            );
            None
        } else {
            set(
                &mut e,
                "jurisdiction",
                Jurisdiction::try_from(self.jurisdiction.as_str()),
            )
        };
        let identifiers = lines(
            &mut e,
            "identifiers",
            "Identifiers",
            "An identifier",
            &self.identifiers,
            20,
            100,
        );
        let parties = lines(
            &mut e,
            "parties",
            "Parties",
            "A party",
            &self.parties,
            30,
            200,
        );
        let mut tags = Vec::new();
        for t in self
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match Tag::try_from(t) {
                Ok(tag) if !tags.contains(&tag) => tags.push(tag),
                Ok(_) => {}
                Err(err) => {
                    e.insert("tags", capitalise(&err.0));
                    break;
                }
            }
        }
        if tags.len() > 20 {
            e.insert("tags", "At most 20 tags.".to_owned());
        }
        let summary =
            multi_line(&mut e, "summary", "A summary", &self.summary, 5000).unwrap_or_default();
        let status_summary = single_line(
            &mut e,
            "status_summary",
            "The status note",
            &self.status_summary,
            500,
        );
        match (kind, slug, jurisdiction) {
            (Some(kind), Some(slug), Some(jurisdiction)) if e.is_empty() => Ok(ItemFields {
                kind,
                slug,
                title,
                short_title,
                original_title,
                jurisdiction,
                summary,
                status_summary,
                identifiers,
                parties,
                tags,
            }),
            _ => Err(e),
        }
    }

    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }
}

/// Record or correct a status event.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EventForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub date: String,
    pub precision: String,
    pub status: String,
    pub note: String,
    pub source_url: String,
    pub confidence: String,
}

impl EventForm {
    pub fn from_event(e: &crate::store::events::EventRow) -> Self {
        EventForm {
            csrf_token: String::new(),
            date: e.date().iso(),
            precision: e.date().precision().as_str().to_owned(),
            status: e.status.clone(),
            note: e.note.clone(),
            source_url: e.source_url.clone(),
            confidence: e.confidence.as_str().to_owned(),
        }
    }

    pub fn validate(&self, kind: Kind) -> Result<NewEvent, FieldErrors> {
        let mut e = FieldErrors::new();
        let precision = if self.precision.trim().is_empty() {
            Some(DatePrecision::Day)
        } else {
            set(
                &mut e,
                "precision",
                self.precision.trim().parse::<DatePrecision>(),
            )
        };
        let date = match (self.date.trim(), precision) {
            ("", _) => {
                e.insert("date", "A date is required.".to_owned());
                None
            }
            (d, Some(p)) => set(&mut e, "date", EventDate::parse_with_precision(d, p)),
            (_, None) => None,
        };
        let status = if self.status.trim().is_empty() {
            e.insert("status", "Choose a status.".to_owned());
            None
        } else {
            set(&mut e, "status", Status::parse(kind, self.status.trim()))
        };
        let note = multi_line(&mut e, "note", "A note", &self.note, 2000).unwrap_or_default();
        let source = set(
            &mut e,
            "source_url",
            SourceUrl::try_from(self.source_url.as_str()),
        );
        let confidence = if self.confidence.trim().is_empty() {
            e.insert("confidence", "Choose a confidence.".to_owned());
            None
        } else {
            set(
                &mut e,
                "confidence",
                self.confidence.trim().parse::<Confidence>(),
            )
        };
        match (date, status, source, confidence) {
            (Some(date), Some(status), Some(source), Some(confidence)) if e.is_empty() => {
                Ok(NewEvent {
                    date,
                    status,
                    note,
                    source,
                    confidence,
                })
            }
            _ => Err(e),
        }
    }
}

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

/// Retract an event, with the reason.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RetractForm {
    #[serde(skip_serializing)]
    pub csrf_token: String,
    pub reason: String,
}

impl RetractForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        match multi_line(&mut e, "reason", "A reason", &self.reason, 500) {
            Some(reason) => Ok(reason),
            None if e.is_empty() => {
                e.insert("reason", "A reason is required.".to_owned());
                Err(e)
            }
            None => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> ItemForm {
        ItemForm {
            kind: "bill".into(),
            title: "Chip Security Act".into(),
            jurisdiction: "US".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_slug_is_suggested_from_the_title() {
        assert_eq!(
            item().validate().unwrap().slug.as_str(),
            "chip-security-act"
        );
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let form = ItemForm {
            kind: "treaty".into(),
            title: "".into(),
            slug: "Bad Slug".into(),
            jurisdiction: "usa!".into(),
            tags: "ai, Not A Tag".into(),
            short_title: "x".repeat(121),
            ..Default::default()
        };
        let errors = form.validate().unwrap_err();
        for field in [
            "kind",
            "title",
            "slug",
            "jurisdiction",
            "tags",
            "short_title",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn text_fields_refuse_control_characters_and_one_line_fields_line_breaks() {
        let form = ItemForm {
            title: "Chip\r\nSecurity Act".into(),
            short_title: "Chip\0Act".into(),
            identifiers: "S.1705\r\nH.R.\t3447".into(),
            parties: "Sen. Tom Cotton\u{1b}[31m".into(),
            summary: "Line one.\r\nLine\u{7} two.".into(),
            status_summary: "In committee;\nno hearing.".into(),
            ..item()
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(
            errors["title"],
            "A title is one line: remove the line break."
        );
        assert_eq!(
            errors["short_title"],
            "A short title contains an invisible control character (U+0000); remove it."
        );
        assert_eq!(
            errors["identifiers"],
            "An identifier contains an invisible control character (a tab); remove it."
        );
        assert!(errors["parties"].starts_with("A party contains"));
        assert!(errors["summary"].contains("(U+0007)"));
        assert!(errors["status_summary"].contains("one line"));
        let ok = ItemForm {
            summary: "Line one.\r\n\tLine two.\r\n".into(),
            identifiers: "S.1705\r\n\r\n119th Congress\r\n".into(),
            ..item()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.summary, "Line one.\n\tLine two.");
        assert_eq!(ok.identifiers, ["S.1705", "119th Congress"]);
    }

    #[test]
    fn event_dates_must_match_their_precision_and_status_its_kind() {
        let form = EventForm {
            date: "2025-02-30".into(),
            precision: "day".into(),
            status: "final-rule".into(),
            source_url: "ftp://x.org".into(),
            confidence: "certain".into(),
            ..Default::default()
        };
        let errors = form.validate(Kind::Bill).unwrap_err();
        for field in ["date", "status", "source_url", "confidence"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let month = EventForm {
            date: "2025-02-13".into(),
            precision: "month".into(),
            status: "introduced".into(),
            source_url: "https://www.congress.gov/".into(),
            confidence: "high".into(),
            ..Default::default()
        };
        assert!(month.validate(Kind::Bill).unwrap_err().contains_key("date"));
        let ok = EventForm {
            date: "2025-02".into(),
            ..month
        };
        assert_eq!(ok.validate(Kind::Bill).unwrap().date.iso(), "2025-02");
    }
}

//! The new-item and edit-item form.

use serde::{Deserialize, Serialize};

use super::{capitalise, lines, multi_line, required, set, single_line, FieldErrors};
use crate::domain::{Jurisdiction, Kind, Slug, Tag};
use crate::store::items::ItemFields;

/// Slugs that name pages rather than items.
const RESERVED_SLUGS: [&str; 1] = ["new"];

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
}

//! The recorded fields of items and their events, by the names revisions
//! and changes store (`short_title`, `event.date`, `link`), and the labels
//! people read for them: on the history page and in emails alike.

use std::borrow::Cow;

/// A field's label, as the edit forms call it: `status_summary` → `Status
/// note`, `event.date` → `Event date`. A name not listed (one an older
/// version recorded) is spelt out: `foo_bar` → `Foo bar`.
pub fn field_label(field: &str) -> Cow<'static, str> {
    Cow::Borrowed(match field {
        "kind" => "Kind",
        "slug" => "Slug",
        "title" => "Title",
        "short_title" => "Short title",
        "original_title" => "Original-language title",
        "jurisdiction" => "Jurisdiction",
        "summary" => "Summary",
        "status_summary" => "Status note",
        "identifiers" => "Identifiers",
        "parties" => "Parties",
        "tags" => "Tags",
        "event.date" => "Event date",
        "event.status" => "Event status",
        "event.note" => "Event note",
        "event.source" => "Event source",
        "event.confidence" => "Event confidence",
        "event.retracted" => "Event retracted",
        "link" => "Link",
        other => return Cow::Owned(spelt_out(other)),
    })
}

fn spelt_out(field: &str) -> String {
    let words = field.replace(['_', '.'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_forms_words() {
        assert_eq!(field_label("status_summary"), "Status note");
        assert_eq!(field_label("original_title"), "Original-language title");
        assert_eq!(field_label("event.source"), "Event source");
        assert_eq!(field_label("new_thing.part"), "New thing part");
        assert_eq!(field_label(""), "");
    }
}

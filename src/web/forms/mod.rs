//! Editing forms: the text a browser posts, and its conversion into domain
//! values, or a message for each field that is wrong. One module per form;
//! the field readers they share are here.

mod dated;
mod event;
mod item;
mod link;
mod milestone;

use std::collections::BTreeMap;

use crate::domain::{InvalidValue, MultiLine, SingleLine, TextProblem};

pub use event::{EventForm, RetractForm};
pub use item::ItemForm;
pub use link::{LinkForm, SUGGESTED_RELATIONS};
pub use milestone::MilestoneForm;

/// Messages by field name, shown beside each field.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// Largest form body accepted (bigger gets a 413).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Text its domain type accepted, at most `max` characters; `None` when
/// empty or refused (with the message for the field).
pub(super) fn checked(
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
pub(super) fn single_line(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let parsed = SingleLine::try_from(value).map(SingleLine::into_string);
    checked(errors, field, label, parsed, max)
}

pub(super) fn required(
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
pub(super) fn multi_line(
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
pub(super) fn lines(
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

pub(super) fn set<T>(
    errors: &mut FieldErrors,
    field: &'static str,
    r: Result<T, InvalidValue>,
) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.insert(field, capitalise(&e.0));
            None
        }
    }
}

pub(super) fn capitalise(s: &str) -> String {
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

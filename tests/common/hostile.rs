//! Hostile text for the input-security tests: the control characters and
//! line breaks every field refuses, forms filled in, and the checks that a
//! refusal kept the input, said why beside the field and stored nothing.

use super::{attrs, texts, with, Answer, Browser, TestApp};

/// Control characters every text field refuses: NUL, BEL, ESC (starting a
/// terminal colour sequence), DEL and a C1 control (NEL).
pub const CONTROLS: [&str; 5] = ["\0", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}"];
/// Line breaks that one-line fields refuse.
pub const BREAKS: [&str; 3] = ["\r\n", "\n", "\r"];

/// Rows of every table a form writes to, to show nothing was stored.
pub fn stored(app: &TestApp) -> Vec<i64> {
    [
        "items",
        "item_identifiers",
        "item_parties",
        "item_tags",
        "revisions",
        "changes",
        "status_events",
        "item_links",
        "subscribers",
        "subscriptions",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

/// What a field holds on a re-rendered form (an input's value or a
/// textarea's text).
pub fn kept(html: &str, id: &str) -> String {
    let value = attrs(html, &format!("input#{id}"), "value");
    match value.into_iter().next() {
        Some(v) => v,
        None => scraper::Html::parse_document(html)
            .select(&scraper::Selector::parse(&format!("textarea#{id}")).unwrap())
            .next()
            .unwrap_or_else(|| panic!("no field #{id}"))
            .text()
            .collect(),
    }
}

/// Asserts a 422 with `message` beside field `id`, and the typed text kept
/// around the refused character (an HTML parser shows NUL as U+FFFD and
/// CR LF as LF, so only the printable ends are compared).
pub fn refused_beside(a: &Answer, id: &str, message: &str, typed: &str) {
    assert_eq!(a.status, 422, "#{id} with {typed:?}: {}", a.body);
    let error = texts(&a.body, &format!("#{id}-error"));
    assert!(
        error.iter().any(|e| e.contains(message)),
        "#{id} with {typed:?}: expected {message:?} beside the field, got {error:?}"
    );
    let value = kept(&a.body, id);
    let (head, tail) = (printable_head(typed), printable_tail(typed));
    assert!(
        value.starts_with(&head) && value.ends_with(&tail),
        "#{id}: input not kept: {value:?} from {typed:?}"
    );
}

pub fn printable_head(s: &str) -> String {
    s.chars().take_while(|c| !c.is_control()).collect()
}

pub fn printable_tail(s: &str) -> String {
    let tail: String = s.chars().rev().take_while(|c| !c.is_control()).collect();
    tail.chars().rev().collect()
}

pub fn new_item() -> Vec<(String, String)> {
    [
        ("kind", "bill"),
        ("title", "Chip Security Act"),
        ("short_title", "Chip Security Act (S.1705)"),
        ("original_title", ""),
        ("slug", "chip-security-act"),
        ("jurisdiction", "US"),
        ("identifiers", "S.1705\r\n119th Congress"),
        ("parties", "Sen. Tom Cotton (R-AR), sponsor"),
        ("tags", "ai, export-controls"),
        (
            "summary",
            "Would require location verification.\r\nSecond line.",
        ),
        ("status_summary", "In committee."),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub async fn post_form(b: &Browser, path: &str, fields: Vec<(String, String)>) -> Answer {
    let token = b.csrf(path).await;
    b.post_fields(path, &with(fields, "csrf_token", &token))
        .await
}

/// One-line item fields with their element ids.
pub const ONE_LINE_ITEM_FIELDS: [(&str, &str); 4] = [
    ("title", "item-title"),
    ("short_title", "item-short-title"),
    ("original_title", "item-original-title"),
    ("status_summary", "item-status-summary"),
];

/// The new-event form of an item, filled in correctly.
pub fn new_event() -> Vec<(String, String)> {
    [
        ("date", "2025-05-01"),
        ("precision", "day"),
        ("status", "introduced"),
        ("note", "Introduced in the Senate."),
        (
            "source_url",
            "https://www.congress.gov/bill/119th-congress/senate-bill/321",
        ),
        ("confidence", "high"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

//! Import and export, read back the way a user's file would be.

mod checks;
mod csv;
mod documents;

use super::*;

/// Everything read from `text`: the records taken and the records refused.
fn read_all(format: Format, text: &str) -> (Vec<Incoming>, Vec<RecordError>) {
    let mut taken = Vec::new();
    let mut refused = Vec::new();
    read(format, text.as_bytes(), |record| {
        match record {
            Ok(incoming) => taken.push(incoming),
            Err(e) => refused.push(e),
        }
        Ok::<_, std::convert::Infallible>(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    (taken, refused)
}

fn items(taken: Vec<Incoming>) -> Vec<ValidItem> {
    taken
        .into_iter()
        .filter_map(|i| match i {
            Incoming::Item(item) => Some(*item),
            Incoming::Link(_) => None,
        })
        .collect()
}

/// The starter data, read as an import.
fn starter_items() -> Vec<ValidItem> {
    let (taken, refused) = read_all(Format::Yaml, crate::seed::STARTER_DATA);
    assert!(refused.is_empty(), "{refused:?}");
    items(taken)
}

/// The messages of the only record refused.
fn refusal(format: Format, text: &str) -> Vec<String> {
    let (taken, refused) = read_all(format, text);
    assert!(taken.is_empty(), "{taken:?}");
    assert_eq!(refused.len(), 1, "{refused:?}");
    refused[0].messages()
}

/// A valid item with one event, as JSON, with `extra` fields merged in.
fn json_item(extra: serde_json::Value) -> String {
    let mut item = serde_json::json!({
        "slug": "chip-security-act",
        "title": "Chip Security Act",
        "kind": "bill",
        "jurisdiction": "US",
        "events": [{
            "date": "2025-05", "precision": "month", "status": "introduced",
            "confidence": "high", "source": "https://www.congress.gov/bill/119th-congress/senate-bill/1705"
        }]
    });
    for (k, v) in extra.as_object().unwrap() {
        item[k] = v.clone();
    }
    serde_json::json!({ "items": [item] }).to_string()
}

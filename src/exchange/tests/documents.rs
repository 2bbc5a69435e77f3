//! JSON and YAML documents: written item by item, read record by record.

use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;

use super::*;

/// The starter items with what an export adds: a retracted event and
/// links listed on the item.
fn full_items() -> Vec<ValidItem> {
    let mut items = starter_items();
    let mut record = ItemRecord::from(&items[0]);
    record.events[1].retracted = true;
    record.events[1].retraction_note = Some("Duplicate of the\nfirst report.".into());
    record.links.push(LinkRecord {
        relation: "could restrict".into(),
        to: "apple-alibaba-china-ai".into(),
    });
    items[0] = validate_item(&record).unwrap();
    items
}

fn json_export(items: &[ValidItem]) -> String {
    let mut writer = JsonWriter::new(Vec::new()).unwrap();
    for item in items {
        writer.write(&ItemRecord::from(item)).unwrap();
    }
    String::from_utf8(writer.finish().unwrap()).unwrap()
}

fn yaml_export(items: &[ValidItem]) -> String {
    let mut writer = YamlWriter::new(Vec::new());
    for item in items {
        writer.write(&ItemRecord::from(item)).unwrap();
    }
    String::from_utf8(writer.finish().unwrap()).unwrap()
}

#[test]
fn json_export_then_import_gives_back_the_same_items() {
    let exported = full_items();
    let text = json_export(&exported);
    let (taken, refused) = read_all(Format::Json, &text);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(items(taken), exported);
}

#[test]
fn yaml_export_then_import_gives_back_the_same_items() {
    let exported = full_items();
    let text = yaml_export(&exported);
    let (taken, refused) = read_all(Format::Yaml, &text);
    assert!(refused.is_empty(), "{refused:?}\n{text}");
    assert_eq!(items(taken), exported);
}

#[test]
fn empty_exports_read_back_as_empty() {
    for (format, text) in [
        (Format::Json, json_export(&[])),
        (Format::Yaml, yaml_export(&[])),
    ] {
        assert_eq!(read_all(format, &text), (vec![], vec![]), "{text}");
    }
}

#[test]
fn json_dates_say_their_precision_and_never_gain_a_day() {
    let text = json_export(&starter_items());
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let apple = &document["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["slug"] == "apple-alibaba-china-ai")
        .unwrap();
    let event = &apple["events"][0];
    assert_eq!(
        (&event["date"], &event["precision"]),
        (&json!("2024"), &json!("year"))
    );
    let statement = &apple["events"][6];
    assert_eq!(
        (&statement["date"], &statement["precision"]),
        (&json!("2025-10"), &json!("month"))
    );
    assert_eq!(
        (&statement["moves_status"], &statement["phase"]),
        (&json!(false), &serde_json::Value::Null)
    );
    assert_eq!(apple["events"][1]["phase"], json!("proposed"));
}

#[test]
fn a_record_of_the_wrong_shape_is_refused_with_its_path_and_reading_goes_on() {
    let text = r#"{"items": [
        {"slug": 5, "title": "A", "kind": "bill", "jurisdiction": "US"},
        {"slug": "b", "title": "B", "kind": "bill", "jurisdiction": "US", "colour": "red"},
        {"slug": "c", "title": "C", "kind": "bill", "jurisdiction": "US",
         "events": [{"date": {"y": 2025}, "status": "introduced"}]},
        "d",
        {"slug": "e", "title": "E", "kind": "bill", "jurisdiction": "US"}
    ]}"#;
    let (taken, refused) = read_all(Format::Json, text);
    assert_eq!(items(taken)[0].slug.as_str(), "e");
    let messages: Vec<_> = refused.iter().flat_map(RecordError::messages).collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert_eq!(
        messages[0],
        "items[0].slug: invalid type: integer `5`, expected a string"
    );
    assert!(
        messages[1].starts_with("items[1].colour: unknown field `colour`, expected one of `slug`"),
        "{}",
        messages[1]
    );
    assert_eq!(
        messages[2],
        "items[2].events[0].date: invalid type: map, expected a date written YYYY-MM-DD, YYYY-MM or YYYY"
    );
    assert_eq!(
        messages[3],
        "items[3]: invalid type: string \"d\", expected struct ItemRecord"
    );
}

#[test]
fn yaml_records_of_the_wrong_shape_are_refused_one_by_one() {
    let text = "items:\n- slug: a\n  title: A\n  kind: bill\n  jurisdiction: US\n  tags: ai\n\
                - slug: b\n  title: B\n  kind: bill\n  jurisdiction: US\n";
    let (taken, refused) = read_all(Format::Yaml, text);
    assert_eq!(items(taken)[0].slug.as_str(), "b");
    assert_eq!(
        refused[0].messages(),
        ["items[0].tags: invalid type: string \"ai\", expected a sequence"]
    );
}

#[test]
fn a_file_that_is_not_a_document_stops_reading_with_where_it_broke() {
    let text = "{\"items\": [\n{\"slug\": \"a\", \"title\": \"A\", \"kind\": \"bill\", \"jurisdiction\": \"US\"},\n{\"slug\": \"b\",, }\n]}";
    let mut taken = 0;
    let e = read(Format::Json, text.as_bytes(), |r| {
        taken += usize::from(r.is_ok());
        Ok::<_, String>(())
    })
    .unwrap_err();
    assert_eq!(taken, 1, "the record before the break is handed over");
    assert_eq!(
        e.to_string(),
        "the file is not JSON of the expected shape: key must be a string at line 3 column 14"
    );
    let e = read(
        Format::Json,
        &b"{\"item\": []}"[..],
        |_| Ok::<_, String>(()),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the file is not JSON of the expected shape: unknown field `item`, expected `items` or `links` at line 1 column 8"
    );
    let e = read(Format::Yaml, &b"items:\n  - a: [\n"[..], |_| {
        Ok::<_, String>(())
    })
    .unwrap_err();
    assert!(matches!(e, ReadError::Yaml(_)), "{e}");
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn the_handler_can_stop_reading() {
    let text = json_export(&starter_items());
    let mut seen = 0;
    let e = read(Format::Json, text.as_bytes(), |_| {
        seen += 1;
        Err("database unavailable")
    })
    .unwrap_err();
    assert_eq!(seen, 1);
    assert!(matches!(e, ReadError::Stopped("database unavailable")));
}

/// A JSON export of `count` items, made as it is read: the whole file
/// never exists, and the bytes handed out so far are counted.
struct Generated {
    count: usize,
    next: usize,
    pending: Vec<u8>,
    served: Arc<AtomicUsize>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.pending = match self.next {
                0 => b"{\"items\": [".to_vec(),
                n if n <= self.count => {
                    let item = json!({"slug": format!("item-{n}"), "title": "x".repeat(200),
                        "kind": "other", "jurisdiction": "EU", "summary": "y".repeat(300)});
                    let comma = if n == 1 { "" } else { "," };
                    format!("{comma}{item}").into_bytes()
                }
                n if n == self.count + 1 => b"]}".to_vec(),
                _ => return Ok(0),
            };
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.served.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn json_is_read_one_record_at_a_time() {
    let served = Arc::new(AtomicUsize::new(0));
    let input = Generated {
        count: 10_000,
        next: 0,
        pending: Vec::new(),
        served: served.clone(),
    };
    let mut read_so_far = Vec::new();
    read(Format::Json, input, |record| {
        assert!(record.is_ok(), "{record:?}");
        read_so_far.push(served.load(Ordering::Relaxed));
        Ok::<_, String>(())
    })
    .unwrap();
    assert_eq!(read_so_far.len(), 10_000);
    let total = served.load(Ordering::Relaxed);
    assert!(total > 5_000_000, "{total}");
    // Each record is handed over once it and at most a buffer more are read.
    for (i, &bytes) in read_so_far.iter().enumerate() {
        assert!(
            bytes < (i + 1) * 600 + 16 * 1024,
            "record {i}: {bytes} bytes read"
        );
    }
}

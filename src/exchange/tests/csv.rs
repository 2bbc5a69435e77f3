//! CSV: what a spreadsheet opens, and what an import takes back from it.

use super::*;
use crate::domain::{EventDate, Phase};

fn row_of(item: &ItemRecord) -> CsvRow<'_> {
    CsvRow {
        item,
        status: Some("not-enforced"),
        phase: Some(Phase::Stalled),
        last_event: Some("2025-06".parse::<EventDate>().unwrap()),
        url: "https://regwatch.example/items/x",
    }
}

fn export(records: &[ItemRecord]) -> String {
    let mut writer = CsvWriter::new(Vec::new()).unwrap();
    for record in records {
        writer.write(&row_of(record)).unwrap();
    }
    String::from_utf8(writer.finish().unwrap()).unwrap()
}

/// An item's fields only: what CSV carries.
fn fields_only(item: &ValidItem) -> ValidItem {
    ValidItem {
        events: vec![],
        milestones: vec![],
        links: vec![],
        ..item.clone()
    }
}

#[test]
fn a_csv_export_is_utf8_with_a_byte_order_mark_crlf_and_quotes_where_needed() {
    let record = ItemRecord {
        slug: "cn-labelling".into(),
        title: "Labelling, \"AI\" content".into(),
        original_title: Some("人工智能生成合成内容标识办法".into()),
        kind: "regulation".into(),
        jurisdiction: "CN".into(),
        identifiers: vec!["GB 45438-2025".into(), "No. 2; annex".into()],
        tags: vec!["ai".into(), "content-rules".into()],
        summary: "Two\nlines".into(),
        ..ItemRecord::default()
    };
    let text = export(&[record]);
    assert!(text.starts_with('\u{feff}'), "no byte order mark");
    let lines: Vec<&str> = text['\u{feff}'.len_utf8()..].split("\r\n").collect();
    assert_eq!(
        lines[0],
        "slug,title,short_title,original_title,kind,jurisdiction,status,phase,\
         last_event_date,last_event_precision,identifiers,parties,tags,summary,current,url"
    );
    assert_eq!(
        lines[1],
        "cn-labelling,\"Labelling, \"\"AI\"\" content\",,人工智能生成合成内容标识办法,\
         regulation,CN,not-enforced,stalled,2025-06,month,GB 45438-2025; No. 2\\; annex,,\
         ai; content-rules,\"Two\nlines\",,https://regwatch.example/items/x"
    );
    assert_eq!(lines[2], "");
    assert_eq!(lines.len(), 3);
}

#[test]
fn csv_export_then_import_gives_back_the_items_fields() {
    let exported: Vec<ValidItem> = starter_items().iter().map(fields_only).collect();
    let records: Vec<ItemRecord> = exported.iter().map(ItemRecord::from).collect();
    let (taken, refused) = read_all(Format::Csv, &export(&records));
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(items(taken), exported);
}

#[test]
fn cells_a_spreadsheet_would_run_as_formulas_are_written_as_text_and_read_back() {
    let record = ItemRecord {
        slug: "formulas".into(),
        title: "=HYPERLINK(\"https://evil.example\")".into(),
        short_title: Some("'=already quoted".into()),
        original_title: Some("'plain apostrophe".into()),
        kind: "other".into(),
        jurisdiction: "EU".into(),
        parties: vec!["@handle".into(), "Plain".into()],
        summary: "-1 and +1".into(),
        current: Some("+ more".into()),
        ..ItemRecord::default()
    };
    let text = export(std::slice::from_ref(&record));
    let row = text.split("\r\n").nth(1).unwrap();
    assert!(
        row.starts_with("formulas,\"'=HYPERLINK(\"\"https://evil.example\"\")\",''=already quoted,'plain apostrophe,"),
        "{row}"
    );
    assert!(
        row.contains(",'@handle; Plain,,'-1 and +1,'+ more,"),
        "{row}"
    );
    let (taken, _) = read_all(Format::Csv, &text);
    assert_eq!(
        ItemRecord::from(&items(taken)[0]),
        ItemRecord::from(&validate_item(&record).unwrap())
    );
}

#[test]
fn list_cells_split_at_unescaped_semicolons() {
    let text = "slug,title,kind,jurisdiction,parties\r\n\
                a,A,other,EU,\"Sen. X\\; co-sponsor ;  Dept. of A\\\\B;;\"\r\n";
    let (taken, _) = read_all(Format::Csv, text);
    let parties: Vec<_> = items(taken)[0]
        .parties
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    assert_eq!(parties, ["Sen. X; co-sponsor", "Dept. of A\\B"]);
}

#[test]
fn csv_rows_with_problems_are_refused_by_their_line_and_reading_goes_on() {
    // CRLF line ends, a row of two lines and a blank line: all counted.
    let text = "slug,title,kind,jurisdiction,summary,status\r\n\
                a,A,other,EU,\"a summary\r\nof two lines\",ignored\r\n\
                b,B,treaty,EU,,\r\n\
                \r\n\
                c,C,other\r\n\
                d,D,other,EU,,\r\n";
    let (taken, refused) = read_all(Format::Csv, text);
    let slugs: Vec<_> = items(taken).iter().map(|i| i.slug.to_string()).collect();
    assert_eq!(slugs, ["a", "d"]);
    let messages: Vec<_> = refused.iter().flat_map(RecordError::messages).collect();
    assert_eq!(
        messages,
        [
            "line 4, kind: unknown kind \"treaty\"; expected one of: bill, regulation, executive-action, deal, product, other",
            "line 6: the row has 3 cells where the header has 6",
        ]
    );
    assert_eq!(refused[0].slug.as_deref(), Some("b"));
    let lf = "slug,title,kind,jurisdiction\na,A,other,EU\n\n\nb,B,treaty,EU\n";
    let (_, refused) = read_all(Format::Csv, lf);
    assert!(refused[0].messages()[0].starts_with("line 5, kind: "));
}

#[test]
fn a_csv_header_it_cannot_use_stops_reading() {
    for (text, message) in [
        (
            "slug,title,kind,jurisdiction,colour\r\n",
            "the file is not CSV of the expected shape: line 1: unknown column \"colour\"; \
             the columns are slug, title, short_title, original_title, kind, jurisdiction, \
             status, phase, last_event_date, last_event_precision, identifiers, parties, tags, \
             summary, current, url",
        ),
        (
            "\u{feff}slug,kind\r\na,bill\r\n",
            "the file is not CSV of the expected shape: line 1: the header has no title column, \
             no jurisdiction column",
        ),
    ] {
        let e = read(Format::Csv, text.as_bytes(), |_| Ok::<_, String>(())).unwrap_err();
        assert_eq!(e.to_string(), message);
    }
}

#[test]
fn a_row_that_is_not_utf8_is_refused_by_its_line() {
    let mut bytes = b"slug,title,kind,jurisdiction\r\na,A,other,EU\r\nb,".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b",other,EU\r\n");
    let mut refused = Vec::new();
    read(Format::Csv, &bytes[..], |r| {
        if let Err(e) = r {
            refused.push(e.messages());
        }
        Ok::<_, String>(())
    })
    .unwrap();
    assert_eq!(refused, [["line 3: the row is not UTF-8 text"]]);
}

#[test]
fn formats_are_named_by_option_and_by_extension() {
    assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
    assert!("xml".parse::<Format>().is_err());
    assert_eq!(Format::of_file_name("items.YML"), Some(Format::Yaml));
    assert_eq!(Format::of_file_name("export.json"), Some(Format::Json));
    assert_eq!(Format::of_file_name("README"), None);
}

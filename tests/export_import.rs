//! Export as users rely on it: `/items.csv` and `/items.json` with the item
//! table's filters, and `regwatch export` on the command line; each read
//! back as a spreadsheet or a program would read it.

mod common;

use std::process::Command;

use common::TestDatabase;
use regwatch::db::Backend;

const S321: &str = "us-s321-ai-decoupling-act";
const CAC: &str = "cn-generative-ai-interim-measures";

fn regwatch(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// CSV rows as a spreadsheet reads them: UTF-8 after the byte order mark.
fn csv_rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let text = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("a byte order mark, so spreadsheets read UTF-8");
    let mut reader = csv::Reader::from_reader(text);
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "slug");
    reader.records().map(Result::unwrap).collect()
}

both_backends!(the_item_table_downloads_as_csv_and_json, |app| {
    let res = app.get("/items.csv?jurisdiction=CN").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let body = res.bytes().await.unwrap();
    assert!(body.windows(2).any(|w| w == b"\r\n"), "RFC 4180 line ends");
    let rows = csv_rows(&body);
    assert!(rows.iter().all(|r| &r[5] == "CN"), "one row per CN item");
    let cac = rows
        .iter()
        .find(|r| &r[0] == CAC)
        .expect("the CAC measures");
    assert_eq!(&cac[3], "生成式人工智能服务管理暂行办法", "CJK intact");
    assert!(cac[15].ends_with(&format!("/items/{CAC}")));

    let json: serde_json::Value = app.get("/items.json").await.json().await.unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 7, "every starter item");
    let s321 = items.iter().find(|i| i["slug"] == S321).unwrap();
    let first = &s321["events"][0];
    assert_eq!(first["date"], "2025-01-29");
    assert_eq!(first["precision"], "day");
    assert!(first["source"].as_str().unwrap().starts_with("https://"));
    // The end of the 119th Congress, as the starter data schedules it.
    let ahead = &s321["milestones"][0];
    assert_eq!(ahead["date"], "2027-01-03");
    assert_eq!(ahead["precision"], "day");
    assert_eq!(ahead["kind"], "session-end");
    assert!(ahead["source"].as_str().unwrap().starts_with("https://"));
    assert!(items
        .iter()
        .any(|i| !i["links"].as_array().unwrap().is_empty()));

    let bad = app.get("/items.csv?kind=spaceship").await;
    assert_eq!(bad.status().as_u16(), 400);
    let html = app.page("/items?kind=deal", 200).await;
    assert_eq!(
        common::attrs(&html, ".downloads a", "href"),
        ["/items.csv?kind=deal", "/items.json?kind=deal"]
    );
});

async fn the_command_line_exports_filtered_items(backend: Backend) {
    let Some(db) = TestDatabase::create(backend) else {
        return;
    };
    let (ok, _, err) = regwatch(&db.url, &["seed"]);
    assert!(ok, "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deals.yaml");
    let path = file.to_str().unwrap();
    let (ok, out, err) = regwatch(&db.url, &["export", "--kind", "deal", "-o", path]);
    assert!(ok, "{err}");
    assert!(out.contains("exported 1 items"), "{out}");
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(
        yaml.starts_with("items:\n- slug: apple-alibaba-china-ai\n"),
        "{yaml}"
    );
    // The same shape as the starter data: it parses as one.
    assert_eq!(regwatch::seed::parse(&yaml).unwrap().items.len(), 1);

    let (ok, out, err) = regwatch(
        &db.url,
        &["export", "--format", "csv", "--jurisdiction", "CN"],
    );
    assert!(ok, "{err}");
    let rows = csv_rows(out.as_bytes());
    assert!(rows.iter().any(|r| &r[0] == CAC));

    let (ok, _, err) = regwatch(&db.url, &["export", "--phase", "sideways"]);
    assert!(!ok);
    assert!(err.contains("phase"), "{err}");
}

both_backends!(the_command_line_exports_filtered_items);

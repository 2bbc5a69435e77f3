//! Form fields as an editor fills them in.

/// The new-item form, filled in for a bill that is not in the starter data.
pub fn new_item<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "bill"),
        ("title", "Chip Security Act"),
        ("short_title", "Chip Security Act (S.1705)"),
        ("slug", ""),
        ("jurisdiction", "US"),
        ("identifiers", "S.1705\n119th Congress"),
        ("parties", "Sen. Tom Cotton (R-AR), sponsor"),
        ("tags", "ai, export-controls, semiconductors"),
        (
            "summary",
            "Would require location verification for export-controlled chips.",
        ),
        ("status_summary", ""),
    ]
}

/// Records a "referred" event with `note` on S.321 through the form, as
/// `editor`, and checks it was saved.
pub async fn record_on_s321(editor: &super::Browser, note: &str) {
    let saved = editor
        .submit(
            "/items/us-s321-ai-decoupling-act/events/new",
            &[
                ("date", "2026-11"),
                ("precision", "month"),
                ("status", "referred"),
                ("note", note),
                (
                    "source_url",
                    "https://www.congress.gov/bill/119th-congress/senate-bill/321",
                ),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

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

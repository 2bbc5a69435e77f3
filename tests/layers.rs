//! The layers point one way: `web` → `mail` → `store` → `domain`, with
//! rendering, the clock and settings below whoever uses them. This test
//! reads the sources and fails when a module imports from a layer above it,
//! or when SQL (diesel's query DSL) appears outside `store`, `db` and
//! `seed`.

use std::path::{Path, PathBuf};

/// Each layer and the crate modules it must not name.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("domain", &["web", "mail", "store", "db", "seed", "config"]),
    ("store", &["web", "mail", "seed"]),
    ("mail", &["web"]),
    ("connectors", &["web", "mail", "seed"]),
    ("templates.rs", &["web", "mail", "store"]),
    ("calendar.rs", &["web", "mail", "store"]),
    ("feed.rs", &["web", "mail", "store"]),
    ("exchange", &["web", "mail", "store"]),
];

fn sources(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            sources(&entry, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

/// The lines of a file that name `crate::{module}` (or `super::…` reaching
/// it from a top-level file), comments excluded.
fn naming(file: &Path, module: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let needles = [format!("crate::{module}"), format!("crate::{{{module}")];
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| {
            needles.iter().any(|n| {
                l.match_indices(n.as_str()).any(|(i, _)| {
                    let rest = &l[i + n.len()..];
                    !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        })
        .map(|l| format!("{}: {}", file.display(), l.trim()))
        .collect()
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (layer, above) in FORBIDDEN {
        let root = src.join(layer);
        if !root.exists() {
            continue;
        }
        let mut files = Vec::new();
        sources(&root, &mut files);
        for file in &files {
            for module in *above {
                wrong.extend(naming(file, module));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up a layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn sql_stays_in_the_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in ["web", "mail", "domain"] {
        sources(&src.join(layer), &mut files);
    }
    let markers = [
        "diesel::prelude",
        "crate::schema",
        "sql_query(",
        ".load::<",
        ".get_result(",
        "diesel::insert_into",
        "diesel::update",
        "diesel::delete",
    ];
    let wrong: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .filter(|l| markers.iter().any(|m| l.contains(m)))
                .map(|l| format!("{}: {}", file.display(), l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "SQL outside the store:\n{}",
        wrong.join("\n")
    );
}

//! What a scope says in words, on pages and in emails ("items tagged “ai”").

use diesel::prelude::*;

use crate::db::{DbConnection, DbError};
use crate::domain::{SavedFilter, Scope};
use crate::schema::items;

pub fn describe(conn: &mut DbConnection, scope: &Scope) -> Result<String, DbError> {
    Ok(match scope {
        Scope::All => "every change to every item".to_owned(),
        Scope::Item(id) => {
            let title: Option<String> = items::table
                .find(id)
                .select(items::title)
                .first(conn)
                .optional()?;
            match title {
                Some(t) => format!("the item “{t}”"),
                None => "an item that no longer exists".to_owned(),
            }
        }
        Scope::Tag(t) => format!("items tagged “{}”", t.as_str()),
        Scope::Jurisdiction(j) => format!("items of jurisdiction {}", j.as_str()),
        Scope::Kind(k) => format!("items of kind “{}”", k.label()),
        Scope::Filter(f) => format!("items matching the filter {}", describe_filter(f)),
    })
}

fn describe_filter(saved: &SavedFilter) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(saved.query()).unwrap_or_default();
    pairs
        .iter()
        .map(|(k, v)| match k.as_str() {
            "q" => format!("search “{v}”"),
            "from" => format!("from {v}"),
            "to" => format!("to {v}"),
            _ => format!("{k} {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

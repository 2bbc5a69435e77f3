//! Revisions: every save of an item, with who, when and a field-level diff.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::author::{Author, Origin};
use super::json::Json;
use super::{DbConnection, DbError};
use crate::domain::{text_enum, ItemId, RevisionId, UserId};
use crate::schema::{revisions, users};

/// One changed field: its value before and after (`None` where absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The changes between two lists of (field, value) pairs, in field order.
pub fn diff(old: &[(&'static str, String)], new: &[(&'static str, String)]) -> Vec<FieldChange> {
    let value = |list: &[(&'static str, String)], field: &str| {
        list.iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mut fields: Vec<&'static str> = new.iter().map(|(f, _)| *f).collect();
    for (f, _) in old {
        if !fields.contains(f) {
            fields.push(f);
        }
    }
    fields
        .into_iter()
        .filter_map(|field| {
            let (o, n) = (value(old, field), value(new, field));
            (o != n).then(|| FieldChange {
                field: field.to_owned(),
                old: o,
                new: n,
            })
        })
        .collect()
}

text_enum! {
    /// What a revision records.
    pub enum RevisionAction {
        /// The item was created.
        Create = "create",
        /// Its fields were edited.
        Edit = "edit",
        /// A status event was recorded.
        Event = "event",
        EventCorrection = "event-correction",
        /// A minor correction (a typo, a better link): no immediate alert.
        MinorEventCorrection = "event-correction-minor",
        EventRetraction = "event-retraction",
        /// A link to another item was added.
        Link = "link",
        Unlink = "unlink",
        /// A milestone was added.
        Milestone = "milestone",
        MilestoneCorrection = "milestone-correction",
        MinorMilestoneCorrection = "milestone-correction-minor",
        /// A milestone was removed (kept as cancelled).
        MilestoneRemoval = "milestone-removal",
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = revisions)]
pub struct RevisionRow {
    pub id: RevisionId,
    pub item_id: ItemId,
    pub user_id: Option<UserId>,
    pub item_version: i32,
    pub action: RevisionAction,
    pub diff: Json<Vec<FieldChange>>,
    pub created_at: NaiveDateTime,
    /// Set for an import (see [`Origin`]).
    pub origin: Option<Origin>,
}

impl RevisionRow {
    pub fn changes(&self) -> &[FieldChange] {
        &self.diff.0
    }
}

/// Records a revision of a change made at `at`; call inside the transaction
/// of the change itself (or later, for a change recorded late).
pub fn record(
    conn: &mut DbConnection,
    item_id: ItemId,
    by: impl Into<Author>,
    item_version: i32,
    action: RevisionAction,
    changes: &[FieldChange],
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let by = by.into();
    let diff = serde_json::to_string(changes).expect("field changes serialise");
    diesel::insert_into(revisions::table)
        .values((
            revisions::item_id.eq(item_id),
            revisions::user_id.eq(by.user),
            revisions::item_version.eq(item_version),
            revisions::action.eq(action),
            revisions::diff.eq(diff),
            revisions::created_at.eq(at),
            revisions::origin.eq(by.origin),
        ))
        .execute(conn)?;
    Ok(())
}

/// A revision and the address of the editor who made it (`None`: the
/// starter data, or an account since deleted).
#[derive(Debug, Queryable)]
pub struct Authored {
    pub revision: RevisionRow,
    pub author: Option<String>,
}

/// An item's revisions with their authors, newest first (by when the
/// change was made, so a change recorded late takes its place in time).
pub fn for_item(conn: &mut DbConnection, item_id: ItemId) -> Result<Vec<Authored>, DbError> {
    Ok(revisions::table
        .left_join(users::table)
        .filter(revisions::item_id.eq(item_id))
        .order((revisions::created_at.desc(), revisions::id.desc()))
        .select((RevisionRow::as_select(), users::email.nullable()))
        .load(conn)?)
}

/// The edits of an item's fields saved after `version`, with their
/// authors, newest first: what an editor who loaded that version missed.
pub fn edits_after(
    conn: &mut DbConnection,
    item_id: ItemId,
    version: i32,
) -> Result<Vec<Authored>, DbError> {
    Ok(revisions::table
        .left_join(users::table)
        .filter(revisions::item_id.eq(item_id))
        .filter(revisions::action.eq(RevisionAction::Edit))
        .filter(revisions::item_version.gt(version))
        .order((revisions::created_at.desc(), revisions::id.desc()))
        .select((RevisionRow::as_select(), users::email.nullable()))
        .load(conn)?)
}

/// Whether an editor (not the starter data) has edited the item's fields.
pub fn fields_edited_by_an_editor(
    conn: &mut DbConnection,
    item_id: ItemId,
) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        revisions::table
            .filter(revisions::item_id.eq(item_id))
            .filter(revisions::action.eq(RevisionAction::Edit))
            .filter(revisions::user_id.is_not_null()),
    ))
    .get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_back_as_written_and_unknown_ones_are_refused() {
        for &action in RevisionAction::ALL {
            assert_eq!(RevisionAction::from_name(action.as_str()), Some(action));
        }
        assert_eq!(RevisionAction::from_name("merge"), None);
        assert_eq!(RevisionAction::from_name("Edit"), None);
    }

    #[test]
    fn diff_lists_only_changed_fields() {
        let old = [("title", "A".to_owned()), ("summary", "same".to_owned())];
        let new = [
            ("title", "B".to_owned()),
            ("summary", "same".to_owned()),
            ("tags", "ai".to_owned()),
        ];
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0],
            FieldChange {
                field: "title".into(),
                old: Some("A".into()),
                new: Some("B".into())
            }
        );
        assert_eq!(
            d[1],
            FieldChange {
                field: "tags".into(),
                old: None,
                new: Some("ai".into())
            }
        );
    }
}

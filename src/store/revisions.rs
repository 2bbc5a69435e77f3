//! Revisions: every save of an item, with who, when and a field-level diff.

use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

use super::columns::parse_stored;
use super::{now, DbConnection, DbError};
use crate::domain::{InvalidValue, ItemId, RevisionId, UserId};
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

/// What a save did to the item: the `action` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum RevisionAction {
    Create,
    Edit,
    Event,
    EventCorrection,
    EventRetraction,
    Link,
    Unlink,
    Milestone,
    MilestoneCorrection,
    MilestoneRemoval,
}

impl RevisionAction {
    pub const ALL: [RevisionAction; 10] = [
        RevisionAction::Create,
        RevisionAction::Edit,
        RevisionAction::Event,
        RevisionAction::EventCorrection,
        RevisionAction::EventRetraction,
        RevisionAction::Link,
        RevisionAction::Unlink,
        RevisionAction::Milestone,
        RevisionAction::MilestoneCorrection,
        RevisionAction::MilestoneRemoval,
    ];

    /// The name stored in the column.
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionAction::Create => "create",
            RevisionAction::Edit => "edit",
            RevisionAction::Event => "event",
            RevisionAction::EventCorrection => "event-correction",
            RevisionAction::EventRetraction => "event-retraction",
            RevisionAction::Link => "link",
            RevisionAction::Unlink => "unlink",
            RevisionAction::Milestone => "milestone",
            RevisionAction::MilestoneCorrection => "milestone-correction",
            RevisionAction::MilestoneRemoval => "milestone-removal",
        }
    }
}

impl FromStr for RevisionAction {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RevisionAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| InvalidValue::new(format!("{s:?} is not a revision action")))
    }
}

impl<DB> ToSql<Text, DB> for RevisionAction
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_str().to_sql(out)
    }
}

impl<DB> FromSql<Text, DB> for RevisionAction
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        parse_stored(&String::from_sql(bytes)?, "revision action")
    }
}

/// A revision's changed fields, stored as JSON in the `diff` column; a
/// stored diff that does not parse fails the query.
#[derive(Debug, Clone, FromSqlRow)]
pub struct Diff(pub Vec<FieldChange>);

impl<DB> FromSql<Text, DB> for Diff
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Diff(serde_json::from_str(&String::from_sql(bytes)?)?))
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
    pub diff: Diff,
    pub created_at: NaiveDateTime,
}

impl RevisionRow {
    pub fn changes(&self) -> &[FieldChange] {
        &self.diff.0
    }
}

/// Records a revision; call inside the transaction of the change itself.
pub fn record(
    conn: &mut DbConnection,
    item_id: ItemId,
    user_id: Option<UserId>,
    item_version: i32,
    action: RevisionAction,
    changes: &[FieldChange],
) -> Result<(), DbError> {
    record_at(conn, item_id, user_id, item_version, action, changes, now())
}

/// Records a revision of a change made at `at` (a change recorded late).
pub fn record_at(
    conn: &mut DbConnection,
    item_id: ItemId,
    user_id: Option<UserId>,
    item_version: i32,
    action: RevisionAction,
    changes: &[FieldChange],
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let diff = serde_json::to_string(changes).expect("field changes serialise");
    diesel::insert_into(revisions::table)
        .values((
            revisions::item_id.eq(item_id),
            revisions::user_id.eq(user_id),
            revisions::item_version.eq(item_version),
            revisions::action.eq(action),
            revisions::diff.eq(diff),
            revisions::created_at.eq(at),
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
        for action in RevisionAction::ALL {
            assert_eq!(action.as_str().parse::<RevisionAction>(), Ok(action));
        }
        assert!("merge".parse::<RevisionAction>().is_err());
        assert!("Edit".parse::<RevisionAction>().is_err());
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

//! Values stored as JSON in a `TEXT` column (a change's payload, a
//! revision's diff), read back typed: a stored text this version cannot
//! read is an error when the row is read, never an empty default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::sql_types::Text;
use serde::de::DeserializeOwned;

/// A JSON value read from a `TEXT` column.
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub struct Json<T>(pub T);

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    T: DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(value)?;
        Ok(Json(serde_json::from_str(&text)?))
    }
}

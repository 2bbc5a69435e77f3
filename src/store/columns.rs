//! Domain values read from their TEXT columns: a row's `kind`, `phase`,
//! date precision, confidence and role load as the domain's enums, and a
//! stored name the enum does not know fails the query (a deserialisation
//! error) rather than turning into a default. They are written by name
//! (`as_str`). Text a domain type checks (a slug, a tag) goes through
//! [`checked`] when it is read back.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::sql_types::Text;

use super::users::Role;
use super::DbError;
use crate::domain::{Confidence, DatePrecision, InvalidValue, Kind, MilestoneKind, Phase};

/// A stored value its domain type refuses fails the query that read it.
pub(super) fn checked<T>(parsed: Result<T, InvalidValue>) -> Result<T, DbError> {
    parsed.map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)).into())
}

/// Reads a stored name through the type's `FromStr`, failing on an unknown
/// one with the column's value in the message.
pub(super) fn parse_stored<T: std::str::FromStr>(text: &str, what: &str) -> deserialize::Result<T> {
    text.parse()
        .map_err(|_| format!("the stored {what} {text:?} is not one regwatch knows").into())
}

macro_rules! text_columns {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                parse_stored(&String::from_sql(bytes)?, $what)
            }
        }

        impl<DB> Queryable<Text, DB> for $ty
        where
            DB: Backend,
            Self: FromSql<Text, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )*};
}

text_columns! {
    Kind => "kind",
    Phase => "phase",
    DatePrecision => "date precision",
    Confidence => "confidence",
    Role => "role",
    MilestoneKind => "milestone kind",
}

//! Text a domain type checks (a slug, a tag) read back from its column:
//! a stored value the type refuses fails the query that read it rather
//! than passing unchecked. (Enums stored by name map to their columns
//! through the domain's `text_enum!`/`text_column!`.)

use super::DbError;
use crate::domain::InvalidValue;

/// A stored value its domain type refuses fails the query that read it.
pub(super) fn checked<T>(parsed: Result<T, InvalidValue>) -> Result<T, DbError> {
    parsed.map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)).into())
}

//! Storing items from a file (`regwatch import`, `/import`) and the
//! starter data, by one path: each item becomes a [`plan::ItemPlan`]
//! (what storing it would change, worked out without writing, which is
//! all a dry run does), carried out by [`apply::apply`] through the
//! store's own writers, so every change has its revision, change record
//! and alerts; [`run`] streams a file record by record and reports each
//! ([`report`]).

pub mod apply;
pub mod plan;
pub mod report;
mod run;

pub use plan::Mode;
pub use report::{Outcome, RecordReport, Summary};
pub use run::{run, Finished, Options, BATCH_RECORDS};

use crate::db::{DbConnection, DbError};
use crate::domain::UserId;
use crate::store::users;

/// Why an account cannot import.
#[derive(Debug, thiserror::Error)]
pub enum ImporterError {
    #[error("no account has the address {0}; create one with `regwatch user add`")]
    Unknown(String),
    #[error("the account {0} is disabled")]
    Disabled(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The editor account an import is recorded as made by.
pub fn importer(conn: &mut DbConnection, email: &str) -> Result<UserId, ImporterError> {
    let email = email.trim();
    match users::find_by_email(conn, email)? {
        None => Err(ImporterError::Unknown(email.to_owned())),
        Some(user) if user.disabled => Err(ImporterError::Disabled(email.to_owned())),
        Some(user) => Ok(user.id),
    }
}

//! The binary's commands that move data in and out from the shell (the
//! library does not use them): accounts, and export and import.

pub mod accounts;
pub mod exchange;

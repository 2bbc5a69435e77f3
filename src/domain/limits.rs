//! How much each recorded field may hold, in characters (lists: in
//! entries), and the slugs that name pages rather than items: one set of
//! limits for every way data comes in (the edit forms, import), so data
//! that one accepts the other accepts too.

pub const TITLE_MAX: usize = 300;
pub const SHORT_TITLE_MAX: usize = 120;
pub const ORIGINAL_TITLE_MAX: usize = 300;
pub const SUMMARY_MAX: usize = 5000;
/// The item's one-line status note (`current` in data files).
pub const STATUS_NOTE_MAX: usize = 500;
pub const IDENTIFIERS_MAX: usize = 20;
pub const IDENTIFIER_MAX: usize = 100;
pub const PARTIES_MAX: usize = 30;
pub const PARTY_MAX: usize = 200;
pub const TAGS_MAX: usize = 20;
/// An event's or a milestone's note.
pub const NOTE_MAX: usize = 2000;
/// Why an event was retracted.
pub const REASON_MAX: usize = 500;
/// A link's relation, e.g. "could restrict".
pub const RELATION_MAX: usize = 60;

/// Slugs that name pages rather than items.
pub const RESERVED_SLUGS: [&str; 1] = ["new"];

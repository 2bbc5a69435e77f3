//! Keyset cursors for the API's lists: where the last row of a page sits in
//! the list's order (its sort key and id), bound to the list, sort and
//! filter it was read with, as an opaque base64url string.
//!
//! A cursor is `base64url(key JSON) "." checksum`, the checksum being the
//! first bytes of SHA-256 over the list's scope and the key. A cursor from
//! another list, sort or filter, a cut or altered one, or one whose key
//! does not fit the sort is refused with a [`QueryError`] naming `cursor`.
//! The key's values only ever reach the database as bound parameters.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{DatePrecision, EventId, ItemId, QueryError, SortColumn};

/// Where an item sits in the item table's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ItemKey {
    /// Sorted by title: title, then id.
    Title { title: String, id: ItemId },
    /// Sorted by kind, jurisdiction, status or phase: the value (`None`:
    /// an item without a status or phase yet), then title A to Z, then id.
    Column {
        value: Option<String>,
        title: String,
        id: ItemId,
    },
    /// Sorted by last event: its first day and precision (`None`: no
    /// event yet), then id.
    LastEvent {
        last: Option<(NaiveDate, DatePrecision)>,
        id: ItemId,
    },
}

impl ItemKey {
    /// Whether this key can come from a table sorted by `column`.
    pub fn fits(&self, column: SortColumn) -> bool {
        match (self, column) {
            (ItemKey::Title { .. }, SortColumn::Title) => true,
            (ItemKey::Column { value, .. }, SortColumn::Kind | SortColumn::Jurisdiction) => {
                value.is_some()
            }
            (ItemKey::Column { .. }, SortColumn::Status | SortColumn::Phase) => true,
            (ItemKey::LastEvent { .. }, SortColumn::LastEvent) => true,
            _ => false,
        }
    }
}

/// Where an event sits in the timeline (newest first, then highest id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventKey {
    pub date: NaiveDate,
    pub id: EventId,
}

/// Longest cursor accepted (a title is at most a few hundred characters).
const MAX_CURSOR_LEN: usize = 4096;
/// Bytes of the checksum kept.
const CHECK_BYTES: usize = 12;

fn checksum(scope: &str, key: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update((scope.len() as u64).to_be_bytes());
    hash.update(scope.as_bytes());
    hash.update(key);
    URL_SAFE_NO_PAD.encode(&hash.finalize()[..CHECK_BYTES])
}

/// The cursor after `key` in the list described by `scope` (the list's
/// name, sort and filter, written the same way each time).
pub fn encode<K: Serialize>(scope: &str, key: &K) -> String {
    // Serialising these plain structs cannot fail.
    let json = serde_json::to_vec(key).unwrap_or_default();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&json),
        checksum(scope, &json)
    )
}

/// The key a cursor made by [`encode`] for the same `scope` holds.
pub fn decode<K: DeserializeOwned>(scope: &str, cursor: &str) -> Result<K, QueryError> {
    let refused = |problem: &str| QueryError {
        param: "cursor",
        problem: format!("{problem}; pass the cursor of a `next` link unchanged"),
    };
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(refused("the cursor is too long"));
    }
    let (body, check) = cursor
        .split_once('.')
        .ok_or_else(|| refused("this is not a cursor"))?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| refused("this is not a cursor"))?;
    if checksum(scope, &json) != check {
        return Err(refused(
            "the cursor was altered, or belongs to another list, sort or filter",
        ));
    }
    serde_json::from_slice(&json).map_err(|_| refused("this is not a cursor"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ItemKey {
        ItemKey::Column {
            value: None,
            title: "Chip \"rules\" 芯片".to_owned(),
            id: ItemId(7),
        }
    }

    #[test]
    fn a_cursor_gives_back_its_key_in_its_own_scope_only() {
        let cursor = encode("items|title|asc|", &key());
        assert!(cursor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        assert_eq!(
            decode::<ItemKey>("items|title|asc|", &cursor).unwrap(),
            key()
        );
        let err = decode::<ItemKey>("items|title|desc|", &cursor).unwrap_err();
        assert_eq!(err.param, "cursor");
    }

    #[test]
    fn altered_or_malformed_cursors_are_refused() {
        let cursor = encode("events|", &key());
        let mut altered = cursor.clone().into_bytes();
        altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [
            "",
            "abc",
            "%%%.x",
            &altered,
            &cursor[..cursor.len() - 1],
            &"A".repeat(5000),
        ] {
            let err = decode::<ItemKey>("events|", bad).unwrap_err();
            assert_eq!(err.param, "cursor", "{bad}");
        }
    }

    #[test]
    fn keys_fit_their_sort_only() {
        assert!(key().fits(SortColumn::Status));
        assert!(!key().fits(SortColumn::Kind));
        assert!(!key().fits(SortColumn::Title));
        let last = ItemKey::LastEvent {
            last: None,
            id: ItemId(1),
        };
        assert!(last.fits(SortColumn::LastEvent));
        assert!(!last.fits(SortColumn::Phase));
    }
}

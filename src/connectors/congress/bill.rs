//! A bill as Congress.gov addresses it, read from an item's identifiers
//! ("S.321" and "119th Congress"), with its API path and congress.gov page.

/// A bill as Congress.gov addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRef {
    pub congress: u32,
    /// The API's lower-case type: `s`, `hr`, `sjres`…
    pub bill_type: &'static str,
    pub number: u32,
}

/// The API's bill types, with the words congress.gov's pages use.
const TYPES: &[(&str, &str)] = &[
    ("s", "senate-bill"),
    ("hr", "house-bill"),
    ("sres", "senate-resolution"),
    ("hres", "house-resolution"),
    ("sjres", "senate-joint-resolution"),
    ("hjres", "house-joint-resolution"),
    ("sconres", "senate-concurrent-resolution"),
    ("hconres", "house-concurrent-resolution"),
];

impl BillRef {
    /// The bill an item's identifiers name, if they name one and its
    /// Congress: "S.321" (or "H.R. 1234", "S.J.Res.12") and "119th Congress".
    pub fn from_identifiers(identifiers: &[String]) -> Option<BillRef> {
        let congress = identifiers.iter().find_map(|i| parse_congress(i))?;
        let (bill_type, number) = identifiers.iter().find_map(|i| parse_bill(i))?;
        Some(BillRef {
            congress,
            bill_type,
            number,
        })
    }

    pub(super) fn api_path(&self) -> String {
        format!("bill/{}/{}/{}", self.congress, self.bill_type, self.number)
    }

    /// The bill's page on congress.gov, under `tab` (e.g. `all-actions`).
    pub fn web_url(&self, tab: &str) -> String {
        let words = TYPES
            .iter()
            .find(|(t, _)| *t == self.bill_type)
            .map_or("bill", |(_, w)| w);
        format!(
            "https://www.congress.gov/bill/{}{}-congress/{words}/{}/{tab}",
            self.congress,
            ordinal_suffix(self.congress),
            self.number
        )
    }

    pub(super) fn key(&self) -> String {
        format!("{}/{}/{}", self.congress, self.bill_type, self.number)
    }
}

pub(super) fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// "119th Congress" → 119.
fn parse_congress(identifier: &str) -> Option<u32> {
    let lower = identifier.trim().to_lowercase();
    let ordinal = lower.strip_suffix("congress")?.trim();
    let digits: String = ordinal.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &ordinal[digits.len()..];
    let n: u32 = digits.parse().ok()?;
    (suffix == ordinal_suffix(n)).then_some(n)
}

/// "S.321", "H.R. 1234", "S.J.Res.12" → (type, number).
fn parse_bill(identifier: &str) -> Option<(&'static str, u32)> {
    let compact: String = identifier
        .chars()
        .filter(|c| !matches!(c, '.' | ' '))
        .collect::<String>()
        .to_lowercase();
    let letters: String = compact
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let number: u32 = compact[letters.len()..].parse().ok()?;
    let (bill_type, _) = TYPES.iter().find(|(t, _)| *t == letters)?;
    Some((bill_type, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_name_a_bill_and_its_congress() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            BillRef::from_identifiers(&ids(&["S.321", "119th Congress"])),
            Some(BillRef {
                congress: 119,
                bill_type: "s",
                number: 321
            })
        );
        let hr = BillRef::from_identifiers(&ids(&["H.R. 1234", "118th Congress"])).unwrap();
        assert_eq!((hr.bill_type, hr.number), ("hr", 1234));
        assert_eq!(
            hr.web_url("all-actions"),
            "https://www.congress.gov/bill/118th-congress/house-bill/1234/all-actions"
        );
        assert!(BillRef::from_identifiers(&ids(&["S.321"])).is_none());
        assert!(BillRef::from_identifiers(&ids(&["31 CFR Part 850", "119th Congress"])).is_none());
        assert!(BillRef::from_identifiers(&ids(&["EO 14105", "112nd Congress"])).is_none());
        assert_eq!(ordinal_suffix(111), "th");
        assert_eq!(ordinal_suffix(101), "st");
    }
}

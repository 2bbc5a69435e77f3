use std::fmt;

use super::InvalidValue;

/// An email address a person typed and mail can be sent to (subscribers and
/// accounts alike): one `@`, a
/// local part and a dotted domain, no spaces or characters that could
/// smuggle headers. The domain is lower-cased; the local part is kept as
/// typed (it may be case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address for logs: first character of the local part, then
    /// `***`, then the domain (`j***@example.org`).
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any address-like text for logs (see [`EmailAddress::masked`]).
pub fn mask(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

impl TryFrom<&str> for EmailAddress {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidValue::new("an email address is required"));
        }
        if s.len() > Self::MAX_LEN {
            return Err(InvalidValue::new(format!(
                "an email address has at most {} characters",
                Self::MAX_LEN
            )));
        }
        let invalid = || {
            InvalidValue::new(format!(
                "\"{s}\" is not an email address we can send to (name@example.org)"
            ))
        };
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(invalid());
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(invalid());
        }
        let address = format!("{local}@{}", domain.to_ascii_lowercase());
        // What we accept, the mail library must accept too.
        if address.parse::<lettre::Address>().is_err() {
            return Err(invalid());
        }
        Ok(EmailAddress(address))
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_addresses_and_lowercases_the_domain() {
        let a = EmailAddress::try_from("  Jane.Doe+alerts@Example.ORG ").unwrap();
        assert_eq!(a.as_str(), "Jane.Doe+alerts@example.org");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.org",
            "jane@localhost",
            "jane doe@example.org",
            "jane@example..org",
            "jane@exa mple.org",
            "jane@example.org\r\nBcc: x@y.org",
            "<jane@example.org>",
            "jane..doe@example.org",
            "jané@example.org",
            "ana@x",
            "a b@x.org",
            "a@b@x.org",
        ] {
            assert!(
                EmailAddress::try_from(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(EmailAddress::try_from(long.as_str()).is_err());
    }

    #[test]
    fn masks_for_logs() {
        let a = EmailAddress::try_from("jane@example.org").unwrap();
        assert_eq!(a.masked(), "j***@example.org");
        assert_eq!(mask("nonsense"), "***");
    }
}

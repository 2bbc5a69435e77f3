use std::fmt;

use super::InvalidValue;

/// A URL-safe item identifier: lowercase ASCII letters, digits and single
/// hyphens, 1 to 100 characters, not starting or ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 100;

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Suggests a slug from a title: lowercase ASCII words joined by hyphens.
    pub fn suggest(title: &str) -> String {
        let mut out = String::new();
        for c in title.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut out: String = out.chars().take(Self::MAX_LEN).collect();
        while out.ends_with('-') {
            out.pop();
        }
        out
    }
}

impl TryFrom<&str> for Slug {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidValue::new("a slug is required"));
        }
        if s.len() > Self::MAX_LEN {
            return Err(InvalidValue::new(format!(
                "a slug has at most {} characters",
                Self::MAX_LEN
            )));
        }
        let valid_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(InvalidValue::new(
                "a slug uses lowercase letters, digits and single hyphens, e.g. us-s321-ai-decoupling-act",
            ));
        }
        Ok(Slug(s.to_owned()))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kebab_case_and_refuses_the_rest() {
        assert!(Slug::try_from("us-s321-ai-decoupling-act").is_ok());
        for bad in ["", "Upper", "a--b", "-a", "a-", "a b", "é", "../x"] {
            assert!(Slug::try_from(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::try_from("a".repeat(101).as_str()).is_err());
    }

    #[test]
    fn suggests_a_slug_from_a_title() {
        assert_eq!(
            Slug::suggest("Apple–Alibaba China AI deal (2025)"),
            "apple-alibaba-china-ai-deal-2025"
        );
        assert!(Slug::try_from(Slug::suggest("  Hello, World!  ").as_str()).is_ok());
    }
}

/// A tag: like a slug, at most 50 characters (`export-controls`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Tag {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let s = s.trim();
        if s.len() > 50 {
            return Err(InvalidValue::new("a tag has at most 50 characters"));
        }
        Slug::try_from(s).map(|slug| Tag(slug.0)).map_err(|_| {
            InvalidValue::new(format!(
                "\"{s}\" is not a tag: use lowercase letters, digits and single hyphens, e.g. export-controls"
            ))
        })
    }
}

/// A jurisdiction code: 2 to 12 upper-case letters, digits or hyphens
/// (`US`, `CN`, `EU`, `US-CA`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Jurisdiction(String);

impl Jurisdiction {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Jurisdiction {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let s = s.trim();
        let valid = (2..=12).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && s.as_bytes()[0].is_ascii_uppercase();
        if valid {
            Ok(Jurisdiction(s.to_owned()))
        } else {
            Err(InvalidValue::new(format!(
                "\"{s}\" is not a jurisdiction code: 2 to 12 upper-case letters, digits or hyphens, e.g. US, CN, EU"
            )))
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A source link: an absolute http or https URL with a host, kept as the
/// `url` crate writes it (`https://Example.org` becomes
/// `https://example.org/`). Whitespace and control characters are refused
/// rather than silently dropped, so what is stored is what the editor saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUrl(String);

impl SourceUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for SourceUrl {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidValue::new("a source URL is required"));
        }
        if s.len() > 2000 {
            return Err(InvalidValue::new(
                "a source URL has at most 2000 characters",
            ));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new(
                "a source URL has no spaces, line breaks or control characters",
            ));
        }
        let url =
            url::Url::parse(s).map_err(|_| InvalidValue::new(format!("\"{s}\" is not a URL")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(InvalidValue::new(
                "a source URL starts with http:// or https://",
            ));
        }
        Ok(SourceUrl(url.to_string()))
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn source_urls_must_be_web_links() {
        assert!(SourceUrl::try_from("https://www.gao.gov/products/b-337935").is_ok());
        for bad in [
            "",
            "ftp://x.org/a",
            "javascript:alert(1)",
            "www.example.org",
            "https://",
            "https://ex\r\nample.org/",
            "https://ex\tample.org/",
            "https://example.org/a b",
            "https://example.org/\0",
        ] {
            assert!(
                SourceUrl::try_from(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn source_urls_are_kept_as_parsed() {
        for (typed, kept) in [
            ("https://Example.ORG", "https://example.org/"),
            (
                "http://example.org/a/../b?q=1#top",
                "http://example.org/b?q=1#top",
            ),
            ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ] {
            assert_eq!(SourceUrl::try_from(typed).unwrap().as_str(), kept);
        }
    }

    #[test]
    fn tags_and_jurisdictions() {
        assert!(Tag::try_from("export-controls").is_ok());
        assert!(Tag::try_from("Export Controls").is_err());
        assert!(Jurisdiction::try_from("US").is_ok());
        assert!(Jurisdiction::try_from("EU").is_ok());
        assert!(Jurisdiction::try_from("us").is_err());
        assert!(Jurisdiction::try_from("U").is_err());
    }
}

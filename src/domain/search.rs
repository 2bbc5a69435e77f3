//! Search words: what a reader typed into the search box, normalised the way
//! the search index normalises item documents (lower-case runs of letters and
//! digits), so both sides always agree on what a word is.

/// Most words a search uses; the rest are ignored.
const MAX_TERMS: usize = 12;

/// A reader's search words, normalised. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// `None` when the text holds no searchable word.
    pub fn parse(text: &str) -> Option<SearchQuery> {
        let terms: Vec<String> = words(text).take(MAX_TERMS).collect();
        (!terms.is_empty()).then_some(SearchQuery { terms })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }
}

/// Lower-case words: runs of letters and digits. Quotes and operators cannot
/// survive this, so a query built from them is always well formed.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

/// A document as the index holds it: its words, space-separated.
pub fn normalise(text: &str) -> String {
    words(text).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_keep_only_words() {
        let q = SearchQuery::parse("S.321 \"AI\" OR* (NEAR) '; drop").unwrap();
        assert_eq!(q.terms(), ["s", "321", "ai", "or", "near", "drop"]);
        assert!(SearchQuery::parse("  -- ** ").is_none());
    }

    #[test]
    fn chinese_text_is_kept_as_words() {
        let q = SearchQuery::parse("生成式人工智能").unwrap();
        assert_eq!(q.terms(), ["生成式人工智能"]);
    }

    #[test]
    fn documents_are_normalised_like_queries() {
        assert_eq!(normalise("The S.321 Act—“AI”"), "the s 321 act ai");
    }
}

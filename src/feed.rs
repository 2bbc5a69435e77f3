//! Atom (RFC 4287) feeds of changes: turns plain feed entries into the XML
//! that feed readers subscribe to. XML writing and escaping are the
//! `atom_syndication` crate's.
//!
//! Ids are `tag:` URIs (RFC 4151) minted from the site's host name and a
//! fixed date, e.g. `tag:regwatch.example,2025:change/42`: they never
//! change as entries are edited or feeds re-rendered, so readers never
//! show a change twice. A changed host name changes every id.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, Utc};

use crate::domain::ChangeId;

/// The `Content-Type` of a rendered feed.
pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The date in every tag URI: fixed for good, whatever the day.
const TAG_DATE: &str = "2025";

/// The feed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedHead {
    /// See [`feed_tag`].
    pub id: String,
    pub title: String,
    /// Where the feed itself is served.
    pub self_url: String,
    /// The page the feed follows (an item page, the timeline).
    pub alternate_url: String,
    /// Named as the author of entries that name none.
    pub author: String,
    /// The feed's `updated` when it has no entries (otherwise the newest
    /// entry's), e.g. when the followed item was created.
    pub updated_if_empty: DateTime<Utc>,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// See [`change_tag`].
    pub id: String,
    /// One line, e.g. "AI Decoupling Act (S.321): New status event".
    pub title: String,
    pub updated: DateTime<Utc>,
    /// The changed item's page.
    pub link: String,
    /// One line on what changed.
    pub summary: String,
    /// What changed, as the alert emails say it (plain text: lines, and
    /// blank lines between paragraphs).
    pub content: String,
    /// Who made the change, if a person did.
    pub author: Option<String>,
}

/// The authority of the site's tag URIs: its host name without a port, or
/// `localhost` for a host a tag URI cannot name (an IPv6 address).
pub fn tag_authority(base_url: &url::Url) -> String {
    match base_url.host() {
        Some(url::Host::Domain(domain)) => domain.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(_)) | None => "localhost".to_owned(),
    }
}

/// The id of a change's entry, the same in every feed that shows it.
pub fn change_tag(authority: &str, change: ChangeId) -> String {
    format!("tag:{authority},{TAG_DATE}:change/{change}")
}

/// The id of a feed, from a name that says what it follows: `all`,
/// `item/us-s321-ai-decoupling-act`, `tag/ai`.
pub fn feed_tag(authority: &str, name: &str) -> String {
    format!("tag:{authority},{TAG_DATE}:feed/{name}")
}

/// Renders `entries`, in their order (newest first, by convention), as
/// one feed.
pub fn render(head: &FeedHead, entries: &[FeedEntry]) -> String {
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(head.updated_if_empty);
    let feed = Feed {
        id: xml_text(&head.id),
        title: Text::plain(xml_text(&head.title)),
        updated: updated.fixed_offset(),
        authors: vec![person(&head.author)],
        links: vec![
            link("self", &head.self_url, Some("application/atom+xml")),
            link("alternate", &head.alternate_url, Some("text/html")),
        ],
        entries: entries.iter().map(entry).collect(),
        ..Feed::default()
    };
    feed.to_string()
}

fn entry(e: &FeedEntry) -> Entry {
    Entry {
        id: xml_text(&e.id),
        title: Text::plain(xml_text(&e.title)),
        updated: e.updated.fixed_offset(),
        authors: e.author.as_deref().map(person).into_iter().collect(),
        links: vec![link("alternate", &e.link, Some("text/html"))],
        summary: Some(Text::plain(xml_text(&e.summary))),
        content: Some(Content {
            content_type: Some("html".to_owned()),
            value: Some(html_paragraphs(&xml_text(&e.content))),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

fn person(name: &str) -> Person {
    Person {
        name: xml_text(name),
        ..Person::default()
    }
}

fn link(rel: &str, href: &str, mime_type: Option<&str>) -> Link {
    Link {
        rel: rel.to_owned(),
        href: xml_text(href),
        mime_type: mime_type.map(str::to_owned),
        ..Link::default()
    }
}

/// The text without the characters XML 1.0 cannot carry (control
/// characters other than tab and line ends, and U+FFFE, U+FFFF), which
/// would make the whole feed unreadable.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || (!c.is_control() && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .collect()
}

/// Plain text as HTML that keeps its lines: a paragraph per block, line
/// breaks within one. The feed escapes the HTML once more as XML text.
fn html_paragraphs(text: &str) -> String {
    let escape = |line: &str| {
        line.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut paragraphs: Vec<Vec<String>> = vec![Vec::new()];
    for line in text.lines().map(str::trim_end) {
        match paragraphs.last_mut() {
            Some(p) if line.is_empty() && !p.is_empty() => paragraphs.push(Vec::new()),
            Some(p) if !line.is_empty() => p.push(escape(line)),
            _ => {}
        }
    }
    paragraphs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.join("<br>")))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const HOST: &str = "regwatch.example";

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 2, day, hour, 0, 0).unwrap()
    }

    fn head() -> FeedHead {
        FeedHead {
            id: feed_tag(HOST, "item/us-s321-ai-decoupling-act"),
            title: "AI Decoupling Act (S.321)".into(),
            self_url: "https://regwatch.example/items/us-s321-ai-decoupling-act/feed".into(),
            alternate_url: "https://regwatch.example/items/us-s321-ai-decoupling-act".into(),
            author: "regwatch".into(),
            updated_if_empty: at(1, 0),
        }
    }

    fn entry(change: i32, updated: DateTime<Utc>, author: Option<&str>) -> FeedEntry {
        FeedEntry {
            id: change_tag(HOST, ChangeId(change)),
            title: "AI Decoupling Act (S.321): New development".into(),
            updated,
            link: "https://regwatch.example/items/us-s321-ai-decoupling-act".into(),
            summary: "Analysis (October 2025)".into(),
            content: "Date: October 2025 (known to the month)\n\
                      Status: Analysis (development; the status is unchanged)\n\n\
                      Source: https://example.org/?a=1&b=<2>"
                .into(),
            author: author.map(str::to_owned),
        }
    }

    fn parse(xml: &str) -> feed_rs::model::Feed {
        feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"))
    }

    #[test]
    fn a_feed_reads_back_with_its_ids_dates_links_and_authors() {
        let entries = [
            entry(43, at(5, 9), Some("Ana Editor")),
            entry(42, at(4, 8), None),
        ];
        let xml = render(&head(), &entries);
        assert!(
            xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            "{xml}"
        );
        let feed = parse(&xml);
        assert_eq!(
            feed.id,
            "tag:regwatch.example,2025:feed/item/us-s321-ai-decoupling-act"
        );
        assert_eq!(feed.title.unwrap().content, "AI Decoupling Act (S.321)");
        assert_eq!(feed.updated, Some(at(5, 9)), "the newest entry's time");
        assert_eq!(feed.authors[0].name.as_deref(), Some("regwatch"));
        let links: Vec<_> = (feed.links.iter())
            .map(|l| (l.rel.as_deref().unwrap(), l.href.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                (
                    "self",
                    "https://regwatch.example/items/us-s321-ai-decoupling-act/feed"
                ),
                (
                    "alternate",
                    "https://regwatch.example/items/us-s321-ai-decoupling-act"
                ),
            ]
        );
        let ids: Vec<_> = feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "tag:regwatch.example,2025:change/43",
                "tag:regwatch.example,2025:change/42"
            ]
        );
        let first = &feed.entries[0];
        assert_eq!(first.updated, Some(at(5, 9)));
        assert_eq!(first.links[0].href, entries[0].link);
        assert_eq!(first.links[0].rel.as_deref(), Some("alternate"));
        assert_eq!(first.authors[0].name.as_deref(), Some("Ana Editor"));
        assert!(
            feed.entries[1].authors.is_empty(),
            "the feed's author stands"
        );
        assert_eq!(
            first.summary.as_ref().unwrap().content,
            "Analysis (October 2025)"
        );
    }

    #[test]
    fn content_keeps_its_lines_and_its_text_is_escaped() {
        let xml = render(&head(), &[entry(42, at(4, 8), None)]);
        let feed = parse(&xml);
        let content = feed.entries[0].content.as_ref().unwrap();
        assert_eq!(content.content_type.to_string(), "text/html");
        assert_eq!(
            content.body.as_deref(),
            Some(
                "<p>Date: October 2025 (known to the month)<br>\
                 Status: Analysis (development; the status is unchanged)</p>\
                 <p>Source: https://example.org/?a=1&amp;b=&lt;2&gt;</p>"
            )
        );
    }

    #[test]
    fn ids_never_depend_on_when_the_feed_is_made() {
        let once = render(&head(), &[entry(42, at(4, 8), None)]);
        let later = render(&head(), &[entry(42, at(4, 8), None)]);
        assert_eq!(once, later);
        assert_eq!(
            change_tag("regwatch.example", ChangeId(7)),
            "tag:regwatch.example,2025:change/7"
        );
        for (base, authority) in [
            ("https://RegWatch.Example/some/path", "regwatch.example"),
            ("http://127.0.0.1:8080/", "127.0.0.1"),
            ("http://[::1]:8080/", "localhost"),
        ] {
            assert_eq!(tag_authority(&base.parse().unwrap()), authority);
        }
    }

    #[test]
    fn an_empty_feed_is_valid_and_dated() {
        let feed = parse(&render(&head(), &[]));
        assert!(feed.entries.is_empty());
        assert_eq!(feed.updated, Some(at(1, 0)));
    }

    #[test]
    fn characters_xml_cannot_carry_are_left_out() {
        let mut e = entry(42, at(4, 8), None);
        e.title = "Chip\u{0}Act\u{1b}\u{ffff}".into();
        let feed = parse(&render(&head(), &[e]));
        assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "ChipAct");
    }
}

//! Rendering: the handlebars templates and static files embedded in the
//! binary from `templates/`. It sits below `web` (pages) and `mail`
//! (emails), which both render through it.
//!
//! A page template is written as `{{#> layout}}…{{/layout}}`, but pages are
//! rendered in two steps that give the same bytes: the page's own part
//! (registered as `NAME#body`), then the layout around it (`layout#shell`,
//! the layout with `{{{page_body}}}` where the partial block goes). Called
//! as a partial, `layout` would get a deep copy of the whole page's data
//! (handlebars copies the context of every partial call), which on a long
//! page cost more than rendering it.

mod helpers;

use std::collections::HashMap;
use std::sync::LazyLock;

use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/"]
pub struct Embedded;

/// Pages, in strict mode: every page renders a typed view, so a field a
/// template names but the view lacks is an error (a 500 in tests), never an
/// empty string.
static PAGES: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(true, true));

/// Email HTML bodies, in strict mode: their views are typed, so a field a
/// template names but the view lacks is an error, not an empty string.
static EMAIL_HTML: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(true, true));

/// The same without HTML escaping, for plain text (email subjects and text
/// bodies).
static EMAIL_TEXT: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(false, true));

fn registry(escape_html: bool, strict: bool) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(strict);
    // A partial is pasted as written: indenting its lines would indent the
    // lines of a multi-line value too (a textarea's text, changed on save).
    hb.set_prevent_indent(true);
    if !escape_html {
        hb.register_escape_fn(handlebars::no_escape);
    }
    helpers::register(&mut hb);
    for path in Embedded::iter() {
        let Some(name) = path.strip_suffix(".hbs") else {
            continue;
        };
        let file = Embedded::get(&path).expect("listed file exists");
        let text = std::str::from_utf8(&file.data).expect("templates are UTF-8");
        hb.register_template_string(name, text)
            .unwrap_or_else(|e| panic!("template {path} does not parse: {e}"));
        if let Some((split, text)) = two_step(name, text) {
            hb.register_template_string(&split, text)
                .unwrap_or_else(|e| panic!("template {path} does not split: {e}"));
        }
    }
    hb
}

/// Where the layout puts a page (a standalone tag: its line goes with it).
const PARTIAL_BLOCK: &str = "{{> @partial-block }}\n";
const LAYOUT_OPEN: &str = "{{#> layout}}\n";
const LAYOUT_CLOSE: &str = "{{/layout}}";

/// The templates that render `name` in two steps: the layout's shell, or a
/// page's own part (see the module's documentation).
fn two_step(name: &str, text: &str) -> Option<(String, String)> {
    if name == "layout" {
        let shell = text.replacen(PARTIAL_BLOCK, "{{{page_body}}}", 1);
        return (shell != text).then(|| ("layout#shell".to_owned(), shell));
    }
    let body = text
        .strip_prefix(LAYOUT_OPEN)?
        .trim_end_matches('\n')
        .strip_suffix(LAYOUT_CLOSE)?;
    Some((format!("{name}#body"), body.to_owned()))
}

/// The layout around a page's own part: the layout's fields and the part.
#[derive(Serialize)]
struct Shell<'a, L> {
    #[serde(flatten)]
    layout: &'a L,
    page_body: &'a str,
}

/// Renders a page: its template's own part with `context`, then the layout
/// around it with `layout` (the layout's fields, which `context` holds
/// too).
pub fn render_page(
    name: &str,
    context: &impl Serialize,
    layout: &impl Serialize,
) -> Result<String, RenderError> {
    match render_body(name, context)? {
        Some(page_body) => render_shell(layout, &page_body),
        None => render(name, context),
    }
}

/// A page's own part (without the layout), if it renders in two steps.
pub fn render_body(name: &str, context: &impl Serialize) -> Result<Option<String>, RenderError> {
    let body = format!("{name}#body");
    if !PAGES.has_template(&body) {
        return Ok(None);
    }
    render_with(&PAGES, &body, context).map(Some)
}

/// The layout around a page's own part.
pub fn render_shell(layout: &impl Serialize, page_body: &str) -> Result<String, RenderError> {
    render_with(&PAGES, "layout#shell", &Shell { layout, page_body })
}

/// Which of the fields that differ from reader to reader a page's own
/// part (with the partials it calls) names: pages whose part names none
/// of them can give one rendering of it to everyone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderFields {
    /// Whether someone is signed in (`user`): editors see their controls.
    pub user: bool,
    /// The session's form token (`csrf`).
    pub csrf: bool,
    /// What is the reader's own: who they are (`user.…`) or the one-time
    /// message (`flash`).
    pub personal: bool,
}

/// What the own part of page `name` names of the reader's fields; `None`
/// when the page does not render in two steps.
pub fn reader_fields(name: &str) -> Option<ReaderFields> {
    static FIELDS: LazyLock<HashMap<String, ReaderFields>> = LazyLock::new(|| {
        let texts = sources();
        texts
            .iter()
            .filter_map(|(name, text)| {
                let (_, body) = two_step(name, text).filter(|_| name != "layout")?;
                let mut seen = Vec::new();
                let mut fields = ReaderFields::default();
                scan(&body, &texts, &mut seen, &mut fields);
                Some((name.clone(), fields))
            })
            .collect()
    });
    FIELDS.get(name).copied()
}

/// Notes the reader's fields `text` names, and those of every partial it
/// calls, each partial once.
fn scan(
    text: &str,
    texts: &HashMap<String, String>,
    seen: &mut Vec<String>,
    fields: &mut ReaderFields,
) {
    fields.user |= text.contains("user");
    fields.csrf |= text.contains("csrf");
    fields.personal |= text.contains("flash") || text.contains("user.");
    for call in text.split("{{").skip(1) {
        let call = call.trim_start_matches(['#', '~']).trim_start();
        let Some(name) = call.strip_prefix('>') else {
            continue;
        };
        let name: String = name
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '}')
            .collect();
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        if let Some(partial) = texts.get(&name) {
            scan(partial, texts, seen, fields);
        }
    }
}

/// Every template's text, by name.
fn sources() -> HashMap<String, String> {
    Embedded::iter()
        .filter_map(|path| {
            let name = path.strip_suffix(".hbs")?.to_owned();
            let file = Embedded::get(&path)?;
            Some((name, String::from_utf8_lossy(&file.data).into_owned()))
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("template {name} failed to render: {source}")]
pub struct RenderError {
    name: String,
    source: handlebars::RenderError,
}

fn render_with(
    registry: &Handlebars<'static>,
    name: &str,
    context: &impl Serialize,
) -> Result<String, RenderError> {
    registry
        .render(name, context)
        .map_err(|source| RenderError {
            name: name.to_owned(),
            source,
        })
}

/// Renders a page template with its context.
pub fn render(name: &str, context: &impl Serialize) -> Result<String, RenderError> {
    render_with(&PAGES, name, context)
}

/// Renders an email's HTML body with its view.
pub fn render_email_html(name: &str, view: &impl Serialize) -> Result<String, RenderError> {
    render_with(&EMAIL_HTML, name, view)
}

/// Renders an email's subject or text body with its view (no HTML
/// escaping).
pub fn render_email_text(name: &str, view: &impl Serialize) -> Result<String, RenderError> {
    render_with(&EMAIL_TEXT, name, view)
}

/// Parses every template once, so a broken one stops the start, not a page.
pub fn check() {
    LazyLock::force(&PAGES);
    LazyLock::force(&EMAIL_HTML);
    LazyLock::force(&EMAIL_TEXT);
}

/// An embedded static file and its content type.
pub fn asset(name: &str) -> Option<(Vec<u8>, &'static str)> {
    if name.ends_with(".hbs") || name.contains("..") {
        return None;
    }
    let file = Embedded::get(&format!("static/{name}"))?;
    let content_type = match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("js") => "text/javascript; charset=utf-8",
        _ => "application/octet-stream",
    };
    Some((file.data.into_owned(), content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_without_a_field_its_template_names_does_not_render() {
        let view = serde_json::json!({"item": {"name": "S.321"}, "change": {}});
        let e = render_email_text("email/alert/subject", &view).unwrap_err();
        assert!(e.to_string().contains("email/alert/subject"), "{e}");
        let e = render("error", &serde_json::json!({"title": "Oops"})).unwrap_err();
        assert!(e.to_string().contains("error"), "{e}");
    }

    #[test]
    fn every_page_renders_the_same_bytes_in_two_steps() {
        // Not strict, so every template renders with the same few fields
        // (the layout's, and a few lists and flags the pages share).
        let hb = registry(true, false);
        let signed_in = serde_json::json!({
            "title": "A <page>", "csrf": "token", "flash": "Saved.",
            "user": {"email": "ed@example.org", "admin": true, "pending_reviews": 2},
            "feed": {"title": "Feed & more", "href": "/feed.atom?tag=ai"},
            "nav_items": true, "empty": true, "filter": {"active": true},
            "pagination": {"shown": true, "page": 2, "prev": "/?page=1", "next": "/?page=3"},
            "subscribe": {"scopes": [{"value": "all", "label": "Everything", "checked": true}]},
        });
        let reader = serde_json::json!({"title": "Timeline", "nav_timeline": true});
        let mut compared = 0;
        for name in hb.get_templates().keys() {
            let Some(page) = name.strip_suffix("#body") else {
                continue;
            };
            for context in [&signed_in, &reader] {
                let whole = hb.render(page, context);
                let body = hb.render(name, context);
                let two = body.and_then(|page_body| {
                    let mut shell = context.clone();
                    shell["page_body"] = page_body.into();
                    hb.render("layout#shell", &shell)
                });
                match (whole, two) {
                    (Ok(whole), Ok(two)) => {
                        assert_eq!(whole, two, "{page}");
                        compared += 1;
                    }
                    (whole, two) => assert_eq!(whole.is_ok(), two.is_ok(), "{page}"),
                }
            }
        }
        assert!(compared >= 40, "{compared} renderings compared");
    }
}

#[cfg(test)]
mod reader_field_tests {
    use super::{reader_fields, ReaderFields};

    #[test]
    fn reading_pages_name_the_readers_fields_they_show() {
        let none = ReaderFields::default();
        let controls = ReaderFields { user: true, ..none };
        for page in ["timeline", "history", "chart", "overview", "upcoming"] {
            assert_eq!(reader_fields(page), Some(none), "{page}");
        }
        assert_eq!(reader_fields("items"), Some(controls));
        // Editors' controls, and a form with the session's token.
        let item = ReaderFields {
            csrf: true,
            ..controls
        };
        assert_eq!(reader_fields("item"), Some(item));
        assert_eq!(reader_fields("layout"), None);
        assert_eq!(reader_fields("partials/milestone"), None);
    }
}

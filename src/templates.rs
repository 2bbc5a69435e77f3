//! Rendering: the handlebars templates and static files embedded in the
//! binary from `templates/`. It sits below `web` (pages) and `mail`
//! (emails), which both render through it.

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
    for path in Embedded::iter() {
        let Some(name) = path.strip_suffix(".hbs") else {
            continue;
        };
        let file = Embedded::get(&path).expect("listed file exists");
        let text = std::str::from_utf8(&file.data).expect("templates are UTF-8");
        hb.register_template_string(name, text)
            .unwrap_or_else(|e| panic!("template {path} does not parse: {e}"));
    }
    hb
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
}

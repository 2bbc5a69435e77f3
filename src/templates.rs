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

static REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(true));

/// The same templates without HTML escaping, for plain text (email
/// subjects and text bodies).
static TEXT_REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(false));

fn registry(escape_html: bool) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(false);
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

/// Renders a page template with its context.
pub fn render(name: &str, context: &impl Serialize) -> Result<String, RenderError> {
    REGISTRY
        .render(name, context)
        .map_err(|source| RenderError {
            name: name.to_owned(),
            source,
        })
}

/// Renders a plain-text template (no HTML escaping).
pub fn render_text(name: &str, context: &impl Serialize) -> Result<String, RenderError> {
    TEXT_REGISTRY
        .render(name, context)
        .map_err(|source| RenderError {
            name: name.to_owned(),
            source,
        })
}

/// Parses every template once, so a broken one stops the start, not a page.
pub fn check() {
    LazyLock::force(&REGISTRY);
    LazyLock::force(&TEXT_REGISTRY);
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

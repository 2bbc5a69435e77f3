//! Markup many rows repeat, written by helpers rather than partials: a
//! partial call copies the data it is given (the row, for every row), a
//! helper only reads it.
//!
//! - `{{phase_badge phase}}`: a phase (`value`, `label`) as its badge;
//!   nothing for `null`.
//! - `{{source_line this}}`: an event's or milestone's source link and
//!   confidence (`source_url`, `source_host`, `confidence`,
//!   `confidence_label`, `low_confidence`).

use handlebars::{
    html_escape, Context, Handlebars, Helper, HelperResult, Output, RenderContext,
    RenderErrorReason,
};
use serde_json::Value;

pub fn register(hb: &mut Handlebars<'static>) {
    hb.register_helper("phase_badge", Box::new(phase_badge));
    hb.register_helper("source_line", Box::new(source_line));
}

/// The text of `field` of the helper's first parameter, HTML-escaped.
fn text(h: &Helper, field: &str) -> Result<String, RenderErrorReason> {
    let value = h.param(0).map(|p| p.value()).unwrap_or(&Value::Null);
    match value.get(field) {
        Some(Value::String(s)) => Ok(html_escape(s)),
        Some(other) => Ok(html_escape(&other.to_string())),
        None => Err(RenderErrorReason::Other(format!(
            "{}: the value has no field {field}",
            h.name()
        ))),
    }
}

fn phase_badge(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    if h.param(0).is_none_or(|p| p.value().is_null()) {
        return Ok(());
    }
    let (value, label) = (text(h, "value")?, text(h, "label")?);
    out.write(&format!(
        "<span class=\"phase phase-{value}\">{label}</span>"
    ))?;
    Ok(())
}

fn source_line(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let url = text(h, "source_url")?;
    let host = text(h, "source_host")?;
    let confidence = text(h, "confidence")?;
    let title = text(h, "confidence_label")?;
    let low = h
        .param(0)
        .and_then(|p| p.value().get("low_confidence"))
        .is_some_and(|v| v.as_bool() == Some(true));
    out.write(&format!(
        "<span class=\"source\"><a href=\"{url}\" rel=\"noopener noreferrer external\">Source: {host}</a>\n\
         <span class=\"confidence confidence-{confidence}\" title=\"{title}\">{confidence} confidence{}</span></span>",
        if low { " · secondary report only" } else { "" }
    ))?;
    Ok(())
}

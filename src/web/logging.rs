//! Request spans for the logs: anything in a request's path or query that
//! looks like a secret token (the links in emails carry one) is replaced by
//! `[token]`, so logs hold no usable link; and each failed request is logged
//! once, with the error's whole chain of causes, at a level that matches who
//! is at fault (ERROR only for 5xx).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::Error;
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use super::error::AppError;

pub struct RedactedSpans;

impl RootSpanBuilder for RedactedSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let target = redact(
            request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or(""),
        );
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %target,
            http.status_code = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error): (StatusCode, Option<&Error>) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(e) => (e.as_response_error().status_code(), Some(e)),
        };
        span.record("http.status_code", status.as_u16());
        let Some(error) = error else { return };
        let _entered = span.enter();
        // Our own errors with every cause they carry.
        let error = redact(&match error.as_error::<AppError>() {
            Some(e) => e.chain(),
            None => error.to_string(),
        });
        if status.is_server_error() {
            tracing::error!(%error, "request failed");
        } else if status.is_client_error() {
            tracing::info!(%error, "request refused");
        } else {
            // A redirect, e.g. to the sign-in page: an expected outcome.
            tracing::debug!(%error, "request redirected");
        }
    }
}

/// A run of at least this many hex digits is a token (ours have 64).
const MIN_HEX_TOKEN: usize = 32;
/// A run of letters and digits at least this long, mixing both, looks
/// random (a base64 token, a session id) rather than like a word or slug.
const MIN_MIXED_TOKEN: usize = 24;

/// Replaces every token-looking run of letters and digits in a request
/// target, in its path or its query, with `[token]`. Percent-escapes of
/// letters and digits are decoded first, so `%61` cannot hide a token.
pub fn redact(target: &str) -> String {
    let target = decode_alphanumeric_escapes(target);
    let mut out = String::with_capacity(target.len());
    let mut rest = target.as_str();
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (run, after) = rest.split_at(split);
        if looks_like_token(run) {
            out.push_str("[token]");
        } else {
            out.push_str(run);
        }
        let separator = after.chars().next().map_or(0, char::len_utf8);
        out.push_str(&after[..separator]);
        rest = &after[separator..];
    }
    out
}

fn looks_like_token(run: &str) -> bool {
    let mut hex_run = 0;
    let mut longest_hex_run = 0;
    for b in run.bytes() {
        hex_run = if b.is_ascii_hexdigit() {
            hex_run + 1
        } else {
            0
        };
        longest_hex_run = longest_hex_run.max(hex_run);
    }
    longest_hex_run >= MIN_HEX_TOKEN
        || (run.len() >= MIN_MIXED_TOKEN
            && run.bytes().any(|b| b.is_ascii_digit())
            && run.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// Decodes `%XX` where it stands for an ASCII letter or digit; every other
/// escape (and anything else) is kept as it is, so nothing unprintable
/// reaches the logs.
fn decode_alphanumeric_escapes(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    let mut rest = target;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at + 1..at + 3);
        match escape.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
            Some(byte) if byte.is_ascii_alphanumeric() => {
                out.push(char::from(byte));
                rest = &rest[at + 3..];
            }
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    fn token() -> String {
        "ab".repeat(32)
    }

    #[test]
    fn tokens_in_email_links_are_redacted() {
        let token = token();
        assert_eq!(
            redact(&format!("/subscriptions/manage/{token}?done=added")),
            "/subscriptions/manage/[token]?done=added"
        );
        assert_eq!(
            redact(&format!("/subscriptions/unsubscribe/{token}")),
            "/subscriptions/unsubscribe/[token]"
        );
    }

    #[test]
    fn a_token_with_extra_characters_is_still_redacted() {
        let token = token();
        for (target, expected) in [
            (
                format!("/subscriptions/manage/{token}xyz"),
                "/subscriptions/manage/[token]",
            ),
            (
                format!("/subscriptions/manage/{token}.html"),
                "/subscriptions/manage/[token].html",
            ),
            (
                format!("/subscriptions/manage/x{token}/add"),
                "/subscriptions/manage/[token]/add",
            ),
            (
                format!("/subscriptions/confirm/{token}%20"),
                "/subscriptions/confirm/[token]%20",
            ),
            (
                format!("/subscriptions/confirm/{token}%41"),
                "/subscriptions/confirm/[token]",
            ),
            (
                format!("/subscriptions/confirm/{token}%2F"),
                "/subscriptions/confirm/[token]%2F",
            ),
            (
                format!("/subscriptions/confirm/{token};a=1"),
                "/subscriptions/confirm/[token];a=1",
            ),
        ] {
            assert_eq!(redact(&target), expected, "{target}");
        }
    }

    #[test]
    fn tokens_anywhere_in_the_path_or_query_are_redacted() {
        let token = token();
        assert_eq!(
            redact(&format!("/anything/{token}/else")),
            "/anything/[token]/else"
        );
        assert_eq!(
            redact(&format!("/login?next=/subscriptions/manage/{token}")),
            "/login?next=/subscriptions/manage/[token]"
        );
        assert_eq!(
            redact(&format!("/items?q={token}&page=2")),
            "/items?q=[token]&page=2"
        );
        assert_eq!(
            redact("/x?session=Zk3Qw9Lr2Tx7Vb1Nm8Pc4Hd6"),
            "/x?session=[token]"
        );
    }

    #[test]
    fn a_token_hidden_in_percent_escapes_is_redacted() {
        let hidden: String = token().bytes().map(|b| format!("%{b:02X}")).collect();
        assert_eq!(
            redact(&format!("/subscriptions/manage/{hidden}")),
            "/subscriptions/manage/[token]"
        );
        // Escapes of anything but letters and digits stay escaped.
        assert_eq!(redact("/items?q=a%0Ab%zz"), "/items?q=a%0Ab%zz");
    }

    #[test]
    fn ordinary_addresses_are_logged_as_they_are() {
        for target in [
            "/",
            "/items/us-s321?kind=bill",
            "/items/eu-chips-act-2023/events/12/edit",
            "/items?q=semiconductor+export+controls&jurisdiction=us&page=3",
            "/static/style.css",
            "/login?next=%2Fitems%2Fnew",
            "/items/über-straße",
        ] {
            assert_eq!(redact(target), target);
        }
    }
}

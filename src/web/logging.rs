//! Request spans for the logs, with the secret tokens of email links
//! (`/subscriptions/…/{token}`) replaced by `[token]`, so logs hold no
//! usable link.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

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
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Replaces every path segment that looks like a token with `[token]`.
pub fn redact(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let path = path
        .split('/')
        .map(|seg| {
            if seg.len() >= 32 && seg.bytes().all(|b| b.is_ascii_hexdigit()) {
                "[token]"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_never_reach_the_logs() {
        let token = "ab".repeat(32);
        assert_eq!(
            redact(&format!("/subscriptions/manage/{token}?done=added")),
            "/subscriptions/manage/[token]?done=added"
        );
        assert_eq!(
            redact(&format!("/subscriptions/unsubscribe/{token}")),
            "/subscriptions/unsubscribe/[token]"
        );
        assert_eq!(
            redact("/items/us-s321?kind=bill"),
            "/items/us-s321?kind=bill"
        );
    }
}

//! What every request passes through, whichever route handles it: the
//! security headers on every response (pages, error pages, static files),
//! a deadline for receiving the request body, and the page for a method an
//! address does not take.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::rt::time::{sleep, Sleep};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use futures_core::Stream;

use super::error::error_page;

/// No script at all, styles only from the site's own stylesheet, no
/// framing, and forms only to this site.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Pages under this prefix are reached through links carrying a secret
/// token, which must not travel on in a `Referer` header.
const TOKEN_PAGES: &str = "/subscriptions";

/// Sets the security headers on every response, including errors from
/// inner middleware. `hsts` is on when the site is served over https.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    hsts: bool,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let policy = Policy {
        referrer: if req.path().starts_with(TOKEN_PAGES) {
            "no-referrer"
        } else {
            "strict-origin-when-cross-origin"
        },
        hsts,
    };
    match next.call(req).await {
        Ok(mut res) => {
            policy.apply(res.headers_mut());
            Ok(res)
        }
        // Answered later, by the server, from the error itself.
        Err(inner) => Err(Secured { inner, policy }.into()),
    }
}

#[derive(Debug, Clone, Copy)]
struct Policy {
    referrer: &'static str,
    hsts: bool,
}

impl Policy {
    fn apply(self, headers: &mut HeaderMap) {
        let mut set = |name: HeaderName, value: &'static str| {
            if !headers.contains_key(&name) {
                headers.insert(name, HeaderValue::from_static(value));
            }
        };
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        set(header::X_FRAME_OPTIONS, "DENY");
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(header::REFERRER_POLICY, self.referrer);
        if self.hsts {
            set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
        }
    }
}

/// An error whose response gets the security headers too.
#[derive(Debug)]
struct Secured {
    inner: Error,
    policy: Policy,
}

impl std::fmt::Display for Secured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ResponseError for Secured {
    fn status_code(&self) -> StatusCode {
        self.inner.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.inner.error_response();
        self.policy.apply(res.headers_mut());
        res
    }
}

/// Gives the request body `limit` to arrive, counted from when its headers
/// were read. A body still incomplete then fails to read with a
/// [`io::ErrorKind::TimedOut`] error, which the form extractor answers with
/// 408.
///
/// The request body is kept alive until the response has been sent, so the
/// server sees a body left unread and closes the connection, instead of
/// draining (chunked) a body that may never come.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    limit: Duration,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let payload = req.take_payload();
    if matches!(payload, Payload::None) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let body = Rc::new(RefCell::new(payload));
    req.set_payload(Payload::Stream {
        payload: Box::pin(Deadline {
            body: Rc::clone(&body),
            timer: Box::pin(sleep(limit)),
        }),
    });
    let res = next.call(req).await?;
    Ok(res.map_body(|_, response| {
        BoxBody::new(KeepingRequestBody {
            response: response.boxed(),
            _request: body,
        })
    }))
}

/// A response body that holds on to its request's body until it is sent.
struct KeepingRequestBody {
    response: BoxBody,
    _request: Rc<RefCell<Payload>>,
}

impl MessageBody for KeepingRequestBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.response.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.response).poll_next(cx)
    }
}

/// Whether a body read failed because it did not arrive in time.
pub fn timed_out(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == io::ErrorKind::TimedOut)
}

struct Deadline {
    body: Rc<RefCell<Payload>>,
    timer: Pin<Box<Sleep>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut *self.body.borrow_mut()).poll_next(cx) {
            return Poll::Ready(item);
        }
        self.timer.as_mut().poll(cx).map(|()| {
            Some(Err(PayloadError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))))
        })
    }
}

/// Renders the page for `405 Method Not Allowed`, keeping the `Allow`
/// header the router set.
pub fn method_not_allowed_page<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let (req, res) = res.into_parts();
    // Programs get the API's problem document; people get a page.
    let (body, content_type) = if req.path().starts_with("/api/") {
        let problem = super::api::problem::Problem {
            kind: "about:blank".to_owned(),
            title: "Method Not Allowed".to_owned(),
            status: StatusCode::METHOD_NOT_ALLOWED.as_u16(),
            detail:
                "This address does not take that method; the Allow header lists those it takes."
                    .to_owned(),
            errors: None,
            current_version: None,
        };
        (
            serde_json::to_string(&problem).unwrap_or_default(),
            "application/problem+json",
        )
    } else {
        (
            error_page(
                StatusCode::METHOD_NOT_ALLOWED,
                "This address does not take that request",
                "The page exists, but not for this kind of request. Follow a link or use a form on the site instead.",
            ),
            "text/html; charset=utf-8",
        )
    };
    let mut res = res.set_body(body);
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, res)
            .map_into_boxed_body()
            .map_into_right_body(),
    ))
}

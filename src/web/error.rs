//! The web layer's error type: every failure becomes a status code and a
//! page rendered in the site layout, in this one place. A failure on our
//! side keeps its cause (`source`), and [`AppError::chain`] spells out the
//! whole chain for the log line `web::logging` writes once per request.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::view::{Layout, Page};
use crate::db::DbError;
use crate::domain::QueryError;
use crate::templates;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign-in required")]
    LoginRequired { next: String },
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("the database failed")]
    Db(#[from] DbError),
    #[error("a page failed to render")]
    Render(#[from] templates::RenderError),
    #[error("the work pool failed")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error("the session cookie could not be written")]
    Session(#[from] actix_session::SessionInsertError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    /// The error and each of its causes, outermost first, joined by `: `
    /// (a cause its wrapper already quotes is not repeated).
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            let said = e.to_string();
            if !text.ends_with(&said) {
                text.push_str(": ");
                text.push_str(&said);
            }
            cause = e.source();
        }
        text
    }
}

/// A query string that does not parse: a 400 naming the parameter.
impl From<QueryError> for AppError {
    fn from(e: QueryError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Db(_)
            | AppError::Render(_)
            | AppError::Blocking(_)
            | AppError::Session(_)
            | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (heading, message) = match self {
            AppError::LoginRequired { next } => {
                let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                return HttpResponse::SeeOther()
                    .insert_header(("Location", format!("/login?{query}")))
                    .finish();
            }
            AppError::Forbidden(m) => ("Not allowed", m.clone()),
            AppError::PayloadTooLarge => (
                "Too much data",
                "The form sent more data than regwatch accepts. Shorten the longest fields and try again.".to_owned(),
            ),
            AppError::RequestTimeout => (
                "The form took too long to arrive",
                "The connection stalled while the form was being sent. Check your connection and send it again.".to_owned(),
            ),
            AppError::NotFound(m) => ("Not found", m.clone()),
            AppError::BadRequest(m) => ("That request could not be understood", m.clone()),
            // The detail is logged with the request (see `web::logging`).
            AppError::Db(_)
            | AppError::Render(_)
            | AppError::Blocking(_)
            | AppError::Session(_)
            | AppError::Internal(_) => (
                "Something went wrong on our side",
                "The error has been logged. Please try again in a moment.".to_owned(),
            ),
        };
        HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(error_page(status, heading, &message))
    }
}

/// What an error page says.
#[derive(Debug, Serialize)]
pub struct ErrorView<'a> {
    pub status: u16,
    pub heading: &'a str,
    pub message: &'a str,
}

impl<'a> ErrorView<'a> {
    /// An error page, titled `title`, in the layout of a page shown without
    /// a session.
    pub fn page(
        title: &str,
        status: StatusCode,
        heading: &'a str,
        message: &'a str,
    ) -> Page<ErrorView<'a>> {
        let view = ErrorView {
            status: status.as_u16(),
            heading,
            message,
        };
        Page::new(Layout::bare(title), view)
    }
}

/// The HTML of an error page in the site layout.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> String {
    ErrorView::page(heading, status, heading, message)
        .render("error")
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "error page failed to render");
            format!("{} {heading}: {message}", status.as_u16())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_failure_keeps_its_causes_for_the_log_but_not_for_the_page() {
        let e = AppError::from(DbError::Query(diesel::result::Error::NotFound));
        assert_eq!(
            e.chain(),
            "the database failed: database error: Record not found"
        );
        let response = e.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let page = String::from_utf8(body.to_vec()).unwrap();
        assert!(page.contains("Something went wrong on our side"));
        assert!(!page.contains("Record not found"));
    }
}

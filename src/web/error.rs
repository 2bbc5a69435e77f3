//! The web layer's error type: every failure becomes a status code and a
//! page rendered in the site layout, in this one place.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::db::DbError;
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
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<templates::RenderError> for AppError {
    fn from(e: templates::RenderError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
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
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
            AppError::NotFound(m) => ("Not found", m.clone()),
            AppError::BadRequest(m) => ("That request could not be understood", m.clone()),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                (
                    "Something went wrong on our side",
                    "The error has been logged. Please try again in a moment.".to_owned(),
                )
            }
        };
        let context = json!({
            "title": heading,
            "status": status.as_u16(),
            "heading": heading,
            "message": message,
        });
        let body = templates::render("error", &context).unwrap_or_else(|e| {
            tracing::error!(error = %e, "error page failed to render");
            format!("{} {heading}: {message}", status.as_u16())
        });
        HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(body)
    }
}

//! The JSON API's error type: every refusal becomes an
//! `application/problem+json` body (RFC 9457) with the right status, in
//! this one place. Invalid fields are listed one by one under `errors`; a
//! stale version says the current one.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

use crate::db::DbError;
use crate::web::error::AppError;
use crate::web::forms::FieldErrors;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("the item was saved as version {current_version} since version {expected}")]
    Conflict { expected: i32, current_version: i32 },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    #[error("{} field(s) are invalid", .0.len())]
    Invalid(FieldErrors),
    #[error("too many failed token attempts from this address")]
    TooManyRequests { retry_after_seconds: i64 },
    #[error("{}", .0.chain())]
    Internal(AppError),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) => ApiError::NotFound(m),
            AppError::BadRequest(m) => ApiError::BadRequest(m),
            AppError::Forbidden(m) => ApiError::Forbidden(m),
            e => ApiError::Internal(e),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<crate::domain::QueryError> for ApiError {
    fn from(e: crate::domain::QueryError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

/// One invalid field and what is wrong with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An error, as RFC 9457 describes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `title` is the status's own phrase.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// On a 422: each invalid field with its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
    /// On a 409: the item's version now; edit it again from there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            // The cause is logged with the request (see `web::logging`).
            ApiError::Internal(_) => {
                "The error has been logged. Please try again in a moment.".to_owned()
            }
            ApiError::Conflict { .. } => format!(
                "Someone else saved this item since the version you edited ({self}). \
                 Read it again and reapply your change."
            ),
            e => {
                let mut text = e.to_string();
                if let Some(first) = text.get(..1) {
                    text.replace_range(..1, &first.to_uppercase());
                }
                text
            }
        };
        let problem = Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: match self {
                ApiError::Invalid(fields) => Some(
                    fields
                        .iter()
                        .map(|(field, message)| FieldProblem {
                            field: (*field).to_owned(),
                            message: message.clone(),
                        })
                        .collect(),
                ),
                _ => None,
            },
            current_version: match self {
                ApiError::Conflict {
                    current_version, ..
                } => Some(*current_version),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"regwatch\""));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).expect("problems serialise"))
    }
}

/// What every write may answer about its token (documentation only).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum TokenProblems {
    #[response(
        status = 401,
        description = "No valid API token",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "The token's account is disabled",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 429,
        description = "Too many failed token attempts",
        content_type = "application/problem+json"
    )]
    TooManyRequests(Problem),
}

/// What every write with a JSON body may answer about the body
/// (documentation only).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyProblems {
    #[response(
        status = 400,
        description = "The body is not JSON of this shape",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 413,
        description = "The body is too large",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "The body is not application/json",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
}

//! The API's OpenAPI 3.1 document, generated from the handlers' own
//! annotations (utoipa) so it cannot drift from them, served at
//! `/api/v1/openapi.json`; and `/api`, the same document as a page to read.

use std::sync::LazyLock;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

use super::{read, write};
use crate::web::auth::MaybeUser;
use crate::web::error::AppError;
use crate::web::view::{Layout, Page};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "regwatch API",
        version = "1",
        description = "Items, status events, links and changes, as JSON. Reading needs \
                       nothing; writing needs an API token (`Authorization: Bearer …`, created \
                       at /account/tokens). Errors are application/problem+json (RFC 9457)."
    ),
    paths(
        read::list_items,
        read::get_item,
        read::list_events,
        read::list_changes,
        write::create_item,
        write::edit_item,
        write::record_event,
        write::correct_event,
        write::retract_event,
        write::add_link,
        write::remove_link,
    ),
    modifiers(&TokenSecurity),
    tags(
        (name = "read", description = "Open to everyone"),
        (name = "write", description = "Needs an editor's API token"),
    )
)]
pub struct ApiDoc;

/// The `token` security scheme the writing operations name.
struct TokenSecurity;

impl Modify for TokenSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "token",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

/// One answer an operation may give.
#[derive(Debug, Serialize)]
struct AnswerView {
    status: String,
    description: String,
}

/// One operation, as the page lists it.
#[derive(Debug, Serialize)]
struct OperationView {
    method: &'static str,
    path: String,
    summary: String,
    description: String,
    needs_token: bool,
    answers: Vec<AnswerView>,
}

#[derive(Debug, Serialize)]
struct ApiPageView {
    description: String,
    operations: Vec<OperationView>,
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

/// Every operation of the document with its method, in path order.
pub fn operations() -> Vec<(String, HttpMethod, &'static Operation)> {
    let mut all = Vec::new();
    for (path, item) in &DOCUMENT.paths.paths {
        let methods = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Patch, &item.patch),
            (HttpMethod::Delete, &item.delete),
        ];
        for (method, op) in methods {
            if let Some(op) = op {
                all.push((path.clone(), method, op));
            }
        }
    }
    all
}

/// `GET /api`: the operations of the document, to read.
pub async fn api_page(user: MaybeUser, session: Session) -> Result<HttpResponse, AppError> {
    let operations = operations()
        .into_iter()
        .map(|(path, method, op)| OperationView {
            method: method_name(&method),
            path,
            summary: op.summary.clone().unwrap_or_default(),
            description: op.description.clone().unwrap_or_default(),
            needs_token: op.security.as_ref().is_some_and(|s| !s.is_empty()),
            answers: op
                .responses
                .responses
                .iter()
                .map(|(status, response)| AnswerView {
                    status: status.clone(),
                    description: match response {
                        RefOr::T(r) => r.description.clone(),
                        RefOr::Ref(r) => r.ref_location.clone(),
                    },
                })
                .collect(),
        })
        .collect();
    let view = ApiPageView {
        description: DOCUMENT.info.description.clone().unwrap_or_default(),
        operations,
    };
    Page::new(Layout::new("JSON API", user.0.as_ref(), &session), view)
        .respond(StatusCode::OK, "api")
}

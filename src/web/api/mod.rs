//! The JSON API under `/api/v1`: reading items, the timeline and the change
//! cursor; writing through per-user API tokens; errors as problem+json;
//! the OpenAPI document generated from these handlers (`docs`).
//!
//! Bodies are JSON (`Content-Type: application/json`, else 415) of at most
//! [`MAX_JSON_BYTES`] (else 413); a body that is not JSON of the expected
//! shape is a 400; values that do not parse are a 422 listing each field.

pub mod auth;
pub mod docs;
pub mod input;
pub mod paging;
pub mod problem;
pub mod read;
pub mod views;
pub mod write;

use actix_web::error::JsonPayloadError;
use actix_web::web;

use super::get_or_head;
use super::hardening;
use problem::ApiError;

/// Largest JSON body accepted (as for forms).
pub const MAX_JSON_BYTES: usize = super::forms::MAX_FORM_BYTES;

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge {
                limit: MAX_JSON_BYTES,
            }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Payload(e) if hardening::timed_out(&e) => {
            ApiError::BadRequest("The request body did not arrive in time.".to_owned())
        }
        other => ApiError::BadRequest(format!(
            "The body is not JSON of the expected shape: {other}"
        )),
    }
}

/// The `/api/v1` scope, and the human-readable `/api` page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api").route(get_or_head(docs::api_page)))
        .service(
            web::scope("/api/v1")
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_JSON_BYTES)
                        .content_type_required(true)
                        .error_handler(|err, _req| json_error(err).into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                    ApiError::BadRequest(format!("The query string is malformed: {err}")).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|err, _req| {
                    ApiError::NotFound(format!("Nothing is at this address ({err}).")).into()
                }))
                .service(web::resource("/openapi.json").route(get_or_head(docs::openapi_json)))
                .service(
                    web::resource("/items")
                        .route(get_or_head(read::list_items))
                        .post(write::create_item),
                )
                .service(
                    web::resource("/items/{slug}")
                        .route(get_or_head(read::get_item))
                        .patch(write::edit_item),
                )
                .service(web::resource("/items/{slug}/events").post(write::record_event))
                .service(web::resource("/items/{slug}/events/{id}").put(write::correct_event))
                .service(
                    web::resource("/items/{slug}/events/{id}/retract").post(write::retract_event),
                )
                .service(web::resource("/items/{slug}/links").post(write::add_link))
                .service(web::resource("/items/{slug}/links/{id}").delete(write::remove_link))
                .service(web::resource("/events").route(get_or_head(read::list_events)))
                .service(web::resource("/changes").route(get_or_head(read::list_changes)))
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::NotFound(
                        "Nothing is at this address; see /api/v1/openapi.json.".to_owned(),
                    ))
                })),
        );
}

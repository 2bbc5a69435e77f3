//! The plain pages: the health check, static files, the favicon and the
//! 404 for any other address.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};

use super::error::AppError;
use super::AppState;
use crate::store;
use crate::templates;

pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db(store::ping).await?;
    // Asked every time: a kept answer would say nothing about the database.
    Ok(HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .insert_header(("Cache-Control", "no-store"))
        .body("ok"))
}

pub async fn static_file(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let (body, content_type) =
        templates::asset(&name).ok_or_else(|| AppError::not_found("No such file."))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body))
}

/// The site's icon (`/favicon.svg`, and `/favicon.ico` where browsers look
/// unasked), kept by browsers for a year.
pub async fn favicon() -> Result<HttpResponse, AppError> {
    let (body, content_type) =
        templates::asset("favicon.svg").ok_or_else(|| AppError::not_found("No such file."))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000"))
        .body(body))
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found("There is no page at this address."))
}

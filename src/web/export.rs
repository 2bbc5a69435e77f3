//! `/items.csv` and `/items.json`: the item table's items (with its
//! filters) as a file to download.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::cache::SameForEveryone;
use super::error::AppError;
use super::AppState;
use crate::domain::RawQuery;
use crate::exchange::Format;
use crate::export::{self, ExportError};

/// `GET /items.csv`.
pub async fn items_csv(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
) -> Result<HttpResponse, AppError> {
    download(state, query.into_inner(), Format::Csv).await
}

/// `GET /items.json`.
pub async fn items_json(
    state: web::Data<AppState>,
    query: web::Query<RawQuery>,
) -> Result<HttpResponse, AppError> {
    download(state, query.into_inner(), Format::Json).await
}

async fn download(
    state: web::Data<AppState>,
    raw: RawQuery,
    format: Format,
) -> Result<HttpResponse, AppError> {
    let filter = raw.filter()?;
    let base_url = state.settings.base_url.clone();
    let body = state
        .attempt(move |conn| {
            let mut body = Vec::new();
            export::write(conn, &filter, format, &base_url, &mut body)?;
            Ok::<_, ExportError>(body)
        })
        .await?
        .map_err(|e| match e {
            ExportError::Db(e) => AppError::Db(e),
            ExportError::Io(e) => AppError::Internal(e.to_string()),
        })?;
    Ok(SameForEveryone::mark(
        HttpResponse::Ok()
            .content_type(format.content_type())
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"regwatch-items.{format}\""),
            ))
            .body(body),
    ))
}

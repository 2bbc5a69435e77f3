//! Operator pages: `/admin/deliveries` lists the emails not yet sent (failed
//! first) with their last error, and retries one. Signed-in admins only;
//! the retry form carries the session's CSRF token.

use actix_session::Session;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, set_flash, AdminUser, CsrfOnly};
use super::error::AppError;
use super::view::{Layout, Page};
use super::{get_or_head, AppState};
use crate::domain::{mask_address, DeliveryId};
use crate::store::deliveries::{self, DeliveryKind, DeliveryStatus};

/// The operator routes, built as [`super::routes`] describes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/deliveries").route(get_or_head(deliveries_page)))
        .service(web::resource("/admin/deliveries/{id}/retry").post(retry_delivery));
}

#[derive(Debug, Serialize)]
struct StatusCount {
    status: DeliveryStatus,
    count: i64,
}

/// One email not yet sent.
#[derive(Debug, Serialize)]
struct DeliveryView {
    id: DeliveryId,
    kind: DeliveryKind,
    to: String,
    status: DeliveryStatus,
    failed: bool,
    retryable: bool,
    attempts: i32,
    next_attempt_at: super::view::Stamp,
    last_error: Option<String>,
    created_at: super::view::Stamp,
}

#[derive(Debug, Serialize)]
struct DeliveriesView {
    counts: Vec<StatusCount>,
    deliveries: Vec<DeliveryView>,
    empty: bool,
    csrf_token: String,
}

/// `GET /admin/deliveries`.
pub async fn deliveries_page(
    admin: AdminUser,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (rows, counts) = state
        .db(|conn| Ok((deliveries::unsent(conn, 500)?, deliveries::counts(conn)?)))
        .await?;
    let fmt = super::view::Stamp::of;
    let view = DeliveriesView {
        counts: counts
            .into_iter()
            .map(|(status, count)| StatusCount { status, count })
            .collect(),
        empty: rows.is_empty(),
        deliveries: rows
            .into_iter()
            .map(|r| {
                let d = r.delivery;
                DeliveryView {
                    id: d.id,
                    kind: d.kind,
                    to: mask_address(&r.email),
                    failed: d.status == DeliveryStatus::Failed,
                    retryable: d.status.retryable(),
                    status: d.status,
                    attempts: d.attempts,
                    next_attempt_at: fmt(d.next_attempt_at),
                    last_error: d.last_error,
                    created_at: fmt(d.created_at),
                }
            })
            .collect(),
        csrf_token: csrf_token(&session),
    };
    Page::new(Layout::new("Deliveries", Some(&admin.0), &session), view)
        .respond_uncached(StatusCode::OK, "admin/deliveries")
}

/// `POST /admin/deliveries/{id}/retry`: due now, attempts reset.
pub async fn retry_delivery(
    _admin: AdminUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, &form.csrf_token)?;
    let id: DeliveryId = path
        .into_inner()
        .parse()
        .map_err(|_| AppError::not_found("No such delivery."))?;
    let now = state.now();
    let found = state
        .db(move |conn| deliveries::retry(conn, id, now))
        .await?;
    if !found {
        return Err(AppError::not_found(
            "No failed or waiting delivery has this number.",
        ));
    }
    set_flash(
        &session,
        &format!("Delivery {id} is queued again; the worker sends it shortly."),
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/deliveries"))
        .finish())
}

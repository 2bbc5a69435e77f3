//! Operator pages: `/admin/deliveries` lists the emails not yet sent (failed
//! first) with their last error, and retries one. Signed-in admins only;
//! the retry form carries the session's CSRF token.

use actix_session::Session;
use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::auth::{check_csrf, csrf_token, set_flash, with_chrome, AdminUser, CsrfOnly};
use super::error::AppError;
use super::AppState;
use crate::domain::mask_address;
use crate::domain::DeliveryId;
use crate::store::deliveries::{self, DeliveryStatus};
use crate::templates;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/deliveries", web::get().to(deliveries_page))
        .route(
            "/admin/deliveries/{id}/retry",
            web::post().to(retry_delivery),
        );
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
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let context = json!({
        "title": "Deliveries",
        "counts": counts.iter().map(|(s, n)| json!({"status": s, "count": n})).collect::<Vec<_>>(),
        "deliveries": rows.iter().map(|r| {
            let d = &r.delivery;
            json!({
                "id": d.id,
                "kind": d.kind,
                "to": mask_address(&r.email),
                "status": d.status,
                "failed": d.status == DeliveryStatus::Failed,
                "retryable": d.status.retryable(),
                "attempts": d.attempts,
                "next_attempt_at": fmt(d.next_attempt_at),
                "last_error": d.last_error,
                "created_at": fmt(d.created_at),
            })
        }).collect::<Vec<_>>(),
        "empty": rows.is_empty(),
        "csrf_token": csrf_token(&session),
    });
    let context = with_chrome(context, &Some(admin.0), &session);
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(templates::render("admin/deliveries", &context)?))
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

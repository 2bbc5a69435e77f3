//! Operator pages: `/admin/deliveries` lists the emails not yet sent (failed
//! first) with their last error, and retries one.
//!
//! Access: [`AdminGate`]. Until editor accounts exist it accepts HTTP Basic
//! authentication with the user `admin` and the operator's
//! `REGWATCH_SECRET` as password (and refuses everyone when no secret is
//! configured). With accounts, swap it for the signed-in admin extractor:
//! the handlers only need "an admin is asking".

use actix_web::dev::Payload;
use actix_web::http::header::{self, ContentType};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::error::AppError;
use super::{templates, AppState};
use crate::domain::mask_address;
use crate::store::deliveries;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/deliveries", web::get().to(deliveries_page))
        .route(
            "/admin/deliveries/{id}/retry",
            web::post().to(retry_delivery),
        );
}

/// Proof that an operator is asking.
pub struct AdminGate;

#[derive(Debug, thiserror::Error)]
#[error("admins only")]
pub struct AdminRefused;

impl ResponseError for AdminRefused {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::UNAUTHORIZED
    }
    fn error_response(&self) -> HttpResponse {
        let body = templates::render(
            "error",
            &json!({
                "title": "Admins only",
                "status": 401,
                "heading": "Admins only",
                "message": "This page is for the operator. Sign in as admin with the operator secret.",
            }),
        )
        .unwrap_or_else(|_| "401 Admins only".to_owned());
        HttpResponse::Unauthorized()
            .insert_header((
                header::WWW_AUTHENTICATE,
                "Basic realm=\"regwatch admin\", charset=\"UTF-8\"",
            ))
            .content_type(ContentType::html())
            .body(body)
    }
}

fn same(a: &str, b: &str) -> bool {
    // Compare digests so the time taken says nothing about the secret.
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

fn check(req: &HttpRequest) -> Result<AdminGate, AdminRefused> {
    use base64_engine::decode;
    let state = req.app_data::<web::Data<AppState>>().ok_or(AdminRefused)?;
    let secret = state.settings.secret.as_deref().ok_or(AdminRefused)?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(AdminRefused)?;
    let decoded = decode(value.trim()).ok_or(AdminRefused)?;
    let (user, password) = decoded.split_once(':').ok_or(AdminRefused)?;
    if user == "admin" && same(password, secret) {
        Ok(AdminGate)
    } else {
        Err(AdminRefused)
    }
}

impl FromRequest for AdminGate {
    type Error = AdminRefused;
    type Future = std::future::Ready<Result<AdminGate, AdminRefused>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check(req))
    }
}

/// A small standard base64 decoder (the header value only).
mod base64_engine {
    pub fn decode(s: &str) -> Option<String> {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bits: u32 = 0;
        let mut n = 0;
        let mut out = Vec::new();
        for c in s.bytes().filter(|&c| c != b'=') {
            let v = ALPHABET.iter().position(|&a| a == c)? as u32;
            bits = (bits << 6) | v;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
                bits &= (1 << n) - 1;
            }
        }
        String::from_utf8(out).ok()
    }

    #[cfg(test)]
    #[test]
    fn decodes_basic_credentials() {
        assert_eq!(decode("YWRtaW46czNjcmV0").as_deref(), Some("admin:s3cret"));
        assert_eq!(decode("YQ==").as_deref(), Some("a"));
        assert_eq!(decode("!!"), None);
    }
}

/// `GET /admin/deliveries`.
pub async fn deliveries_page(
    _admin: AdminGate,
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
                "failed": d.status == "failed",
                "retryable": d.status == "failed" || d.status == "pending",
                "attempts": d.attempts,
                "next_attempt_at": fmt(d.next_attempt_at),
                "last_error": d.last_error,
                "created_at": fmt(d.created_at),
            })
        }).collect::<Vec<_>>(),
        "empty": rows.is_empty(),
    });
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(templates::render("admin/deliveries", &context)?))
}

/// `POST /admin/deliveries/{id}/retry`: due now, attempts reset.
pub async fn retry_delivery(
    _admin: AdminGate,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i32 = path
        .into_inner()
        .parse()
        .map_err(|_| AppError::not_found("No such delivery."))?;
    let found = state
        .db(move |conn| deliveries::retry(conn, id, crate::mail::worker::precise_now()))
        .await?;
    if !found {
        return Err(AppError::not_found(
            "No failed or waiting delivery has this number.",
        ));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/deliveries"))
        .finish())
}

//! `/import`: editors import items from a file, as `regwatch import` does.
//! The form (a file, its format, dry run, no alerts) is posted as
//! multipart with the session's CSRF token. A file of at most
//! [`MAX_FILE_BYTES`] is read into memory (larger gets a 413 page); a file
//! with any record in error is refused whole (422, each error listed,
//! nothing stored); otherwise every record is stored through the same
//! path as the command line's, and the page lists what became of each.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, Editor};
use super::error::AppError;
use super::forms::FieldErrors;
use super::view::{Layout, Page};
use super::AppState;
use crate::exchange::Format;
use crate::import::{self, Options, RecordReport, Summary};
use crate::store::author::Author;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/import")
            .route(super::get_or_head(import_page))
            .post(import_file),
    );
}

/// The largest file the form takes (20 MB); the command line takes any.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Room for the other fields and the multipart framing.
const MAX_BODY_BYTES: usize = MAX_FILE_BYTES + 64 * 1024;
/// Records listed on the page; the summary counts them all.
const MAX_LISTED: usize = 1000;

#[derive(Debug, Serialize)]
struct RecordView {
    at: String,
    slug: Option<String>,
    outcome: &'static str,
    failed: bool,
    lines: Vec<String>,
}

impl From<RecordReport> for RecordView {
    fn from(r: RecordReport) -> Self {
        RecordView {
            at: r.at,
            slug: r.slug,
            outcome: r.outcome.as_str(),
            failed: r.outcome == import::Outcome::Failed,
            lines: r.lines,
        }
    }
}

#[derive(Debug, Serialize)]
struct FormatOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Debug, Default, Serialize)]
struct ImportView {
    csrf_token: String,
    formats: Vec<FormatOption>,
    dry_run: bool,
    no_alerts: bool,
    errors: FieldErrors,
    has_errors: bool,
    /// The report of the file just posted.
    records: Vec<RecordView>,
    /// Records not listed, past [`MAX_LISTED`].
    unlisted: u64,
    summary: Option<String>,
    stopped: Option<String>,
    /// Whether the file was refused (nothing stored) or a dry run.
    refused: bool,
    dry_run_done: bool,
    max_mb: usize,
}

/// The form as posted.
#[derive(Debug, Default)]
struct ImportForm {
    csrf_token: String,
    format: String,
    dry_run: bool,
    no_alerts: bool,
    file_name: Option<String>,
    file: Vec<u8>,
}

fn view(session: &Session, form: &ImportForm) -> ImportView {
    let formats = [
        ("", "From the file name"),
        ("json", "JSON"),
        ("yaml", "YAML"),
        ("csv", "CSV"),
    ];
    ImportView {
        csrf_token: csrf_token(session),
        formats: formats
            .into_iter()
            .map(|(value, label)| FormatOption {
                value,
                label,
                selected: form.format == value,
            })
            .collect(),
        dry_run: form.dry_run,
        no_alerts: form.no_alerts,
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
        ..ImportView::default()
    }
}

fn respond(
    status: StatusCode,
    user: &Editor,
    session: &Session,
    view: ImportView,
) -> Result<HttpResponse, AppError> {
    Page::new(Layout::new("Import items", Some(&user.0), session), view)
        .respond_uncached(status, "import")
}

/// `GET /import`.
pub async fn import_page(user: Editor, session: Session) -> Result<HttpResponse, AppError> {
    let form = ImportForm {
        dry_run: true,
        ..ImportForm::default()
    };
    respond(StatusCode::OK, &user, &session, view(&session, &form))
}

/// Reads the posted form; `Err(true)`: the body is over the limit.
async fn read_form(mut body: Multipart) -> Result<Result<ImportForm, bool>, AppError> {
    let mut form = ImportForm::default();
    let mut total = 0usize;
    while let Some(field) = body.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            form.file_name = (field.content_disposition())
                .and_then(|d| d.get_filename())
                .map(str::to_owned);
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            total += chunk.len();
            if total > MAX_BODY_BYTES {
                return Ok(Err(true));
            }
            value.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&value).trim().to_owned();
        match name.as_str() {
            "csrf_token" => form.csrf_token = text(),
            "format" => form.format = text(),
            "dry_run" => form.dry_run = true,
            "no_alerts" => form.no_alerts = true,
            "file" => form.file = value,
            _ => {}
        }
    }
    Ok(Ok(form))
}

/// `POST /import`.
pub async fn import_file(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    let declared =
        (req.headers().get("content-length")).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let form = match declared {
        Some(length) if length > MAX_BODY_BYTES => Err(true),
        _ => read_form(body).await?,
    };
    let Ok(form) = form else {
        let mut page = view(&session, &ImportForm::default());
        let message = format!(
            "The file is larger than {} MB, the most this form takes. Split it, or import it with `regwatch import` on the server.",
            page.max_mb
        );
        page.errors.insert("file", message);
        page.has_errors = true;
        return respond(StatusCode::PAYLOAD_TOO_LARGE, &user, &session, page);
    };
    check_csrf(&session, &form.csrf_token)?;
    let mut page = view(&session, &form);
    let format = match form.format.as_str() {
        "" => form.file_name.as_deref().and_then(Format::of_file_name),
        f => f.parse().ok(),
    };
    if form.file.is_empty() {
        page.errors.insert(
            "file",
            "Choose a file to import (JSON, YAML or CSV).".to_owned(),
        );
    }
    let Some(format) = format else {
        let message = "Choose the file's format: its name does not say (.json, .yaml or .csv).";
        page.errors.insert("format", message.to_owned());
        page.has_errors = true;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &user, &session, page);
    };
    if !page.errors.is_empty() {
        page.has_errors = true;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &user, &session, page);
    }
    let options = Options {
        dry_run: true,
        by: Author::import(Some(user.0.id), !form.no_alerts),
        now: state.now(),
    };
    // A dry run first: a file with any error is refused whole.
    let file = std::sync::Arc::new(form.file);
    let (check, records) = run(&state, format, &file, options).await?;
    let status = if check.succeeded() && !form.dry_run {
        let options = Options {
            dry_run: false,
            ..options
        };
        let (done, records) = run(&state, format, &file, options).await?;
        show(&mut page, &done, records);
        if done.succeeded() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    } else {
        show(&mut page, &check, records);
        page.dry_run_done = check.succeeded();
        if check.succeeded() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    page.refused = status != StatusCode::OK;
    respond(status, &user, &session, page)
}

/// Imports the file (or, in a dry run, reports what it would do).
async fn run(
    state: &AppState,
    format: Format,
    file: &std::sync::Arc<Vec<u8>>,
    options: Options,
) -> Result<(import::Finished, Vec<RecordReport>), AppError> {
    let file = std::sync::Arc::clone(file);
    state
        .db(move |conn| {
            let mut records = Vec::new();
            let finished = import::run(conn, format, file.as_slice(), options, |r| {
                if records.len() < MAX_LISTED {
                    records.push(r);
                }
            })?;
            Ok((finished, records))
        })
        .await
}

fn show(page: &mut ImportView, finished: &import::Finished, records: Vec<RecordReport>) {
    let Summary {
        imported,
        unchanged,
        failed,
    } = finished.summary;
    page.unlisted = (imported + unchanged + failed).saturating_sub(records.len() as u64);
    page.records = records.into_iter().map(RecordView::from).collect();
    page.summary = Some(finished.summary.to_string());
    page.stopped = finished.stopped.clone();
}

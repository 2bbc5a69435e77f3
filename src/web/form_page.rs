//! What the editors' form pages share: the item a form belongs to (or a
//! 404), rendering a form page, and the flow of a posted form.
//!
//! Every form posts back to its own address (so a sign-in returns there),
//! carries the session's CSRF token, re-renders with a message beside each
//! wrong field and the input kept (422, nothing stored), and on success
//! redirects to the item with a one-time confirmation (Post/Redirect/Get).

use std::future::Future;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

use super::auth::Editor;
use super::error::AppError;
use super::forms::FieldErrors;
use super::view::{Choice, Layout, Page};
use super::AppState;
use crate::domain::{Confidence, DatePrecision, Slug};
use crate::store::items::{self, ItemRow};

/// The item at a slug, or a 404.
pub async fn load_item(state: &AppState, slug: &str) -> Result<ItemRow, AppError> {
    let not_found = || AppError::not_found(format!("No item has the address /items/{slug}."));
    let slug = Slug::try_from(slug).map_err(|_| not_found())?;
    state
        .db(move |conn| items::find_by_slug(conn, slug.as_str()))
        .await?
        .ok_or_else(not_found)
}

/// The item a form or the history belongs to, as their heading shows it.
#[derive(Debug, Serialize)]
pub struct ItemHeading {
    pub slug: String,
    pub title: String,
    pub short_title: Option<String>,
    pub kind_label: &'static str,
}

impl ItemHeading {
    pub fn of(item: &ItemRow) -> Self {
        ItemHeading {
            slug: item.slug.clone(),
            title: item.title.clone(),
            short_title: item.short_title.clone(),
            kind_label: item.kind().label(),
        }
    }

    /// "TITLE · ITEM": a page title that names the item too.
    pub fn page_title(&self, what: &str) -> String {
        format!(
            "{what} · {}",
            self.short_title.as_deref().unwrap_or(&self.title)
        )
    }
}

/// An editor's form page titled `title` (see [`ItemHeading::page_title`]),
/// rendered from `template`.
pub fn item_form_page(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    title: String,
    view: impl Serialize,
    template: &str,
) -> Result<HttpResponse, AppError> {
    Page::new(Layout::new(title, Some(&user.0), session), view).respond(status, template)
}

/// What acting on a valid form ends with: the answer (a redirect, or a
/// page of its own), or messages for the form's fields (the store refused
/// the values, e.g. a slug already taken).
pub type Acted = Result<Result<HttpResponse, FieldErrors>, AppError>;

/// Answers a posted form: with valid values, `act` decides; with invalid
/// ones, or values `act` refused, the answer is the form again, rendered
/// by `page` with a message beside each wrong field (422, nothing stored).
pub async fn submit<T, Fut>(
    parsed: Result<T, FieldErrors>,
    page: impl FnOnce(StatusCode, &FieldErrors) -> Result<HttpResponse, AppError>,
    act: impl FnOnce(T) -> Fut,
) -> Result<HttpResponse, AppError>
where
    Fut: Future<Output = Acted>,
{
    let errors = match parsed {
        Ok(value) => match act(value).await? {
            Ok(answer) => return Ok(answer),
            Err(refused) => refused,
        },
        Err(invalid) => invalid,
    };
    page(StatusCode::UNPROCESSABLE_ENTITY, &errors)
}

/// The date-precision menu of a dated form (day when nothing is chosen).
pub fn precision_choices(selected: &str) -> Vec<Choice> {
    let selected = if selected.is_empty() { "day" } else { selected };
    DatePrecision::ALL
        .iter()
        .map(|p| {
            let label = match p {
                DatePrecision::Day => "Day (YYYY-MM-DD)",
                DatePrecision::Month => "Month only (YYYY-MM)",
                DatePrecision::Year => "Year only (YYYY)",
            };
            Choice::new(p.as_str(), label, selected == p.as_str())
        })
        .collect()
}

/// The confidence menu of a dated form.
pub fn confidence_choices(selected: &str) -> Vec<Choice> {
    Confidence::ALL
        .iter()
        .map(|c| {
            let label = format!("{}: {}", c.as_str(), c.description());
            Choice::new(c.as_str(), label, selected == c.as_str())
        })
        .collect()
}

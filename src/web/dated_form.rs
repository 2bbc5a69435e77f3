//! What the status-event and milestone forms share: where a form posts
//! (a new record, a correction, or a proposal being accepted as edited),
//! the page they render, and what a correction confirms.

use std::fmt::Display;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{csrf_token, Editor};
use super::error::AppError;
use super::form_page::{
    confidence_choices, item_form_page, load_item, precision_choices, ItemHeading,
};
use super::forms::FieldErrors;
use super::view::Choice;
use super::AppState;
use crate::domain::ProposalId;
use crate::store::items::ItemRow;

/// Where an event or milestone form posts, and what it is for.
pub struct FormAt {
    pub action: String,
    pub correcting: bool,
    /// What the page says when it records a proposal.
    pub from_proposal: Option<String>,
}

impl FormAt {
    /// The item's form for a new record (`/items/{slug}/{records}/new`),
    /// or for correcting record `id` (`/items/{slug}/{records}/{id}/edit`).
    pub fn on_item(item: &ItemRow, records: &str, id: Option<impl Display>) -> FormAt {
        let action = match &id {
            Some(id) => format!("/items/{}/{records}/{id}/edit", item.slug),
            None => format!("/items/{}/{records}/new", item.slug),
        };
        FormAt {
            action,
            correcting: id.is_some(),
            from_proposal: None,
        }
    }

    /// The form that accepts proposal `id` as edited (`/review/{id}/{record}`).
    pub fn proposal(id: ProposalId, record: &str, note: String) -> FormAt {
        FormAt {
            action: format!("/review/{id}/{record}"),
            correcting: false,
            from_proposal: Some(note),
        }
    }
}

/// A form for one kind of dated record: what its page is called, its
/// template, and the menus particular to it.
pub trait DatedForm: Serialize {
    /// The item's records of this kind, as its addresses name them
    /// (`/items/{slug}/events/new`).
    const RECORDS: &'static str;
    /// The page's title when it adds a record, and when it corrects one.
    const ADDING: &'static str;
    const CORRECTING: &'static str;
    const TEMPLATE: &'static str;
    /// The menus beside the date precision and confidence ones.
    type Menus: Serialize;
    fn menus(&self, item: &ItemRow) -> Self::Menus;
    /// The chosen date precision and confidence.
    fn precision(&self) -> &str;
    fn confidence(&self) -> &str;
    /// The form for a new record: empty, dated to the day.
    fn blank() -> Self;
}

/// A dated form as its template sees it.
#[derive(Debug, Serialize)]
struct DatedFormView<'a, F, M> {
    correcting: bool,
    item: ItemHeading,
    action: String,
    form: &'a F,
    errors: &'a FieldErrors,
    has_errors: bool,
    #[serde(flatten)]
    menus: M,
    precisions: Vec<Choice>,
    confidences: Vec<Choice>,
    csrf_token: String,
    /// Set when the form records a proposal from an official source.
    from_proposal: Option<String>,
}

/// The form page, posting to `at.action`.
pub fn dated_form_page<F: DatedForm>(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &F,
    errors: &FieldErrors,
    at: FormAt,
) -> Result<HttpResponse, AppError> {
    let view = DatedFormView {
        correcting: at.correcting,
        item: ItemHeading::of(item),
        action: at.action,
        form,
        errors,
        has_errors: !errors.is_empty(),
        menus: form.menus(item),
        precisions: precision_choices(form.precision()),
        confidences: confidence_choices(form.confidence()),
        csrf_token: csrf_token(session),
        from_proposal: at.from_proposal,
    };
    let title = view.item.page_title(if view.correcting {
        F::CORRECTING
    } else {
        F::ADDING
    });
    item_form_page(status, session, user, title, view, F::TEMPLATE)
}

/// The item's form for a new record (`id` is `None`) or for correcting
/// record `id`.
pub fn record_form_page<F: DatedForm>(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &F,
    errors: &FieldErrors,
    id: Option<impl Display>,
) -> Result<HttpResponse, AppError> {
    let at = FormAt::on_item(item, F::RECORDS, id);
    dated_form_page(status, session, user, item, form, errors, at)
}

/// `GET /items/{slug}/events/new` and `/items/{slug}/milestones/new`.
pub async fn new_record_form<F: DatedForm>(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let (form, errors) = (F::blank(), FieldErrors::new());
    let id: Option<i32> = None;
    record_form_page(StatusCode::OK, &session, &user, &item, &form, &errors, id)
}

/// What saving a correction confirms: `record` ("Milestone") corrected,
/// minor or not, or that nothing differed from `the_record` ("the
/// milestone").
pub fn corrected(record: &str, the_record: &str, changed: bool, minor: bool) -> String {
    match (changed, minor) {
        (false, _) => format!("Nothing to save: {the_record} was not changed."),
        (true, true) => format!("{record} corrected (minor: no immediate alert)."),
        (true, false) => format!("{record} corrected."),
    }
}

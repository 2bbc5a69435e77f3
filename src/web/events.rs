//! Status events through the editors' forms: record one, correct one in
//! place, retract one (it stays in the history, marked).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, see_other, set_flash, Editor};
use super::dated_form::{corrected, record_form_page, DatedForm};
use super::error::AppError;
use super::form_page::{item_form_page, load_item, submit, ItemHeading};
use super::forms::{EventForm, FieldErrors, RetractForm};
use super::view::Choice;
use super::AppState;
use crate::domain::{EventId, Status, StatusDef};
use crate::store::events::{self, EventRow};
use crate::store::items::ItemRow;

/// The menus of the record-event and correct-event form: the statuses of
/// the item's kind, and its developments.
#[derive(Debug, Serialize)]
pub struct EventMenus {
    statuses: Vec<Choice>,
    developments: Vec<Choice>,
}

impl DatedForm for EventForm {
    const RECORDS: &'static str = "events";
    const ADDING: &'static str = "Record a status event";
    const CORRECTING: &'static str = "Correct a status event";
    const TEMPLATE: &'static str = "event_form";
    type Menus = EventMenus;

    fn menus(&self, item: &ItemRow) -> EventMenus {
        let options = |defs: &[StatusDef]| {
            defs.iter()
                .map(|d| Choice::new(d.name, d.label, self.status == d.name))
                .collect()
        };
        EventMenus {
            statuses: options(item.kind().statuses()),
            developments: options(item.kind().developments()),
        }
    }

    fn precision(&self) -> &str {
        &self.precision
    }

    fn confidence(&self) -> &str {
        &self.confidence
    }

    fn blank() -> Self {
        EventForm {
            precision: "day".to_owned(),
            ..EventForm::default()
        }
    }
}

/// The item at `slug` and its event, or a 404.
async fn load_event(
    state: &AppState,
    slug: &str,
    event_id: EventId,
) -> Result<(ItemRow, EventRow), AppError> {
    let item = load_item(state, slug).await?;
    let item_id = item.id;
    let event = state
        .db(move |conn| events::find(conn, item_id, event_id))
        .await?
        .ok_or_else(|| AppError::not_found("This item has no such status event."))?;
    Ok((item, event))
}

/// `POST /items/{slug}/events/new`.
pub async fn create_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &path).await?;
    let page = |status, errors: &FieldErrors| {
        record_form_page(
            status,
            &session,
            &user,
            &item,
            &form,
            errors,
            None::<EventId>,
        )
    };
    submit(form.validate(item.kind()), page, |event| async {
        let (item_id, user_id) = (item.id, user.0.id);
        let what = format!("{} on {}", event.status.label(), event.date.human());
        let now = state.now();
        state
            .db(move |conn| events::record(conn, item_id, &event, Some(user_id), now))
            .await?;
        set_flash(&session, &format!("Status event recorded: {what}."));
        Ok(Ok(see_other(&format!("/items/{}", item.slug))))
    })
    .await
}

/// `GET /items/{slug}/events/{id}/edit`.
pub async fn edit_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, EventId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let (item, event) = load_event(&state, &slug, event_id).await?;
    let (form, errors) = (EventForm::from_event(&event), FieldErrors::new());
    let id = Some(event_id);
    record_form_page(StatusCode::OK, &session, &user, &item, &form, &errors, id)
}

/// `POST /items/{slug}/events/{id}/edit`: corrects the event in place; the
/// old values stay in the revision.
pub async fn correct_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, EventId)>,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let (item, _) = load_event(&state, &slug, event_id).await?;
    let id = Some(event_id);
    let page = |status, errors: &FieldErrors| {
        record_form_page(status, &session, &user, &item, &form, errors, id)
    };
    let minor = form.is_minor();
    submit(form.validate(item.kind()), page, |event| async {
        let (item_id, user_id) = (item.id, user.0.id);
        let now = state.now();
        let changes = state
            .db(move |conn| {
                events::correct(conn, item_id, event_id, &event, Some(user_id), now, minor)
            })
            .await?
            .ok_or_else(|| AppError::not_found("This item has no such status event."))?;
        let done = corrected("Status event", "the event", !changes.is_empty(), minor);
        set_flash(&session, &done);
        Ok(Ok(see_other(&format!(
            "/items/{}#event-{event_id}",
            item.slug
        ))))
    })
    .await
}

/// The event being retracted, as the retract form quotes it.
#[derive(Debug, Serialize)]
struct QuotedEvent {
    date_iso: String,
    date_human: String,
    status_label: String,
    note: String,
    source_url: String,
}

#[derive(Debug, Serialize)]
struct RetractFormView<'a> {
    item: ItemHeading,
    event: QuotedEvent,
    action: String,
    form: &'a RetractForm,
    errors: &'a FieldErrors,
    csrf_token: String,
}

fn retract_form(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    event: &EventRow,
    form: &RetractForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let view = RetractFormView {
        item: ItemHeading::of(item),
        event: QuotedEvent {
            date_iso: event.date().iso(),
            date_human: event.date().human(),
            status_label: Status::label_of(item.kind(), &event.status),
            note: event.note.clone(),
            source_url: event.source_url.clone(),
        },
        action: format!("/items/{}/events/{}/retract", item.slug, event.id),
        form,
        errors,
        csrf_token: csrf_token(session),
    };
    let title = view.item.page_title("Retract a status event");
    item_form_page(status, session, user, title, view, "retract_form")
}

/// `GET /items/{slug}/events/{id}/retract`.
pub async fn retract_event_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, EventId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let (item, event) = load_event(&state, &slug, event_id).await?;
    let (form, errors) = (RetractForm::default(), FieldErrors::new());
    retract_form(
        StatusCode::OK,
        &session,
        &user,
        &item,
        &event,
        &form,
        &errors,
    )
}

/// `POST /items/{slug}/events/{id}/retract`: the event stays in the
/// history, marked, and no longer counts toward the item's status.
pub async fn retract_event(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, EventId)>,
    form: web::Form<RetractForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_id) = path.into_inner();
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let (item, event) = load_event(&state, &slug, event_id).await?;
    let page = |status, errors: &FieldErrors| {
        retract_form(status, &session, &user, &item, &event, &form, errors)
    };
    submit(form.validate(), page, |reason| async {
        let (item_id, user_id) = (item.id, user.0.id);
        let now = state.now();
        let retracted = state
            .db(move |conn| events::retract(conn, item_id, event_id, &reason, Some(user_id), now))
            .await?;
        set_flash(
            &session,
            if retracted {
                "Status event retracted. It stays in the history, marked as retracted."
            } else {
                "That event was already retracted."
            },
        );
        Ok(Ok(see_other(&format!(
            "/items/{}#event-{event_id}",
            item.slug
        ))))
    })
    .await
}

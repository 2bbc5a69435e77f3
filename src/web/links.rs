//! Links between items through the editors' forms: add one, remove one.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{check_csrf, csrf_token, see_other, set_flash, CsrfOnly, Editor};
use super::error::AppError;
use super::form_page::{item_form_page, load_item, submit, ItemHeading};
use super::forms::{FieldErrors, LinkForm, SUGGESTED_RELATIONS};
use super::AppState;
use crate::domain::LinkId;
use crate::store::items::ItemRow;
use crate::store::links::{self, LinkError};

#[derive(Debug, Serialize)]
struct LinkFormView<'a> {
    item: ItemHeading,
    action: String,
    form: &'a LinkForm,
    errors: &'a FieldErrors,
    relations: &'static [&'static str],
    csrf_token: String,
}

fn link_form(
    status: StatusCode,
    session: &Session,
    user: &Editor,
    item: &ItemRow,
    form: &LinkForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let view = LinkFormView {
        item: ItemHeading::of(item),
        action: format!("/items/{}/links/new", item.slug),
        form,
        errors,
        relations: &SUGGESTED_RELATIONS,
        csrf_token: csrf_token(session),
    };
    let title = view.item.page_title("Link to another item");
    item_form_page(status, session, user, title, view, "link_form")
}

/// `GET /items/{slug}/links/new`.
pub async fn new_link_form(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let item = load_item(&state, &path).await?;
    let (form, errors) = (LinkForm::default(), FieldErrors::new());
    link_form(StatusCode::OK, &session, &user, &item, &form, &errors)
}

/// `POST /items/{slug}/links/new`.
pub async fn create_link(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &path).await?;
    let page =
        |status, errors: &FieldErrors| link_form(status, &session, &user, &item, &form, errors);
    submit(form.validate(), page, |(target, relation)| async {
        let (item_id, user_id) = (item.id, user.0.id);
        let target_slug = target.clone();
        let now = state.now();
        let added = state
            .attempt(move |conn| links::add(conn, item_id, &target, &relation, Some(user_id), now))
            .await?;
        let refused = match added {
            Ok(()) => {
                set_flash(&session, &format!("Linked to {target_slug}."));
                return Ok(Ok(see_other(&format!("/items/{}#related", item.slug))));
            }
            Err(LinkError::Db(e)) => return Err(e.into()),
            Err(refused) => refused,
        };
        let field = match refused {
            LinkError::Duplicate { .. } => "relation",
            _ => "target",
        };
        Ok(Err(FieldErrors::from([(field, refused.to_string())])))
    })
    .await
}

/// `POST /items/{slug}/links/{id}/delete`.
pub async fn remove_link(
    user: Editor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, LinkId)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let (slug, link_id) = path.into_inner();
    check_csrf(&session, &form.csrf_token)?;
    let item = load_item(&state, &slug).await?;
    let (item_id, user_id) = (item.id, user.0.id);
    let now = state.now();
    let removed = state
        .db(move |conn| links::remove(conn, item_id, link_id, Some(user_id), now))
        .await?;
    if !removed {
        return Err(AppError::not_found("This item has no such link."));
    }
    set_flash(&session, "Link removed.");
    Ok(see_other(&format!("/items/{}#related", item.slug)))
}

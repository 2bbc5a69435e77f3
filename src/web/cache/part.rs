//! Pages for signed-in readers: the page's own part is shared, only the
//! layout around it is theirs.
//!
//! A whole page cannot be kept for an editor (it carries their name,
//! their sign-out form's token, a one-time message), but what lies inside
//! the layout is the same for every reader of a page unless its template
//! names the reader's fields ([`templates::reader_fields`]). So the reading
//! pages keep their own part, rendered once per generation of the data,
//! under the page's address, and anyone who asks for that address
//! (signed in or not) gets the layout rendered for them around it, without
//! the page's reads. A part that shows editors' controls is kept apart
//! from readers' (and from other sessions' if it carries the form token);
//! one that shows who the reader is or their one-time message is never
//! kept.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::Arc;

use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;

use super::shelf::Footprint;
use super::ResponseCache;
use crate::templates;
use crate::web::auth::{csrf_token, CurrentUser};
use crate::web::error::AppError;
use crate::web::view::{Layout, Page};

/// A page's own part, and the layout's fields that are not the reader's.
pub(super) struct Part {
    layout: Layout,
    body: String,
}

impl Footprint for Part {
    fn size(&self, key: &str) -> usize {
        key.len() + self.body.len() + self.layout.title.len() + 512
    }
}

/// What the cache left on a request for its handler: where to look for
/// kept parts, and the page's address.
#[derive(Clone)]
pub(super) struct Slot {
    pub cache: Arc<ResponseCache>,
    pub key: String,
}

/// A reading page's shared part: [`PagePart::reuse`] before the page's
/// reads, [`PagePart::respond`] to render and keep it.
pub struct PagePart {
    slot: Option<Slot>,
}

impl FromRequest for PagePart {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let slot = req.extensions().get::<Slot>().cloned();
        ready(Ok(PagePart { slot }))
    }
}

/// Where the part of `template` at `address` is kept for a reader, or
/// `None` if it is not kept (it shows who the reader is or their one-time
/// message, or the page does not render in parts).
fn part_key(
    address: &str,
    template: &str,
    signed_in: bool,
    csrf: impl FnOnce() -> String,
) -> Option<String> {
    let reads = templates::reader_fields(template)?;
    if reads.personal {
        return None;
    }
    let mut key = format!("{template} {address}");
    if signed_in && reads.user {
        key.push_str(" editor");
    }
    if signed_in && reads.csrf {
        key.push(' ');
        key.push_str(&csrf());
    }
    Some(key)
}

fn html(body: String) -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .content_type(ContentType::html())
        .body(body)
}

impl PagePart {
    /// The page for this reader around its kept part, if one is kept.
    pub fn reuse(
        &self,
        template: &str,
        user: Option<&CurrentUser>,
        session: &Session,
    ) -> Result<Option<HttpResponse>, AppError> {
        let Some(slot) = &self.slot else {
            return Ok(None);
        };
        let Some(key) = part_key(&slot.key, template, user.is_some(), || csrf_token(session))
        else {
            return Ok(None);
        };
        let Some(part) = slot.cache.part(&key) else {
            return Ok(None);
        };
        slot.cache.counts.add_part_reused();
        let layout = part.layout.clone().for_reader(user, session);
        Ok(Some(html(templates::render_shell(&layout, &part.body)?)))
    }

    /// Renders `page` with `template` (status 200), with its own part on
    /// the response for the cache to keep for the next reader (if the data
    /// did not move on meanwhile).
    pub fn respond<T: Serialize>(
        self,
        page: Page<T>,
        template: &str,
    ) -> Result<HttpResponse, AppError> {
        let Some(body) = templates::render_body(template, &page)? else {
            return page.respond(StatusCode::OK, template);
        };
        let mut res = html(templates::render_shell(&page.layout, &body)?);
        if let Some(slot) = self.slot {
            let csrf = page.layout.csrf.clone().unwrap_or_default();
            let key = part_key(&slot.key, template, page.layout.user.is_some(), || csrf);
            if let Some(key) = key {
                let part = Part {
                    layout: page.layout.without_reader(),
                    body,
                };
                res.extensions_mut().insert(Rendered {
                    key,
                    part: Arc::new(part),
                });
            }
        }
        Ok(res)
    }
}

/// A part a handler rendered, handed to the cache on its response.
pub(super) struct Rendered {
    pub key: String,
    pub part: Arc<Part>,
}

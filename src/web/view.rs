//! View data every page shares: the layout's fields (title, who is signed
//! in, the sign-out form's token, a one-time message, the current tab), a
//! page as the layout's fields beside its own, and a menu choice.
//!
//! Each page's own fields are a `#[derive(Serialize)]` struct next to its
//! handler; templates see exactly those fields.

use actix_session::Session;
use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

use super::auth::{csrf_token, take_flash, CurrentUser};
use super::error::AppError;
use super::feeds::FeedLink;
use crate::templates;

/// The signed-in user, as the layout shows them.
#[derive(Debug, Clone, Serialize)]
pub struct SignedIn {
    pub email: String,
    pub admin: bool,
    /// Proposals waiting at /review.
    pub pending_reviews: i64,
}

/// The main navigation's tab for the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Timeline,
    Items,
    Upcoming,
    Chart,
    Overview,
    Review,
}

/// What the layout shows on every page.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub title: String,
    pub user: Option<SignedIn>,
    /// The session's CSRF token, for the sign-out form (signed in only).
    pub csrf: Option<String>,
    pub flash: Option<String>,
    pub nav_timeline: bool,
    pub nav_items: bool,
    pub nav_upcoming: bool,
    pub nav_chart: bool,
    pub nav_overview: bool,
    pub nav_review: bool,
    /// The page's Atom feed: linked in the head for feed readers to
    /// discover, and shown on the page.
    pub feed: Option<FeedLink>,
}

impl Layout {
    /// The layout of a page for `user`; takes the session's one-time
    /// message.
    pub fn new(title: impl Into<String>, user: Option<&CurrentUser>, session: &Session) -> Self {
        Layout::bare(title).for_reader(user, session)
    }

    /// The layout of a page shown without a session (error pages): nobody
    /// signed in, no message.
    pub fn bare(title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            user: None,
            csrf: None,
            flash: None,
            nav_timeline: false,
            nav_items: false,
            nav_upcoming: false,
            nav_chart: false,
            nav_overview: false,
            nav_review: false,
            feed: None,
        }
    }

    /// The same layout for `user`: who is signed in, their form token, and
    /// the session's one-time message (taken).
    pub fn for_reader(mut self, user: Option<&CurrentUser>, session: &Session) -> Self {
        self.user = user.map(|u| SignedIn {
            email: u.email.clone(),
            admin: u.is_admin(),
            pending_reviews: u.pending_reviews,
        });
        self.csrf = user.map(|_| csrf_token(session));
        self.flash = take_flash(session);
        self
    }

    /// The same layout for nobody in particular: what any reader shares.
    pub fn without_reader(&self) -> Self {
        Layout {
            user: None,
            csrf: None,
            flash: None,
            ..self.clone()
        }
    }

    /// Links the page's feed.
    pub fn feed(mut self, feed: FeedLink) -> Self {
        self.feed = Some(feed);
        self
    }

    /// Marks `tab` as the current page in the navigation.
    pub fn tab(mut self, tab: Tab) -> Self {
        self.nav_timeline = tab == Tab::Timeline;
        self.nav_items = tab == Tab::Items;
        self.nav_upcoming = tab == Tab::Upcoming;
        self.nav_chart = tab == Tab::Chart;
        self.nav_overview = tab == Tab::Overview;
        self.nav_review = tab == Tab::Review;
        self
    }
}

/// A page's view: the layout's fields beside the page's own.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    #[serde(flatten)]
    pub layout: Layout,
    #[serde(flatten)]
    pub content: T,
}

impl<T: Serialize> Page<T> {
    pub fn new(layout: Layout, content: T) -> Self {
        Page { layout, content }
    }

    /// The page rendered with `template`.
    pub fn render(&self, template: &str) -> Result<String, AppError> {
        Ok(templates::render_page(template, self, &self.layout)?)
    }

    /// An HTML response of the page rendered with `template`.
    pub fn respond(&self, status: StatusCode, template: &str) -> Result<HttpResponse, AppError> {
        Ok(HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(self.render(template)?))
    }

    /// The same, never stored by a cache (pages about one's account).
    pub fn respond_uncached(
        &self,
        status: StatusCode,
        template: &str,
    ) -> Result<HttpResponse, AppError> {
        Ok(HttpResponse::build(status)
            .content_type(ContentType::html())
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(self.render(template)?))
    }
}

/// A moment as pages show it: in words, with its machine-readable form for
/// `<time datetime>`.
#[derive(Debug, Serialize)]
pub struct Stamp {
    pub iso: String,
    pub human: String,
}

impl Stamp {
    pub fn of(at: chrono::NaiveDateTime) -> Self {
        Stamp {
            iso: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            human: at.format("%-d %B %Y %H:%M UTC").to_string(),
        }
    }
}

/// One option of a menu or a radio group.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

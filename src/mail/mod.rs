//! Email: composing the messages a delivery owes (`compose`, from the
//! typed `views`), sending them over SMTP or into the outbox folder
//! (`transport`), and the background worker that drains the outbox table
//! (`worker`).
//!
//! Every message has one folder of templates under `templates/email/`
//! (`subject`, `text`, `html`) around the shared layouts in
//! `templates/partials/email_layout_*`; the HTML body is escaped by
//! handlebars, the subject and text body are not (they are not HTML).

mod compose;
mod smtp;
pub mod transport;
mod views;
pub mod worker;

use serde::Serialize;

use crate::domain::SingleLine;
use crate::templates::{self, RenderError};

pub use compose::{compose, ComposeError};
pub use transport::{Mailer, SendError};
pub use worker::{Worker, WorkerConfig, WorkerHandle};

/// One email, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The one-click unsubscribe URL (RFC 8058), for alerts and digests.
    pub unsubscribe_url: Option<String>,
    /// A short name for logs and outbox files (`alert-42`).
    pub label: String,
    /// The left part of the Message-ID (`alert-42.1764000000123456`: the
    /// label and the delivery's creation time). It is the same on every
    /// attempt, so a copy sent again after a crash is recognisably the same
    /// message, and it differs between deliveries, even across databases.
    pub key: String,
}

/// Renders one message folder (`email/alert`, ...) with its view: the
/// subject, the text body and the HTML body.
fn render(folder: &str, view: &impl Serialize) -> Result<(String, String, String), RenderError> {
    let subject = templates::render_email_text(&format!("email/{folder}/subject"), view)?;
    // A subject is one line without control characters, whatever the data held.
    let subject = SingleLine::lossy(&subject).into_string();
    let text = templates::render_email_text(&format!("email/{folder}/text"), view)?;
    let html = templates::render_email_html(&format!("email/{folder}/html"), view)?;
    Ok((subject, text, html))
}

/// A change as the alert emails tell it: the headline ("New status
/// event"), a one-line summary, and the "what changed" text of the alert's
/// text body (dates at their precision). Feeds tell changes the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeText {
    pub headline: String,
    pub summary: String,
    pub text: String,
}

/// Tells `row` as the alert emails do; see [`ChangeText`].
pub fn change_text(row: &crate::store::changes::ChangeRow) -> Result<ChangeText, RenderError> {
    #[derive(Serialize)]
    struct Told<'a> {
        change: &'a views::Change,
    }
    let change = views::Change::from(row);
    let text =
        templates::render_email_text("partials/email_change_text", &Told { change: &change })?;
    Ok(ChangeText {
        headline: change.headline.to_owned(),
        summary: change.summary.clone(),
        text: text.trim().to_owned(),
    })
}

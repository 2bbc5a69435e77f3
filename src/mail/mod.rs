//! Email: composing the messages a delivery owes (`compose`), sending them
//! over SMTP or into the outbox folder (`transport`), and the background
//! worker that drains the outbox table (`worker`).
//!
//! Every message has one folder of templates under `templates/email/`
//! (`subject`, `text`, `html`); the HTML body is escaped by handlebars, the
//! subject and text body are not (they are not HTML).

pub mod transport;
pub mod worker;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::{DbConnection, DbError};
use crate::domain::{Frequency, Kind};
use crate::schema::{changes, digest_entries, items, subscribers, subscriptions};
use crate::store::changes::{ChangePayload, ChangeRow, MilestoneSnapshot};
use crate::store::deliveries::{DeliveryKind, DeliveryRow};
use crate::store::revisions::FieldChange;
use crate::store::subscriptions::{describe, issue_token, SubscriptionRow, TokenPurpose};
use crate::web::templates::{self, RenderError};

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

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the delivery cannot be composed: {0}")]
    Invalid(String),
}

impl From<diesel::result::Error> for ComposeError {
    fn from(e: diesel::result::Error) -> Self {
        ComposeError::Db(e.into())
    }
}

/// Renders one message folder (`email/alert`, ...) with its context.
pub fn render(folder: &str, context: &Value) -> Result<(String, String, String), RenderError> {
    let subject = templates::render_text(&format!("email/{folder}/subject"), context)?;
    // A subject is one line without control characters, whatever the data held.
    let subject = crate::domain::SingleLine::lossy(&subject).into_string();
    let text = templates::render_text(&format!("email/{folder}/text"), context)?;
    let html = templates::render(&format!("email/{folder}/html"), context)?;
    Ok((subject, text, html))
}

/// Composes the email a claimed delivery owes. Issues the tokens its links
/// carry (only their hashes are stored), so call it in a transaction that
/// commits before the email is sent.
pub fn compose(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    base_url: &str,
    now: NaiveDateTime,
) -> Result<Email, ComposeError> {
    let kind = DeliveryKind::parse(&delivery.kind)
        .ok_or_else(|| ComposeError::Invalid(format!("unknown kind {}", delivery.kind)))?;
    let (subscription, to): (SubscriptionRow, String) = subscriptions::table
        .inner_join(subscribers::table)
        .filter(subscriptions::id.eq(delivery.subscription_id))
        .select((SubscriptionRow::as_select(), subscribers::email))
        .first(conn)?;
    let scope = match subscription.scope() {
        Ok(s) => describe(conn, &s)?,
        Err(e) => {
            return Err(ComposeError::Invalid(format!(
                "the subscription's scope is invalid: {e}"
            )))
        }
    };
    let label = format!("{}-{}", kind.as_str(), delivery.id);
    let key = format!(
        "{label}.{}",
        delivery.created_at.and_utc().timestamp_micros()
    );
    let subscription_json = json!({
        "scope": scope,
        "frequency": subscription.frequency.as_str(),
        "frequency_label": subscription.frequency.label(),
    });
    if kind == DeliveryKind::Confirmation {
        let token = issue_token(
            conn,
            TokenPurpose::Confirm,
            subscription.subscriber_id,
            Some(subscription.id),
            now,
        )?;
        let manage = issue_token(
            conn,
            TokenPurpose::Manage,
            subscription.subscriber_id,
            None,
            now,
        )?;
        let context = json!({
            "email": to,
            "subscription": subscription_json,
            "links": {
                "confirm": format!("{base_url}/subscriptions/confirm/{token}"),
                "manage": format!("{base_url}/subscriptions/manage/{manage}"),
                "site": base_url,
            },
        });
        let (subject, text, html) = render("confirmation", &context)?;
        return Ok(Email {
            to,
            subject,
            text,
            html,
            unsubscribe_url: None,
            label,
            key,
        });
    }
    let manage = issue_token(
        conn,
        TokenPurpose::Manage,
        subscription.subscriber_id,
        None,
        now,
    )?;
    let unsubscribe = issue_token(
        conn,
        TokenPurpose::Unsubscribe,
        subscription.subscriber_id,
        Some(subscription.id),
        now,
    )?;
    let unsubscribe_url = format!("{base_url}/subscriptions/unsubscribe/{unsubscribe}");
    let links = json!({
        "manage": format!("{base_url}/subscriptions/manage/{manage}"),
        "unsubscribe": unsubscribe_url,
        "site": base_url,
    });
    let (folder, context) = match kind {
        DeliveryKind::Alert => {
            let change_id = delivery
                .change_id
                .ok_or_else(|| ComposeError::Invalid("an alert without a change".into()))?;
            let change = crate::store::changes::find(conn, change_id)?
                .ok_or_else(|| ComposeError::Invalid("its change no longer exists".into()))?;
            let item = item_json(conn, change.item_id, base_url)?;
            let change = change_json(&change)?;
            (
                "alert",
                json!({
                    "email": to,
                    "subscription": subscription_json,
                    "links": links,
                    "item": item,
                    "change": change,
                }),
            )
        }
        DeliveryKind::Digest => {
            let rows: Vec<ChangeRow> = digest_entries::table
                .inner_join(changes::table)
                .filter(digest_entries::delivery_id.eq(delivery.id))
                .order(changes::id.asc())
                .select(ChangeRow::as_select())
                .load(conn)?;
            // Grouped by item, items in the order of their first change.
            let mut groups: Vec<(i32, Value, Vec<Value>)> = Vec::new();
            for row in &rows {
                let change = change_json(row)?;
                match groups.iter_mut().find(|g| g.0 == row.item_id) {
                    Some(g) => g.2.push(change),
                    None => {
                        let item = item_json(conn, row.item_id, base_url)?;
                        groups.push((row.item_id, item, vec![change]));
                    }
                }
            }
            let period = match subscription.frequency {
                Frequency::Weekly => "weekly",
                _ => "daily",
            };
            (
                "digest",
                json!({
                    "email": to,
                    "subscription": subscription_json,
                    "links": links,
                    "period": period,
                    "from": delivery.period_start.map(|t| t.format("%-d %B %Y %H:%M UTC").to_string()),
                    "to": delivery.period_end.map(|t| t.format("%-d %B %Y %H:%M UTC").to_string()),
                    "count": rows.len(),
                    "plural": rows.len() != 1,
                    "item_count": groups.len(),
                    "items_plural": groups.len() != 1,
                    "groups": groups.into_iter().map(|(_, item, changes)| json!({
                        "item": item,
                        "changes": changes,
                    })).collect::<Vec<_>>(),
                }),
            )
        }
        DeliveryKind::Confirmation => {
            return Err(ComposeError::Invalid(
                "a confirmation is composed above".to_owned(),
            ))
        }
    };
    let (subject, text, html) = render(folder, &context)?;
    Ok(Email {
        to,
        subject,
        text,
        html,
        unsubscribe_url: Some(unsubscribe_url),
        label,
        key,
    })
}

fn item_json(conn: &mut DbConnection, item_id: i32, base_url: &str) -> Result<Value, DbError> {
    let (slug, kind, title, short_title, jurisdiction): (
        String,
        String,
        String,
        Option<String>,
        String,
    ) = items::table
        .find(item_id)
        .select((
            items::slug,
            items::kind,
            items::title,
            items::short_title,
            items::jurisdiction,
        ))
        .first(conn)?;
    Ok(json!({
        "name": short_title.clone().unwrap_or_else(|| title.clone()),
        "title": title,
        "short_title": short_title,
        "kind_label": kind.parse::<Kind>().unwrap_or(Kind::Other).label(),
        "jurisdiction": jurisdiction,
        "url": format!("{base_url}/items/{slug}"),
    }))
}

/// A field name for people: `short_title` → `Short title`, `event.date` →
/// `Event date`.
/// A milestone's date at its precision, saying when it is known only to
/// the month or year.
fn milestone_when(m: &MilestoneSnapshot) -> String {
    if m.precision == "day" {
        m.date_human.clone()
    } else {
        format!("{} (known to the {})", m.date_human, m.precision)
    }
}

fn milestone_lines(m: &MilestoneSnapshot, label: &str) -> Vec<String> {
    let mut lines = vec![format!("{label}: {}, {}.", m.kind_label, milestone_when(m))];
    if !m.note.is_empty() {
        lines.push(format!("Note: {}", m.note));
    }
    lines.push(format!("Source: {}", m.source));
    lines
}

pub fn field_label(field: &str) -> String {
    let words = field.replace(['_', '.'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn fields_json(changes: &[FieldChange]) -> Vec<Value> {
    changes
        .iter()
        .map(|c| {
            json!({
                "label": field_label(&c.field),
                "old": c.old.clone().unwrap_or_else(|| "(empty)".to_owned()),
                "new": c.new.clone().unwrap_or_else(|| "(empty)".to_owned()),
            })
        })
        .collect()
}

/// What changed, shaped for the templates: a headline and a one-line
/// summary, and the event or the edited fields or a sentence.
fn change_json(row: &ChangeRow) -> Result<Value, ComposeError> {
    let payload = row
        .payload()
        .ok_or_else(|| ComposeError::Invalid(format!("change {} is unreadable", row.id)))?;
    let at = row.created_at.format("%-d %B %Y %H:%M UTC").to_string();
    let event_json = |e: &crate::store::changes::EventSnapshot| {
        json!({
            "date": e.date,
            "date_human": e.date_human,
            "precision": e.precision,
            "approximate": e.precision != "day",
            "status_label": e.status_label,
            "development": !e.moves_status,
            "note": e.note,
            "source": e.source,
            "confidence": e.confidence,
        })
    };
    let names = |changes: &[FieldChange]| {
        changes
            .iter()
            .map(|c| field_label(&c.field).to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let value = match &payload {
        ChangePayload::ItemCreated { title } => json!({
            "headline": "New item",
            "summary": "new item",
            "lines": [format!("“{title}” is now tracked.")],
        }),
        ChangePayload::FieldsEdited { changes } => json!({
            "headline": "Fields edited",
            "summary": format!("{} edited", names(changes)),
            "fields": fields_json(changes),
        }),
        ChangePayload::EventRecorded { event } => json!({
            "headline": if event.moves_status { "New status event" } else { "New development" },
            "summary": format!("{} ({})", event.status_label, event.date_human),
            "event": event_json(event),
        }),
        ChangePayload::EventCorrected { event, changes } => json!({
            "headline": "Status event corrected",
            "summary": format!("event of {} corrected", event.date_human),
            "event": event_json(event),
            "fields": fields_json(changes),
        }),
        ChangePayload::EventRetracted {
            date_human,
            status_label,
            reason,
            ..
        } => json!({
            "headline": "Status event retracted",
            "summary": format!("event of {date_human} retracted"),
            "lines": [
                format!("The event “{status_label}” of {date_human} was retracted."),
                format!("Reason: {reason}"),
            ],
        }),
        ChangePayload::LinkAdded {
            relation,
            other_title,
            outgoing,
            ..
        } => json!({
            "headline": "Related item added",
            "summary": format!("linked to {other_title}"),
            "lines": [if *outgoing {
                format!("This item {relation} “{other_title}”.")
            } else {
                format!("“{other_title}” {relation} this item.")
            }],
        }),
        ChangePayload::LinkRemoved {
            relation,
            other_title,
            outgoing,
            ..
        } => json!({
            "headline": "Related item removed",
            "summary": format!("link to {other_title} removed"),
            "lines": [if *outgoing {
                format!("This item no longer {relation} “{other_title}”.")
            } else {
                format!("“{other_title}” no longer {relation} this item.")
            }],
        }),
        ChangePayload::MilestoneAdded { milestone } => json!({
            "headline": "Milestone scheduled",
            "summary": format!("{} ({})", milestone.kind_label, milestone_when(milestone)),
            "lines": milestone_lines(milestone, "Scheduled"),
        }),
        ChangePayload::MilestoneCorrected { milestone, changes } => json!({
            "headline": "Milestone moved or corrected",
            "summary": format!("{} now {}", milestone.kind_label, milestone_when(milestone)),
            "lines": milestone_lines(milestone, "Now"),
            "fields": fields_json(changes),
        }),
        ChangePayload::MilestoneRemoved { milestone, reason } => json!({
            "headline": "Milestone removed",
            "summary": format!("{} of {} removed", milestone.kind_label, milestone_when(milestone)),
            "lines": [
                format!("Removed: {}, {}.", milestone.kind_label, milestone_when(milestone)),
                format!("Reason: {reason}"),
            ],
        }),
    };
    let mut value = value;
    value["at"] = json!(at);
    value["kind"] = json!(payload.kind());
    Ok(value)
}

//! Composing the email a delivery owes: reading what it is about from the
//! store, issuing the tokens its links carry, and rendering its view.

use chrono::NaiveDateTime;

use super::views::{
    self, Alert, Change, Confirmation, ConfirmationLinks, Digest, DigestGroup, Following, Item,
    Reminder, SubscriberLinks, Upcoming, UpcomingEntry,
};
use super::{render, Email};
use crate::db::{DbConnection, DbError};
use crate::domain::{ChangeId, Frequency, InvalidValue, ItemId, LeadTimes, Scope};
use crate::store::changes::{self, ChangeRow};
use crate::store::deliveries::{self, DeliveryKind, DeliveryRow};
use crate::store::subscriptions::{describe, issue_token, TokenPurpose};
use crate::store::{items, reminders};
use crate::templates::RenderError;

/// Why a delivery's email could not be composed. Only [`ComposeError::Db`]
/// may pass on another attempt; the others never will.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("the database could not be read")]
    Db(#[from] DbError),
    #[error("the email could not be rendered")]
    Render(#[from] RenderError),
    #[error("its subscription's scope is no longer valid")]
    InvalidScope(#[source] InvalidValue),
    #[error("it is an alert without a change")]
    NoChange,
    #[error("its change {0} no longer exists")]
    ChangeGone(ChangeId),
    #[error("its item {0} no longer exists")]
    ItemGone(ItemId),
    #[error("it is a digest without its period")]
    NoPeriod,
    #[error("it is a reminder without its reminder")]
    NoReminder,
    /// Its milestone was removed, moved to another first day, or is no
    /// longer ahead: the reminder is dropped, not sent.
    #[error("its milestone was moved or removed, so the reminder is no longer owed")]
    NoLongerOwed,
}

/// The transaction a delivery is composed in fails this way on begin or
/// commit.
impl From<diesel::result::Error> for ComposeError {
    fn from(e: diesel::result::Error) -> Self {
        ComposeError::Db(e.into())
    }
}

/// Composes the email a claimed delivery owes. Issues the tokens its links
/// carry (only their hashes are stored), so call it in a transaction that
/// commits before the email is sent. `leads` are the reminder lead times:
/// a digest lists the milestones within the longest of them.
pub fn compose(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    base_url: &str,
    leads: &LeadTimes,
    now: NaiveDateTime,
) -> Result<Email, ComposeError> {
    let (subscription, to) = deliveries::recipient(conn, delivery)?;
    let scope = subscription.scope().map_err(ComposeError::InvalidScope)?;
    let following = Following {
        scope: describe(conn, &scope)?,
        frequency_label: subscription.frequency.label(),
    };
    // A manage link is the subscriber's; the others act on the subscription.
    let link = |conn: &mut DbConnection, purpose: TokenPurpose, path: &str| {
        let only = (purpose != TokenPurpose::Manage).then_some(subscription.id);
        issue_token(conn, purpose, subscription.subscriber_id, only, now)
            .map(|token| format!("{base_url}/subscriptions/{path}/{token}"))
    };
    let subscriber_links = |conn: &mut DbConnection| {
        Ok::<_, DbError>(SubscriberLinks {
            manage: link(conn, TokenPurpose::Manage, "manage")?,
            unsubscribe: link(conn, TokenPurpose::Unsubscribe, "unsubscribe")?,
        })
    };
    let ((subject, text, html), unsubscribe_url) = match delivery.kind {
        DeliveryKind::Confirmation => {
            let view = Confirmation {
                email: to.clone(),
                subscription: following,
                links: ConfirmationLinks {
                    confirm: link(conn, TokenPurpose::Confirm, "confirm")?,
                    manage: link(conn, TokenPurpose::Manage, "manage")?,
                    site: base_url.to_owned(),
                },
            };
            (render("confirmation", &view)?, None)
        }
        DeliveryKind::Alert => {
            let change_id = delivery.change_id.ok_or(ComposeError::NoChange)?;
            let change =
                changes::find(conn, change_id)?.ok_or(ComposeError::ChangeGone(change_id))?;
            let view = Alert {
                subscription: following,
                links: subscriber_links(conn)?,
                item: item(conn, change.item_id, base_url)?,
                change: Change::from(&change),
            };
            let unsubscribe = view.links.unsubscribe.clone();
            (render("alert", &view)?, Some(unsubscribe))
        }
        DeliveryKind::Digest => {
            let (Some(from), Some(until)) = (delivery.period_start, delivery.period_end) else {
                return Err(ComposeError::NoPeriod);
            };
            let rows = changes::in_digest(conn, delivery.id)?;
            let groups = by_item(conn, &rows, base_url)?;
            let upcoming = upcoming(conn, &scope, leads, until, base_url)?;
            let view = Digest {
                subscription: following,
                links: subscriber_links(conn)?,
                period: match subscription.frequency {
                    Frequency::Weekly => "weekly",
                    Frequency::Daily | Frequency::Immediate => "daily",
                },
                from: views::when(from),
                to: views::when(until),
                count: rows.len(),
                plural: rows.len() != 1,
                item_count: groups.len(),
                items_plural: groups.len() != 1,
                groups,
                has_changes: !rows.is_empty(),
                upcoming_count: upcoming.len(),
                upcoming_plural: upcoming.len() != 1,
                upcoming,
            };
            let unsubscribe = view.links.unsubscribe.clone();
            (render("digest", &view)?, Some(unsubscribe))
        }
        DeliveryKind::Reminder => {
            let id = delivery.reminder_id.ok_or(ComposeError::NoReminder)?;
            let (reminder, milestone) =
                reminders::find(conn, id)?.ok_or(ComposeError::NoLongerOwed)?;
            let today = now.date();
            let date = milestone.date();
            if milestone.cancelled || !reminder.key().still_armed(&date) || today > date.start() {
                return Err(ComposeError::NoLongerOwed);
            }
            let view = Reminder {
                subscription: following,
                links: subscriber_links(conn)?,
                item: item(conn, milestone.item_id, base_url)?,
                milestone: Upcoming::of(&milestone, today),
            };
            let unsubscribe = view.links.unsubscribe.clone();
            (render("reminder", &view)?, Some(unsubscribe))
        }
    };
    let label = format!("{}-{}", delivery.kind, delivery.id);
    Ok(Email {
        key: format!(
            "{label}.{}",
            delivery.created_at.and_utc().timestamp_micros()
        ),
        label,
        to,
        subject,
        text,
        html,
        unsubscribe_url,
    })
}

/// An item as emails show it.
fn item(conn: &mut DbConnection, id: ItemId, base_url: &str) -> Result<Item, ComposeError> {
    let row = items::find(conn, id)?.ok_or(ComposeError::ItemGone(id))?;
    Ok(Item::of(&row, base_url))
}

/// The milestones a digest closed at `until` lists, with their items.
fn upcoming(
    conn: &mut DbConnection,
    scope: &Scope,
    leads: &LeadTimes,
    until: NaiveDateTime,
    base_url: &str,
) -> Result<Vec<UpcomingEntry>, ComposeError> {
    let today = until.date();
    reminders::upcoming_for(conn, scope, leads, today)?
        .iter()
        .map(|m| {
            Ok(UpcomingEntry {
                item: item(conn, m.item_id, base_url)?,
                milestone: Upcoming::of(m, today),
            })
        })
        .collect()
}

/// Changes grouped by item, items in the order of their first change.
fn by_item(
    conn: &mut DbConnection,
    rows: &[ChangeRow],
    base_url: &str,
) -> Result<Vec<DigestGroup>, ComposeError> {
    let mut groups: Vec<(ItemId, DigestGroup)> = Vec::new();
    for row in rows {
        let change = Change::from(row);
        match groups.iter_mut().find(|(id, _)| *id == row.item_id) {
            Some((_, group)) => group.changes.push(change),
            None => {
                let group = DigestGroup {
                    item: item(conn, row.item_id, base_url)?,
                    changes: vec![change],
                };
                groups.push((row.item_id, group));
            }
        }
    }
    Ok(groups.into_iter().map(|(_, group)| group).collect())
}

//! One sender's share of a round: its deliveries composed a group at a
//! time, each checked against its claim just before it is sent, and the
//! sent ones recorded a group at a time.
//!
//! Per group of [`GROUP`] deliveries, one write transaction records what
//! the previous group sent, checks and extends the claims of the group,
//! and composes its emails (issuing the tokens their links carry). Each
//! email is sent only if a read just before it shows its claim still
//! holds it with at least a third of the lease to run (otherwise the
//! claim is checked and extended in a write, as before). What was sent is
//! recorded with the next group, or within [`RECORD_EVERY`] when the relay
//! is slow, and at the end of the share. So a crash (or a database that
//! cannot be written) between sending and recording leaves at most one
//! group, or one second's worth, of emails per sender sent but not
//! recorded: those are sent again once their lease runs out, with the same
//! Message-ID. Failures and dropped reminders are recorded at once.

use std::time::Instant;

use chrono::NaiveDateTime;

use super::{with_causes, Outcome, RoundTime, Worker};
use crate::db::{write_transaction, DbConnection, DbError};
use crate::domain::{mask_address, DeliveryId};
use crate::mail::{compose, ComposeError, Email};
use crate::store::deliveries::{self, AfterFailure, DeliveryRow};

/// Deliveries composed (and their sends recorded) per write transaction.
pub const GROUP: usize = 25;
/// Sent emails are recorded at least this often, however slow the relay.
pub const RECORD_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What composing one delivery gave.
enum Composed {
    Email(Box<Email>),
    /// Its claim no longer holds it.
    NotHeld,
    /// A reminder whose milestone moved or went.
    NoLongerOwed,
    /// It could not be composed: why, and whether it never will be.
    Failed(String, bool),
}

impl Composed {
    fn of(delivery: &DeliveryRow, result: Result<Email, ComposeError>) -> Composed {
        match result {
            Ok(email) => Composed::Email(Box::new(email)),
            Err(ComposeError::NoLongerOwed) => Composed::NoLongerOwed,
            // The database hiccuped: try again later like any transient
            // failure (the claim is released rather than left to expire).
            Err(e @ ComposeError::Db(_)) => {
                let error = with_causes(e);
                tracing::warn!(delivery = %delivery.id, %error, "email could not be composed");
                Composed::Failed(error, false)
            }
            Err(e) => {
                let error = with_causes(e);
                tracing::error!(delivery = %delivery.id, %error, "email cannot be composed");
                Composed::Failed(error, true)
            }
        }
    }
}

/// Sent, not yet recorded.
struct Unrecorded<'a> {
    sent: Vec<&'a DeliveryRow>,
    since: Option<Instant>,
}

impl Worker {
    /// Delivers one sender's share, in order.
    pub(super) fn deliver_share(
        &self,
        share: &[&DeliveryRow],
        clock: RoundTime,
        now: NaiveDateTime,
    ) -> Result<Vec<Outcome>, DbError> {
        let mut conn = self.pool.get()?;
        let mut outcomes = Vec::with_capacity(share.len());
        let mut unrecorded = Unrecorded {
            sent: Vec::new(),
            since: None,
        };
        for group in share.chunks(GROUP) {
            let composed = write_transaction(&mut conn, |c| {
                let recorded = mark_sent(c, &unrecorded, now)?;
                Ok::<_, DbError>((recorded, self.compose_group(c, group, clock, now)?))
            });
            let composed = match composed {
                Ok((recorded, composed)) => {
                    unrecorded.recorded(&recorded);
                    composed
                }
                // Not composed: a transient failure of each.
                Err(e) => {
                    let error = with_causes(ComposeError::Db(e));
                    tracing::warn!(%error, "emails could not be composed");
                    let failed = || Composed::Failed(error.clone(), false);
                    group.iter().map(|_| failed()).collect()
                }
            };
            for (delivery, composed) in group.iter().zip(composed) {
                let outcome = self.send_one(&mut conn, delivery, composed, clock, now)?;
                if let Outcome::Sent = outcome {
                    unrecorded.sent.push(delivery);
                    unrecorded.since.get_or_insert_with(Instant::now);
                }
                outcomes.push(outcome);
                if unrecorded
                    .since
                    .is_some_and(|t| t.elapsed() >= RECORD_EVERY)
                {
                    let recorded =
                        write_transaction(&mut conn, |c| mark_sent(c, &unrecorded, now))?;
                    unrecorded.recorded(&recorded);
                }
            }
        }
        let recorded = write_transaction(&mut conn, |c| mark_sent(c, &unrecorded, now))?;
        unrecorded.recorded(&recorded);
        Ok(outcomes)
    }

    /// Checks and extends the claims of `group` and composes the email each
    /// one still held owes, each in a savepoint of its own (a delivery that
    /// cannot be composed leaves nothing behind).
    fn compose_group(
        &self,
        conn: &mut DbConnection,
        group: &[&DeliveryRow],
        clock: RoundTime,
        now: NaiveDateTime,
    ) -> Result<Vec<Composed>, DbError> {
        let held = deliveries::hold_all(conn, group, clock.now() + self.config.lease)?;
        Ok(group
            .iter()
            .map(|delivery| {
                if !held.contains(&delivery.id) {
                    return Composed::NotHeld;
                }
                let email = write_transaction(conn, |c| {
                    compose(c, delivery, &self.base_url, &self.leads, now)
                });
                Composed::of(delivery, email)
            })
            .collect())
    }

    /// Sends one composed delivery if its claim still holds it, and records
    /// a failure or a drop at once.
    fn send_one(
        &self,
        conn: &mut DbConnection,
        delivery: &DeliveryRow,
        composed: Composed,
        clock: RoundTime,
        now: NaiveDateTime,
    ) -> Result<Outcome, DbError> {
        let (message, permanent) = match composed {
            Composed::NotHeld => return Ok(taken_over(delivery)),
            Composed::Email(email) => {
                if !self.still_held(conn, delivery, clock)? {
                    return Ok(taken_over(delivery));
                }
                let Err(e) = self.mailer.send(&email) else {
                    return Ok(Outcome::Sent);
                };
                tracing::warn!(
                    delivery = %delivery.id,
                    to = %mask_address(&email.to),
                    attempt = delivery.attempts,
                    error = %e,
                    "sending failed"
                );
                (e.message, e.permanent)
            }
            Composed::NoLongerOwed => {
                tracing::info!(
                    delivery = %delivery.id,
                    "reminder dropped: its milestone was moved or removed"
                );
                return Ok(if deliveries::drop_held(conn, delivery)? {
                    Outcome::Dropped
                } else {
                    Outcome::TakenOver
                });
            }
            Composed::Failed(message, permanent) => (message, permanent),
        };
        let mut policy = self.config.retry;
        if permanent {
            policy.max_attempts = delivery.attempts;
        }
        Ok(
            match deliveries::mark_attempt_failed(conn, delivery, &message, policy, now)? {
                AfterFailure::Retrying => Outcome::Retrying,
                AfterFailure::Failed => {
                    tracing::error!(
                        delivery = %delivery.id,
                        attempts = delivery.attempts,
                        "delivery failed for good; see /admin/deliveries"
                    );
                    Outcome::Failed
                }
                AfterFailure::NotHeld => Outcome::TakenOver,
            },
        )
    }

    /// Whether the claim still holds `delivery`, for long enough to send
    /// it: a read when its lease has at least a third to run, else the
    /// claim is checked and extended in a write.
    fn still_held(
        &self,
        conn: &mut DbConnection,
        delivery: &DeliveryRow,
        clock: RoundTime,
    ) -> Result<bool, DbError> {
        let now = clock.now();
        match deliveries::held_until(conn, delivery)? {
            None => Ok(false),
            Some(until) if until >= now + self.config.lease / 3 => Ok(true),
            Some(_) => deliveries::hold(conn, delivery, now + self.config.lease),
        }
    }
}

fn taken_over(delivery: &DeliveryRow) -> Outcome {
    tracing::info!(
        delivery = %delivery.id,
        "another worker took this delivery over; not sending it"
    );
    Outcome::TakenOver
}

/// Marks sent what was sent since the last time, as far as the claims
/// still hold it; returns what it marked.
fn mark_sent(
    conn: &mut DbConnection,
    unrecorded: &Unrecorded<'_>,
    now: NaiveDateTime,
) -> Result<Vec<DeliveryId>, DbError> {
    if unrecorded.sent.is_empty() {
        return Ok(Vec::new());
    }
    deliveries::mark_all_sent(conn, &unrecorded.sent, now)
}

impl Unrecorded<'_> {
    /// Forgets what was recorded once its transaction committed; the rest
    /// was taken over before it could be.
    fn recorded(&mut self, marked: &[DeliveryId]) {
        for lost in self.sent.iter().filter(|d| !marked.contains(&d.id)) {
            tracing::warn!(
                delivery = %lost.id,
                "sent, but the claim was lost before it was recorded; it may be sent again"
            );
        }
        self.sent.clear();
        self.since = None;
    }
}

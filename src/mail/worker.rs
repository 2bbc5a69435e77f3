//! The delivery worker: closes due digest periods, claims due deliveries
//! with a lease, composes and sends them, and records the outcome.
//!
//! It runs on its own thread (blocking database and SMTP work), inside
//! `regwatch serve` unless `--no-worker`, or alone as `regwatch worker`.
//! Several workers may share one PostgreSQL database; on SQLite run one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;

use super::transport::{MailError, Mailer};
use super::{compose, ComposeError, Email};
use crate::config::Settings;
use crate::db::{DbError, Pool};
use crate::domain::mask_address;
use crate::store::deliveries::{self, DeliveryRow, RetryPolicy};
use crate::store::subscriptions;

/// Timing of the worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Pause between rounds when there was nothing to do.
    pub poll: std::time::Duration,
    /// How long a claim holds before another worker may take the delivery.
    pub lease: Duration,
    pub retry: RetryPolicy,
    /// Deliveries claimed per round.
    pub batch: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll: std::time::Duration::from_secs(2),
            lease: Duration::minutes(2),
            retry: RetryPolicy::default(),
            batch: 20,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub digests: usize,
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

pub struct Worker {
    pool: Pool,
    mailer: Arc<Mailer>,
    base_url: String,
    config: WorkerConfig,
    /// When housekeeping last ran (it runs hourly).
    last_purge: Mutex<Option<NaiveDateTime>>,
}

/// The current time as the worker stores it (microseconds, UTC).
pub fn precise_now() -> NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    let micros = now.and_utc().timestamp_micros();
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc())
        .unwrap_or(now)
}

impl Worker {
    pub fn new(pool: Pool, settings: &Settings) -> Result<Worker, MailError> {
        Ok(Worker {
            pool,
            mailer: Arc::new(Mailer::from_settings(settings)?),
            base_url: settings.base_url.clone(),
            config: settings.worker,
            last_purge: Mutex::new(None),
        })
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// One round at time `now`: digests, then one batch of deliveries.
    pub fn run_once(&self, now: NaiveDateTime) -> Result<Round, DbError> {
        let mut conn = self.pool.get()?;
        let purge_due = {
            let mut last = self.last_purge.lock().unwrap_or_else(|e| e.into_inner());
            let due = last.is_none_or(|t| now - t >= Duration::hours(1));
            if due {
                *last = Some(now);
            }
            due
        };
        if purge_due {
            let removed = subscriptions::purge(&mut conn, now)?;
            if removed > 0 {
                tracing::info!(removed, "forgot subscriptions that were never confirmed");
            }
        }
        let mut round = Round {
            digests: subscriptions::close_due_digests(&mut conn, now)?,
            ..Round::default()
        };
        let claimed = deliveries::claim(&mut conn, now, self.config.lease, self.config.batch)?;
        round.claimed = claimed.len();
        for delivery in claimed {
            match self.deliver(&mut conn, &delivery, now)? {
                Outcome::Sent => round.sent += 1,
                Outcome::Retrying => round.retrying += 1,
                Outcome::Failed => round.failed += 1,
            }
        }
        Ok(round)
    }

    /// Rounds until no delivery is left that is due at `now`.
    pub fn drain(&self, now: NaiveDateTime) -> Result<Round, DbError> {
        let mut total = Round::default();
        loop {
            let r = self.run_once(now)?;
            total.digests += r.digests;
            total.claimed += r.claimed;
            total.sent += r.sent;
            total.retrying += r.retrying;
            total.failed += r.failed;
            if r.claimed == 0 && r.digests == 0 {
                return Ok(total);
            }
        }
    }

    fn deliver(
        &self,
        conn: &mut crate::db::DbConnection,
        delivery: &DeliveryRow,
        now: NaiveDateTime,
    ) -> Result<Outcome, DbError> {
        let composed: Result<Email, ComposeError> = conn.transaction(|c| {
            // Touch the claim first: the transaction's first statement is a
            // write, so SQLite takes its write lock before the reads.
            deliveries::touch(c, delivery.id)?;
            compose(c, delivery, &self.base_url, now)
        });
        let result = match composed {
            Ok(email) => self.mailer.send(&email).map_err(|e| {
                tracing::warn!(
                    delivery = delivery.id,
                    to = %mask_address(&email.to),
                    attempt = delivery.attempts,
                    error = %e,
                    "sending failed"
                );
                (e.message, e.permanent)
            }),
            // The database hiccuped: try again later like any transient
            // failure (the claim is released rather than left to expire).
            Err(ComposeError::Db(e)) => {
                tracing::warn!(delivery = delivery.id, error = %e, "email could not be composed");
                Err((e.to_string(), false))
            }
            Err(e) => {
                tracing::error!(delivery = delivery.id, error = %e, "email cannot be composed");
                Err((e.to_string(), true))
            }
        };
        match result {
            Ok(_) => {
                deliveries::mark_sent(conn, delivery.id, delivery.attempts, now)?;
                Ok(Outcome::Sent)
            }
            Err((message, permanent)) => {
                let mut policy = self.config.retry;
                if permanent {
                    policy.max_attempts = delivery.attempts;
                }
                let gave_up = deliveries::mark_attempt_failed(
                    conn,
                    delivery.id,
                    delivery.attempts,
                    &message,
                    policy,
                    now,
                )?;
                if gave_up {
                    tracing::error!(
                        delivery = delivery.id,
                        attempts = delivery.attempts,
                        "delivery failed for good; see /admin/deliveries"
                    );
                    Ok(Outcome::Failed)
                } else {
                    Ok(Outcome::Retrying)
                }
            }
        }
    }

    /// Runs rounds until `stop` is set, pausing when idle.
    pub fn run_until(&self, stop: &AtomicBool) {
        tracing::info!(mailer = %self.mailer.describe(), "delivery worker started");
        while !stop.load(Ordering::Relaxed) {
            let idle = match self.run_once(precise_now()) {
                Ok(r) => r.claimed == 0 && r.digests == 0,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery worker round failed; retrying");
                    true
                }
            };
            if idle {
                // Sleep in short steps so a stop is noticed quickly.
                let step = std::time::Duration::from_millis(50);
                let mut slept = std::time::Duration::ZERO;
                while slept < self.config.poll && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(step.min(self.config.poll));
                    slept += step;
                }
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Runs the worker on its own thread until the handle is dropped.
    pub fn spawn(self) -> WorkerHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("delivery-worker".into())
            .spawn(move || self.run_until(&flag))
            .expect("a thread can be started");
        WorkerHandle {
            stop,
            thread: Some(thread),
        }
    }
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
}

/// Stops the worker thread when dropped (without waiting for it).
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Stops the worker and waits for its current round to end.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

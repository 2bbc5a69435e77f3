//! The delivery worker: closes due digest periods, queues the milestone
//! reminders owed today, claims due deliveries with a lease, composes and
//! sends them, and records the outcome. A reminder whose milestone moved or
//! was removed after it was queued is dropped, not sent.
//!
//! It runs on its own thread (blocking database and SMTP work), inside
//! `regwatch serve` unless `--no-worker`, or alone as `regwatch worker`.
//! Several workers may share one PostgreSQL database; on SQLite run one.
//!
//! A claim never runs out under a live worker: while it works through a
//! batch, a second thread extends the lease of what it still holds every
//! third of the lease. Before sending a delivery it checks its claim, and
//! it records the outcome only while it still holds it, so a delivery taken
//! over by another worker is neither sent nor overwritten. Sent deliveries
//! are recorded a group at a time (`share`): after a crash, at most one
//! group per sender (25 emails, or one second's worth) is sent again.

mod share;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};

use super::transport::{MailError, Mailer};
use super::ComposeError;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{DbError, Pool};
use crate::domain::LeadTimes;
use crate::store::deliveries::{self, DeliveryRow, RetryPolicy};
use crate::store::{reminders, subscriptions};

/// Timing of the worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Pause between rounds when there was nothing to do.
    pub poll: std::time::Duration,
    /// How long a claim holds before another worker may take the delivery;
    /// a live worker extends it every third of this.
    pub lease: Duration,
    pub retry: RetryPolicy,
    /// Deliveries claimed per round.
    pub batch: i64,
    /// How many of a round's deliveries are sent at once, each over an
    /// SMTP session and a database connection of its own: one at a time,
    /// each waits on the server's answers to every command.
    pub senders: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll: std::time::Duration::from_secs(2),
            lease: Duration::minutes(2),
            retry: RetryPolicy::default(),
            batch: 400,
            senders: 4,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub digests: usize,
    /// Milestone reminders claimed (each queued for every matching
    /// immediate subscription).
    pub reminders: usize,
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Claimed, but taken over by another worker before this one acted.
    pub taken_over: usize,
    /// Claimed reminders no longer owed (their milestone moved or went).
    pub dropped: usize,
}

impl Round {
    /// Whether the round found nothing to do.
    fn idle(&self) -> bool {
        self.claimed == 0 && self.digests == 0 && self.reminders == 0
    }
}

pub struct Worker {
    pool: Pool,
    mailer: Arc<Mailer>,
    base_url: String,
    /// How many days ahead of each milestone its reminders go out.
    leads: LeadTimes,
    config: WorkerConfig,
    /// What time it is when a round starts (`run_until`).
    clock: Clock,
    /// When housekeeping last ran (it runs hourly).
    last_purge: Mutex<Option<NaiveDateTime>>,
}

/// The time during a round, for its leases: the round's time, advanced by
/// the real time elapsed since (so a round run at a chosen time keeps its
/// claims alive as long as one run now would).
#[derive(Debug, Clone, Copy)]
struct RoundTime {
    start: NaiveDateTime,
    at: Instant,
}

impl RoundTime {
    fn starting_at(start: NaiveDateTime) -> RoundTime {
        RoundTime {
            start,
            at: Instant::now(),
        }
    }

    fn now(&self) -> NaiveDateTime {
        self.start + Duration::from_std(self.at.elapsed()).unwrap_or_default()
    }
}

impl Worker {
    pub fn new(pool: Pool, settings: &Settings) -> Result<Worker, MailError> {
        Ok(Worker {
            pool,
            mailer: Arc::new(Mailer::from_settings(settings)?),
            base_url: settings.base_url.clone(),
            leads: settings.reminder_days.clone(),
            config: settings.worker,
            clock: settings.clock.clone(),
            last_purge: Mutex::new(None),
        })
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
            digests: subscriptions::close_due_digests(&mut conn, now, &self.leads)?,
            reminders: reminders::queue_owed(&mut conn, &self.leads, now)?.reminders,
            ..Round::default()
        };
        let clock = RoundTime::starting_at(now);
        let claimed = deliveries::claim(&mut conn, now, self.config.lease, self.config.batch)?;
        round.claimed = claimed.len();
        let Some(token) = claimed.first().and_then(|d| d.claim_token.clone()) else {
            return Ok(round);
        };
        drop(conn);
        let outcomes = self.keeping_claim(&token, clock, || self.deliver_all(&claimed, clock, now));
        for outcome in outcomes? {
            match outcome {
                Outcome::Sent => round.sent += 1,
                Outcome::Retrying => round.retrying += 1,
                Outcome::Failed => round.failed += 1,
                Outcome::TakenOver => round.taken_over += 1,
                Outcome::Dropped => round.dropped += 1,
            }
        }
        Ok(round)
    }

    /// Delivers `claimed`, split among up to `senders` threads. Each
    /// subscription's deliveries stay with one sender, in the order they
    /// were claimed, so its emails arrive in the order of their changes.
    fn deliver_all(
        &self,
        claimed: &[DeliveryRow],
        clock: RoundTime,
        now: NaiveDateTime,
    ) -> Result<Vec<Outcome>, DbError> {
        let senders = self.config.senders.clamp(1, claimed.len().max(1));
        let mut shares: Vec<Vec<&DeliveryRow>> = vec![Vec::new(); senders];
        for delivery in claimed {
            let id = i64::from(delivery.subscription_id.0).unsigned_abs() as usize;
            shares[id % senders].push(delivery);
        }
        std::thread::scope(|s| {
            let running: Vec<_> = shares
                .iter()
                .filter(|share| !share.is_empty())
                .map(|share| s.spawn(move || self.deliver_share(share, clock, now)))
                .collect();
            let mut all = Vec::with_capacity(claimed.len());
            for sender in running {
                match sender.join() {
                    Ok(outcomes) => all.extend(outcomes?),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Ok(all)
        })
    }

    /// Runs `work` while a second thread keeps the claim `token` alive,
    /// extending the lease of every delivery it still holds one lease ahead,
    /// every third of the lease, so a slow relay never lets it run out.
    fn keeping_claim<R>(&self, token: &str, clock: RoundTime, work: impl FnOnce() -> R) -> R {
        let lease = self.config.lease;
        let every = (lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_millis(1));
        let pool = &self.pool;
        let (done, finished) = mpsc::channel::<()>();
        std::thread::scope(|s| {
            s.spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(every) {
                    let renewed = pool
                        .get()
                        .map_err(DbError::from)
                        .and_then(|mut c| deliveries::renew(&mut c, token, clock.now() + lease));
                    if let Err(e) = renewed {
                        tracing::warn!(error = %e, "the lease of claimed deliveries could not be extended");
                    }
                }
            });
            let result = work();
            drop(done);
            result
        })
    }

    /// Rounds until no delivery is left that is due at `now`.
    pub fn drain(&self, now: NaiveDateTime) -> Result<Round, DbError> {
        let mut total = Round::default();
        loop {
            let r = self.run_once(now)?;
            total.digests += r.digests;
            total.reminders += r.reminders;
            total.dropped += r.dropped;
            total.claimed += r.claimed;
            total.sent += r.sent;
            total.retrying += r.retrying;
            total.failed += r.failed;
            total.taken_over += r.taken_over;
            if r.idle() {
                return Ok(total);
            }
        }
    }

    /// Runs rounds until `stop` is set, pausing when idle.
    pub fn run_until(&self, stop: &AtomicBool) {
        tracing::info!(mailer = %self.mailer.describe(), "delivery worker started");
        while !stop.load(Ordering::Relaxed) {
            let idle = match self.run_once(self.clock.now()) {
                Ok(r) => r.idle(),
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

/// An error with the errors that caused it, for logs and the operator's
/// page: `the database could not be read: database error: ...`. A cause
/// its effect already spells out (`database error: {cause}`) is not
/// repeated.
fn with_causes(e: ComposeError) -> String {
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.ends_with(&text) {
            message = format!("{message}: {text}");
        }
        cause = c.source();
    }
    message
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
    TakenOver,
    Dropped,
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

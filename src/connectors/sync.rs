//! A sync: for each item with identifiers, each configured source reads
//! what it knows; what is new (not proposed by that source before, and not
//! already in the record) is stored as pending proposals, or, in a dry
//! run, only reported. One log line per item and source says what was
//! fetched and what was new. A source that fails (after its retries) is
//! reported and changes nothing. Runs from `regwatch sync` and, every
//! `REGWATCH_SYNC_INTERVAL`, from the worker.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::NaiveDateTime;

use super::congress::Congress;
use super::federal_register::FederalRegister;
use super::http::{Http, RateLimit};
use super::{Harvest, SourcesConfig, SyncItem};
use crate::clock::Clock;
use crate::db::{DbConnection, DbError, Pool};
use crate::domain::SourceName;
use crate::store::item_lists;
use crate::store::proposals::{self, NewProposal, Proposed};
use crate::store::source_fetches::{self, Validators};

/// What to sync.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Only this item (its slug).
    pub item: Option<String>,
    /// Only this source.
    pub source: Option<SourceName>,
    /// Report what would be proposed; store nothing.
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no item has the slug {0:?}, or it has no identifiers")]
    NoSuchItem(String),
    #[error("Congress.gov needs an API key: set REGWATCH_CONGRESS_API_KEY")]
    CongressNotConfigured,
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[from] super::http::SourceError),
}

/// What one source gave for one item.
#[derive(Debug)]
pub struct ItemReport {
    pub slug: String,
    pub source: SourceName,
    pub fetched: String,
    /// The new proposals (stored, or in a dry run only found), described.
    pub new: Vec<String>,
    /// Why the source could not be read; nothing was stored from it.
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct SyncReport {
    pub items: Vec<ItemReport>,
}

impl SyncReport {
    pub fn new_count(&self) -> usize {
        self.items.iter().map(|i| i.new.len()).sum()
    }

    pub fn failures(&self) -> usize {
        self.items.iter().filter(|i| i.error.is_some()).count()
    }
}

/// One line describing a proposal, as the dry run prints it.
pub fn describe(p: &NewProposal) -> String {
    match &p.proposed {
        Proposed::Event(e) => format!(
            "{} event {} ({}{}): {} <{}>",
            e.date.iso(),
            e.status.name(),
            e.status.label(),
            if e.status.moves_status() {
                ""
            } else {
                ", development"
            },
            p.raw_text,
            e.source.as_str()
        ),
        Proposed::Milestone(m) => format!(
            "{} milestone {} ({}): {} <{}>",
            m.date.iso(),
            m.kind.as_str(),
            m.kind.label(),
            m.note,
            m.source.as_str()
        ),
    }
    .replace('\n', " ")
}

/// Runs a sync over the items `options` selects.
pub async fn run(
    conn: &mut DbConnection,
    config: &SourcesConfig,
    options: &SyncOptions,
    now: NaiveDateTime,
) -> Result<SyncReport, SyncError> {
    let wants = |s: SourceName| options.source.is_none_or(|o| o == s);
    if options.source == Some(SourceName::Congress) && config.congress_api_key.is_none() {
        return Err(SyncError::CongressNotConfigured);
    }
    let mut items: Vec<SyncItem> = item_lists::items_with_identifiers(conn)?
        .into_iter()
        .map(|(id, slug, kind, identifiers)| SyncItem {
            id,
            slug,
            kind,
            identifiers,
        })
        .collect();
    if let Some(slug) = &options.item {
        items.retain(|i| &i.slug == slug);
        if items.is_empty() {
            return Err(SyncError::NoSuchItem(slug.clone()));
        }
    }
    let remembered: HashMap<String, Validators> = if options.dry_run {
        HashMap::new()
    } else {
        source_fetches::all(conn)?
    };
    let lookup = |url: &str| {
        remembered
            .get(url)
            .cloned()
            .or_else(|| (!options.dry_run).then(Validators::default))
    };
    let http = Http::new(config.http)?;
    let congress_limit = RateLimit::per_hour(config.congress_per_hour, 10);
    let fr_limit = RateLimit::per_hour(config.federal_register_per_hour, 10);
    let mut report = SyncReport::default();
    for item in &items {
        if wants(SourceName::Congress) {
            if let Some(key) = &config.congress_api_key {
                let c = Congress {
                    base_url: &config.congress_api_url,
                    api_key: key,
                    limit: &congress_limit,
                };
                let got = c.harvest(&http, item, &lookup).await;
                settle(
                    conn,
                    item,
                    SourceName::Congress,
                    got,
                    options,
                    now,
                    &mut report,
                )?;
            }
        }
        if wants(SourceName::FederalRegister) {
            let fr = FederalRegister {
                base_url: &config.federal_register_api_url,
                limit: &fr_limit,
            };
            let got = fr.harvest(&http, item, &lookup).await;
            settle(
                conn,
                item,
                SourceName::FederalRegister,
                got,
                options,
                now,
                &mut report,
            )?;
        }
    }
    Ok(report)
}

/// Stores (or, in a dry run, only reports) what is new in a harvest, and
/// logs the item's line.
fn settle(
    conn: &mut DbConnection,
    item: &SyncItem,
    source: SourceName,
    got: Result<Option<Harvest>, super::http::SourceError>,
    options: &SyncOptions,
    now: NaiveDateTime,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let harvest = match got {
        Ok(Some(h)) => h,
        Ok(None) => return Ok(()),
        Err(e) => {
            tracing::warn!(item = %item.slug, source = %source, error = %e, "sync failed; nothing stored for this item and source");
            report.items.push(ItemReport {
                slug: item.slug.clone(),
                source,
                fetched: String::new(),
                new: Vec::new(),
                error: Some(e.to_string()),
            });
            return Ok(());
        }
    };
    let mut seen = HashSet::new();
    let mut new = Vec::new();
    for p in &harvest.proposals {
        let same = match &p.proposed {
            Proposed::Event(e) => format!("event {} {}", e.date.iso(), e.status.name()),
            Proposed::Milestone(m) => format!("milestone {} {}", m.date.iso(), m.kind.as_str()),
        };
        if !seen.insert(same)
            || proposals::is_known(conn, p.source, &p.source_key)?
            || proposals::proposed_before(conn, p.item_id, &p.proposed)?
            || proposals::record_has(conn, p.item_id, &p.proposed)?
        {
            continue;
        }
        if options.dry_run || proposals::insert(conn, p, now)?.is_some() {
            new.push(describe(p));
        }
    }
    if !options.dry_run {
        for (url, v) in &harvest.validators {
            source_fetches::put(conn, url, v, now)?;
        }
    }
    let mut fetched = harvest.fetched.join(", ");
    if harvest.unchanged > 0 {
        fetched.push_str(&format!(
            " ({} unchanged since the last sync)",
            harvest.unchanged
        ));
    }
    tracing::info!(
        item = %item.slug,
        source = %source,
        fetched = %fetched,
        new = new.len(),
        dry_run = options.dry_run,
        "synced {} from {}: fetched {fetched}; {} new",
        item.slug,
        source.label(),
        new.len()
    );
    report.items.push(ItemReport {
        slug: item.slug.clone(),
        source,
        fetched,
        new,
        error: None,
    });
    Ok(())
}

/// The periodic sync, on its own thread; stops when dropped.
pub struct SyncHandle {
    stop: Arc<AtomicBool>,
    _thread: Option<JoinHandle<()>>,
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the periodic sync when an interval is set (`None` otherwise).
pub fn spawn_periodic(pool: Pool, config: SourcesConfig, clock: Clock) -> Option<SyncHandle> {
    let interval = config.sync_interval?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("regwatch-sync".to_owned())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "the periodic sync cannot start");
                    return;
                }
            };
            while !flag.load(Ordering::Relaxed) {
                let round = pool
                    .get()
                    .map_err(DbError::from)
                    .map_err(SyncError::from)
                    .map(|mut conn| {
                        runtime.block_on(run(
                            &mut conn,
                            &config,
                            &SyncOptions::default(),
                            clock.now(),
                        ))
                    });
                match round {
                    Ok(Ok(r)) => tracing::info!(
                        new = r.new_count(),
                        failures = r.failures(),
                        "periodic sync done"
                    ),
                    Ok(Err(e)) | Err(e) => tracing::warn!(error = %e, "periodic sync failed"),
                }
                let until = std::time::Instant::now() + interval;
                while !flag.load(Ordering::Relaxed) && std::time::Instant::now() < until {
                    std::thread::sleep(std::time::Duration::from_millis(250).min(interval));
                }
            }
        })
        .ok()?;
    Some(SyncHandle {
        stop,
        _thread: Some(thread),
    })
}

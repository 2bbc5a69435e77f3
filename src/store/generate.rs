//! Synthetic data for benchmarks (`regwatch gen`): items of every kind and
//! jurisdiction with identifiers, parties, tags, a summary and notes whose
//! words exercise search; status events in each kind's vocabulary at all
//! three date precisions; milestones ahead; links; a creation revision;
//! and confirmed subscribers. The same seed gives the same data.
//!
//! Rows go in by the thousand in one transaction, numbered after what the
//! database already holds, so it can fill a database that has the starter
//! data. Every source is under `https://example.org/`: the data is
//! invented, and says so.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{DbConnection, DbError};
use crate::db::{self, Backend};
use crate::domain::{normalise_search_text, Confidence, Kind, MilestoneKind, StatusEffect};

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub items: u32,
    pub events_per_item: u32,
    pub subscribers: u32,
    pub seed: u64,
}

/// What was added.
#[derive(Debug, Default)]
pub struct Generated {
    pub items: u64,
    pub events: u64,
    pub milestones: u64,
    pub links: u64,
    pub subscribers: u64,
}

pub const JURISDICTIONS: [&str; 8] = ["US", "CN", "EU", "UK", "JP", "IN", "KR", "TW"];
const WORDS: [&str; 24] = [
    "semiconductor",
    "export",
    "quantum",
    "investment",
    "model",
    "cloud",
    "chip",
    "licence",
    "satellite",
    "battery",
    "telecom",
    "biotech",
    "sanction",
    "review",
    "merger",
    "data",
    "lithography",
    "compute",
    "encryption",
    "drone",
    "robotics",
    "foundry",
    "spectrum",
    "cable",
];
const PARTIES: [&str; 8] = [
    "Commerce Department",
    "Treasury",
    "European Commission",
    "MOFCOM",
    "METI",
    "Ofcom",
    "Acme Chips",
    "Globex Cloud",
];
/// Tags, each on a share of the items; `rare` on one in a thousand.
pub const TAGS: [&str; 7] = [
    "ai",
    "chips",
    "quantum",
    "export-controls",
    "cloud",
    "telecom",
    "outbound-investment",
];
const RELATIONS: [&str; 3] = ["implements", "could restrict", "uses"];
const CHUNK: usize = 500;

/// Rows of one table, written a chunk at a time.
struct Batch {
    head: &'static str,
    rows: Vec<String>,
}

impl Batch {
    fn new(head: &'static str) -> Batch {
        Batch {
            head,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, conn: &mut DbConnection, row: String) -> Result<(), DbError> {
        self.rows.push(row);
        if self.rows.len() >= CHUNK {
            self.flush(conn)?;
        }
        Ok(())
    }

    fn flush(&mut self, conn: &mut DbConnection) -> Result<(), DbError> {
        if !self.rows.is_empty() {
            let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
            conn.batch_execute(&sql)?;
            self.rows.clear();
        }
        Ok(())
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

fn max_item_id(conn: &mut DbConnection) -> Result<i64, DbError> {
    let row: Id =
        diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS id FROM items").get_result(conn)?;
    Ok(row.id.into())
}

/// The ids of the generated tags (made if missing), `rare` last.
fn tag_ids(conn: &mut DbConnection) -> Result<Vec<i64>, DbError> {
    let mut ids = Vec::new();
    for name in TAGS.iter().chain(["rare"].iter()) {
        diesel::sql_query("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind::<Text, _>(name)
            .execute(conn)?;
        let row: Id = diesel::sql_query("SELECT id FROM tags WHERE name = $1")
            .bind::<Text, _>(name)
            .get_result(conn)?;
        ids.push(row.id.into());
    }
    Ok(ids)
}

/// Fills the database with synthetic data of `size`, at `now`, in one
/// transaction.
pub fn generate(
    conn: &mut DbConnection,
    size: Size,
    now: NaiveDateTime,
) -> Result<Generated, DbError> {
    db::write_transaction(conn, |conn| fill(conn, size, now))
}

struct Tables {
    items: Batch,
    events: Batch,
    tags: Batch,
    identifiers: Batch,
    parties: Batch,
    milestones: Batch,
    links: Batch,
    revisions: Batch,
    search: Batch,
}

impl Tables {
    fn new(backend: Backend) -> Tables {
        Tables {
            items: Batch::new("INSERT INTO items (id, slug, kind, title, jurisdiction, summary, current_status, current_phase, last_event_date, last_event_precision, version, created_at, updated_at)"),
            events: Batch::new("INSERT INTO status_events (item_id, event_date, date_precision, status, moves_status, phase, note, source_url, confidence, retracted, created_at, updated_at, edited)"),
            tags: Batch::new("INSERT INTO item_tags (item_id, tag_id)"),
            identifiers: Batch::new("INSERT INTO item_identifiers (item_id, position, value)"),
            parties: Batch::new("INSERT INTO item_parties (item_id, position, name)"),
            milestones: Batch::new("INSERT INTO milestones (item_id, kind, milestone_date, date_precision, note, source_url, confidence, cancelled, sequence, created_at, updated_at, edited)"),
            links: Batch::new("INSERT INTO item_links (from_item_id, to_item_id, relation, created_at)"),
            revisions: Batch::new("INSERT INTO revisions (item_id, item_version, action, diff, created_at)"),
            search: Batch::new(match backend {
                Backend::Sqlite => "INSERT INTO item_search (rowid, document)",
                Backend::Postgres => "INSERT INTO item_search (item_id, document)",
            }),
        }
    }

    /// Writes what is pending, parents before children.
    fn flush(&mut self, conn: &mut DbConnection) -> Result<(), DbError> {
        self.items.flush(conn)?;
        for batch in [
            &mut self.events,
            &mut self.tags,
            &mut self.identifiers,
            &mut self.parties,
            &mut self.milestones,
            &mut self.links,
            &mut self.revisions,
            &mut self.search,
        ] {
            batch.flush(conn)?;
        }
        Ok(())
    }
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn fill(conn: &mut DbConnection, size: Size, now: NaiveDateTime) -> Result<Generated, DbError> {
    let mut rng = StdRng::seed_from_u64(size.seed);
    let mut out = Generated::default();
    let stamp = quote(&now.format("%Y-%m-%d %H:%M:%S").to_string());
    let backend = conn.backend();
    let first = max_item_id(conn)? + 1;
    let last = first + i64::from(size.items) - 1;
    let tags = tag_ids(conn)?;
    let mut t = Tables::new(backend);
    let pick = |rng: &mut StdRng| WORDS[rng.random_range(0..WORDS.len())];
    for id in first..=last {
        let kind = Kind::ALL[(id % 6) as usize];
        let (a, b, c) = (pick(&mut rng), pick(&mut rng), pick(&mut rng));
        let noun = kind.label().to_lowercase();
        let title = format!("{} and {b} {noun} {id}", title_case(a));
        let summary = format!("Synthetic {noun} on {a}, {b} and {c} controls.");
        let jurisdiction = JURISDICTIONS[rng.random_range(0..JURISDICTIONS.len())];
        let party = PARTIES[rng.random_range(0..PARTIES.len())];
        let mut date = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default()
            + Duration::days(rng.random_range(0..3000));
        let mut current = None;
        let mut latest = None;
        let mut notes = String::new();
        let moving = kind.statuses();
        let per_item = size.events_per_item as usize;
        for j in 0..per_item {
            date += Duration::days(rng.random_range(20..200));
            // (first day of the period, precision, its rank: finer is later)
            let (stored, precision, rank) = match rng.random_range(0..100) {
                0..=79 => (date, "day", 2),
                80..=94 => (date.with_day0(0).unwrap_or(date), "month", 1),
                _ => (date.with_ordinal0(0).unwrap_or(date), "year", 0),
            };
            let def = if j % 4 == 3 {
                let devs = kind.developments();
                &devs[rng.random_range(0..devs.len())]
            } else {
                &moving[(j * moving.len() / per_item).min(moving.len() - 1)]
            };
            let (moves, phase) = match def.effect {
                StatusEffect::Moves(p) => (true, quote(p.as_str())),
                StatusEffect::Development => (false, "NULL".to_owned()),
            };
            let note = format!(
                "{} about {} {} reported by {party}.",
                def.label,
                pick(&mut rng),
                pick(&mut rng)
            );
            notes.push(' ');
            notes.push_str(&note);
            let confidence = Confidence::ALL[rng.random_range(0..3)].as_str();
            t.events.rows.push(format!(
                "({id}, '{stored}', '{precision}', '{}', {}, {phase}, {}, 'https://example.org/generated/{id}/{j}', '{confidence}', FALSE, {stamp}, {stamp}, FALSE)",
                def.name,
                if moves { "TRUE" } else { "FALSE" },
                quote(&note)
            ));
            // Periods sort by their first day, the coarser first; the
            // latest of them sets the status.
            let order = (stored, rank, j);
            if moves && current.as_ref().is_none_or(|(o, _, _)| order > *o) {
                current = Some((order, quote(def.name), phase));
            }
            if latest.is_none_or(|(o, _)| order > o) {
                latest = Some((order, precision));
            }
        }
        out.events += per_item as u64;
        let (status, phase) = current
            .map(|(_, s, p)| (s, p))
            .unwrap_or(("NULL".to_owned(), "NULL".to_owned()));
        let (last_date, last_precision) = match latest {
            Some(((d, _, _), p)) => (format!("'{d}'"), format!("'{p}'")),
            None => ("NULL".to_owned(), "NULL".to_owned()),
        };
        t.items.rows.push(format!(
            "({id}, 'generated-{id}', '{}', {}, '{jurisdiction}', {}, {status}, {phase}, {last_date}, {last_precision}, 1, {stamp}, {stamp})",
            kind.as_str(),
            quote(&title),
            quote(&summary)
        ));
        // One to three tags; `rare` on one item in a thousand.
        let mut mine: Vec<i64> = (0..rng.random_range(1..=3))
            .map(|_| tags[rng.random_range(0..TAGS.len())])
            .collect();
        if id % 1000 == 0 {
            mine.push(tags[TAGS.len()]);
        }
        mine.sort_unstable();
        mine.dedup();
        for tag in mine {
            t.tags.rows.push(format!("({id}, {tag})"));
        }
        t.identifiers.rows.push(format!("({id}, 0, 'GEN-{id}')"));
        t.parties.rows.push(format!("({id}, 0, {})", quote(party)));
        if id % 3 == 0 {
            let kind = MilestoneKind::ALL[rng.random_range(0..MilestoneKind::ALL.len())];
            // A month or more ahead: beyond the reminders' default leads,
            // so a benchmark is not flooded with reminder emails.
            let day = now.date() + Duration::days(rng.random_range(45..720));
            let (when, precision) = match id % 9 {
                0 => (day.with_ordinal0(0).unwrap_or(day), "year"),
                3 => (day.with_day0(0).unwrap_or(day), "month"),
                _ => (day, "day"),
            };
            t.milestones.rows.push(format!(
                "({id}, '{}', '{when}', '{precision}', 'Scheduled {} step.', 'https://example.org/generated/{id}/milestone', 'medium', FALSE, 0, {stamp}, {stamp}, FALSE)",
                kind.as_str(),
                pick(&mut rng)
            ));
            out.milestones += 1;
        }
        if id % 10 == 0 && id > first {
            let relation = RELATIONS[rng.random_range(0..RELATIONS.len())];
            t.links
                .rows
                .push(format!("({id}, {}, '{relation}', {stamp})", id - 1));
            out.links += 1;
        }
        t.revisions
            .rows
            .push(format!("({id}, 1, 'create', '[]', {stamp})"));
        let document = normalise_search_text(&format!("{title} GEN-{id} {summary} {party}{notes}"));
        t.search.rows.push(match backend {
            Backend::Sqlite => format!("({id}, {})", quote(&document)),
            Backend::Postgres => format!("({id}, to_tsvector('simple', {}))", quote(&document)),
        });
        if t.items.rows.len() >= CHUNK || t.events.rows.len() >= 4 * CHUNK {
            t.flush(conn)?;
        }
        out.items += 1;
    }
    t.flush(conn)?;
    out.subscribers = subscribers(conn, size, &stamp)?;
    if backend == Backend::Postgres {
        conn.batch_execute(
            "SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM items), false)",
        )?;
    }
    Ok(out)
}

/// Confirmed subscribers to everything, mailed at once: what a change fans
/// out to.
fn subscribers(conn: &mut DbConnection, size: Size, stamp: &str) -> Result<u64, DbError> {
    let mut people = Batch::new("INSERT INTO subscribers (email, created_at)");
    for n in 0..size.subscribers {
        people.push(
            conn,
            format!("('reader-{}-{n}@example.org', {stamp})", size.seed),
        )?;
    }
    people.flush(conn)?;
    let pattern = format!("reader-{}-%@example.org", size.seed);
    let added = diesel::sql_query(format!(
        "INSERT INTO subscriptions (subscriber_id, scope_type, scope_value, frequency, confirmed_at, created_at)
         SELECT id, 'all', '', 'immediate', {stamp}, {stamp} FROM subscribers s
         WHERE email LIKE $1
           AND NOT EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = s.id)"
    ))
    .bind::<Text, _>(pattern)
    .execute(conn)?;
    Ok(added as u64)
}

/// Refreshes the planner's statistics after a bulk load, and on SQLite
/// moves the load from the write-ahead log into the database file, so the
/// next process to open it does not have to read the whole log first.
pub fn analyze(conn: &mut DbConnection) -> Result<(), DbError> {
    conn.batch_execute("ANALYZE")?;
    if conn.backend() == Backend::Sqlite {
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    Ok(())
}

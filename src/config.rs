//! Settings: environment variables (or the matching command-line flags),
//! then an optional TOML config file, then embedded defaults.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use ipnet::IpNet;
use serde::Deserialize;

use crate::domain::{InvalidValue, LeadTimes};

/// The settings every subcommand shares. Each flag falls back to the
/// environment variable of the same name, then to the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct SettingsArgs {
    /// Database: a SQLite file path (or sqlite:// URL) or a postgres:// URL
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Address the web server listens on
    #[arg(long, env = "REGWATCH_BIND", global = true)]
    pub bind: Option<String>,
    /// Public base URL, used for links in emails
    #[arg(long, env = "REGWATCH_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// SMTP server URL (smtp:// or smtps://); unset writes emails to the outbox folder
    #[arg(long, env = "REGWATCH_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Sender address of emails
    #[arg(long, env = "REGWATCH_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Signing key; generated and stored in the database on first start if unset
    #[arg(long, env = "REGWATCH_SECRET", global = true, hide_env_values = true)]
    pub secret: Option<String>,
    /// Folder for emails when no SMTP server is configured
    #[arg(long, env = "REGWATCH_OUTBOX_DIR", global = true)]
    pub outbox_dir: Option<PathBuf>,
    /// Reverse proxies whose X-Forwarded-For is believed: comma-separated IPs or CIDRs (e.g. 127.0.0.1,10.0.0.0/8)
    #[arg(long, env = "REGWATCH_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Congress.gov API v3 base URL
    #[arg(long, env = "REGWATCH_CONGRESS_API_URL", global = true)]
    pub congress_api_url: Option<String>,
    /// api.data.gov key for Congress.gov (without one, Congress.gov is not read)
    #[arg(
        long,
        env = "REGWATCH_CONGRESS_API_KEY",
        global = true,
        hide_env_values = true
    )]
    pub congress_api_key: Option<String>,
    /// Federal Register API v1 base URL
    #[arg(long, env = "REGWATCH_FEDERAL_REGISTER_API_URL", global = true)]
    pub federal_register_api_url: Option<String>,
    /// How often the worker syncs the official sources (e.g. 6h, 30m); unset: never on its own
    #[arg(long, env = "REGWATCH_SYNC_INTERVAL", global = true)]
    pub sync_interval: Option<String>,
    /// Days before each milestone its reminder emails go out, comma-separated (default 7,1)
    #[arg(long, env = "REGWATCH_REMINDER_DAYS", global = true)]
    pub reminder_days: Option<String>,
    /// Optional TOML file with the same settings (lower-case names, e.g. database_url)
    #[arg(long, env = "REGWATCH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

/// The optional config file: the same names as the environment variables,
/// lower-cased and without the `REGWATCH_` prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    base_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    secret: Option<String>,
    outbox_dir: Option<PathBuf>,
    trusted_proxies: Option<String>,
    congress_api_url: Option<String>,
    congress_api_key: Option<String>,
    federal_register_api_url: Option<String>,
    sync_interval: Option<String>,
    reminder_days: Option<String>,
}

pub const DEFAULT_DATABASE_URL: &str = "regwatch.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub secret: Option<String>,
    pub outbox_dir: PathBuf,
    /// Peers whose `X-Forwarded-For` names the client (none by default: the
    /// peer address is the client).
    pub trusted_proxies: Vec<IpNet>,
    /// How many days before each milestone its reminders go out.
    pub reminder_days: LeadTimes,
    /// Load the starter dataset into an empty database at start.
    pub seed_on_start: bool,
    /// Run the delivery worker inside the web server (`serve --no-worker`
    /// turns it off).
    pub run_worker: bool,
    pub worker: crate::mail::WorkerConfig,
    pub subscribe_limits: crate::store::subscriptions::RateLimits,
    /// How long a client may take to send a request body once its headers
    /// have arrived; a slower one gets 408 and its connection is closed.
    pub request_body_timeout: std::time::Duration,
    /// What time it is: the system's, unless a test fixes it.
    pub clock: crate::clock::Clock,
    /// The official sources the connectors read, and the periodic sync.
    pub sources: crate::connectors::SourcesConfig,
}

/// The default of [`Settings::request_body_timeout`]: ample for a form on a
/// slow mobile link, short enough that stalled connections do not pile up.
pub const DEFAULT_REQUEST_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error(
        "REGWATCH_TRUSTED_PROXIES: {0:?} is not an IP address or CIDR range (e.g. 10.0.0.0/8)"
    )]
    TrustedProxy(String),
    #[error("REGWATCH_SYNC_INTERVAL: {0:?} is not an interval (e.g. 6h, 30m, 1d or seconds), at least 1 minute")]
    SyncInterval(String),
    #[error("REGWATCH_REMINDER_DAYS: {0}")]
    ReminderDays(InvalidValue),
}

impl Settings {
    pub fn load(args: &SettingsArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let bind = args
            .bind
            .clone()
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let base_url = args
            .base_url
            .clone()
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        Ok(Settings {
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            base_url: base_url.trim_end_matches('/').to_owned(),
            bind,
            smtp_url: args.smtp_url.clone().or(file.smtp_url),
            mail_from: args
                .mail_from
                .clone()
                .or(file.mail_from)
                .unwrap_or_else(|| "regwatch <regwatch@localhost>".to_owned()),
            secret: args.secret.clone().or(file.secret),
            outbox_dir: args
                .outbox_dir
                .clone()
                .or(file.outbox_dir)
                .unwrap_or_else(|| PathBuf::from("outbox")),
            trusted_proxies: parse_trusted_proxies(
                args.trusted_proxies
                    .as_deref()
                    .or(file.trusted_proxies.as_deref())
                    .unwrap_or(""),
            )?,
            reminder_days: match args
                .reminder_days
                .as_deref()
                .or(file.reminder_days.as_deref())
            {
                Some(days) => days.parse().map_err(ConfigError::ReminderDays)?,
                None => LeadTimes::default(),
            },
            seed_on_start: true,
            run_worker: true,
            worker: crate::mail::WorkerConfig::default(),
            subscribe_limits: Default::default(),
            request_body_timeout: DEFAULT_REQUEST_BODY_TIMEOUT,
            clock: crate::clock::Clock::system(),
            sources: crate::connectors::SourcesConfig {
                congress_api_url: args
                    .congress_api_url
                    .clone()
                    .or(file.congress_api_url)
                    .unwrap_or_else(|| crate::connectors::DEFAULT_CONGRESS_API_URL.to_owned()),
                congress_api_key: args
                    .congress_api_key
                    .clone()
                    .or(file.congress_api_key)
                    .filter(|k| !k.trim().is_empty()),
                federal_register_api_url: args
                    .federal_register_api_url
                    .clone()
                    .or(file.federal_register_api_url)
                    .unwrap_or_else(|| {
                        crate::connectors::DEFAULT_FEDERAL_REGISTER_API_URL.to_owned()
                    }),
                sync_interval: args
                    .sync_interval
                    .clone()
                    .or(file.sync_interval)
                    .filter(|i| !i.trim().is_empty())
                    .map(|i| parse_interval(&i))
                    .transpose()?,
                ..Default::default()
            },
        })
    }

    /// Settings for tests and embedding: defaults with the given database,
    /// no delivery worker (turn `run_worker` on to have one).
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let mut s = Settings::load(&SettingsArgs::default()).expect("defaults need no file");
        s.database_url = database_url.into();
        s.run_worker = false;
        s
    }
}

/// Comma-separated IP addresses (one host each) and CIDR ranges.
fn parse_trusted_proxies(list: &str) -> Result<Vec<IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError::TrustedProxy(entry.to_owned()))
        })
        .collect()
}

/// "6h", "30m", "1d", "90s" or a number of seconds; at least a minute.
fn parse_interval(text: &str) -> Result<std::time::Duration, ConfigError> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let seconds = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(ConfigError::SyncInterval(text.to_owned())),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(seconds))
        .filter(|s| *s >= 60)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| ConfigError::SyncInterval(text.to_owned()))
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_intervals_have_units_and_a_floor() {
        assert_eq!(parse_interval("6h").unwrap().as_secs(), 21_600);
        assert_eq!(parse_interval("30m").unwrap().as_secs(), 1800);
        assert_eq!(parse_interval("3600").unwrap().as_secs(), 3600);
        for bad in ["", "5s", "h", "6 hours", "-1h"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reminder_days_default_to_a_week_and_a_day_and_a_bad_setting_is_refused() {
        let defaults = Settings::load(&SettingsArgs::default()).unwrap();
        assert_eq!(defaults.reminder_days.days(), [7, 1]);
        let args = |days: &str| SettingsArgs {
            reminder_days: Some(days.to_owned()),
            ..SettingsArgs::default()
        };
        let set = Settings::load(&args("1, 14")).unwrap();
        assert_eq!(set.reminder_days.days(), [14, 1]);
        let err = Settings::load(&args("7;1")).unwrap_err().to_string();
        assert!(
            err.starts_with("REGWATCH_REMINDER_DAYS: \"7;1\" is not a whole number of days"),
            "{err}"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_and_ranges() {
        let parsed = parse_trusted_proxies(" 127.0.0.1, 10.0.0.0/8,,::1 ").unwrap();
        let shown: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        assert!(parse_trusted_proxies("").unwrap().is_empty());
        for bad in ["proxy.local", "10.0.0.0/33", "10.0.0.1:80"] {
            assert!(
                matches!(parse_trusted_proxies(bad), Err(ConfigError::TrustedProxy(e)) if e == bad),
                "{bad}"
            );
        }
    }
}

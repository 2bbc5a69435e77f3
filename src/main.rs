use std::process::ExitCode;

/// Prints a line on standard output, best effort: a full disk or a closed
/// pipe must not turn a command that did its work into a crash.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod commands;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use commands::accounts::run_user;
use commands::exchange::{run_export, run_import};
use regwatch::config::{Settings, SettingsArgs};
use regwatch::exchange::Format;
use regwatch::{db, seed, Application};

/// regwatch: tracks the bills, regulations, executive actions and corporate
/// deals that shape geopolitical tech.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default when no command is given),
    /// with the email delivery worker
    Serve {
        /// Do not run the email delivery worker in this process (run
        /// `regwatch worker` separately)
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the email delivery worker: send alerts, digests and
    /// confirmations from the outbox table until stopped (Ctrl-C)
    Worker,
    /// Apply pending database migrations and exit
    Migrate,
    /// Load the starter dataset (safe to run again: nothing is duplicated)
    Seed,
    /// Manage editor accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Add synthetic items, events, milestones, links and subscribers, for
    /// benchmarks (sources under https://example.org/, so never mistaken
    /// for real data)
    Gen(GenArgs),
    /// Write the items (all, or those the filters give) with their events
    /// and links as JSON or YAML, or as CSV rows for spreadsheets
    Export {
        /// csv, json or yaml (default: the output file's extension, else json)
        #[arg(long)]
        format: Option<Format>,
        /// Write to this file instead of standard output
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        filters: ExportFilters,
    },
    /// Read the official sources (Congress.gov, the Federal Register) for
    /// the items' identifiers and store what is new as proposals for
    /// editors to review at /review
    Sync {
        /// Only this item (its slug)
        #[arg(long)]
        item: Option<String>,
        /// Only this source: congress or federal-register
        #[arg(long)]
        source: Option<regwatch::domain::SourceName>,
        /// Print the proposals a sync would create; store nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Import items from a JSON, YAML or CSV file (items matched by slug)
    Import(ImportArgs),
}

/// How much synthetic data `regwatch gen` adds.
#[derive(Args)]
struct GenArgs {
    /// Items to add (every kind and jurisdiction in turn)
    #[arg(long, default_value_t = 1000)]
    items: u32,
    /// Status events per item, at day, month and year precision
    #[arg(long, default_value_t = 10)]
    events_per_item: u32,
    /// Confirmed subscribers to everything, mailed at once
    #[arg(long, default_value_t = 0)]
    subscribers: u32,
    /// The same seed gives the same data
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The item table's filters, as `/items` takes them.
#[derive(Args)]
struct ImportArgs {
    /// The file to read (`-`: standard input)
    file: PathBuf,
    /// csv, json or yaml; by default the file's extension says
    #[arg(long)]
    format: Option<Format>,
    /// Print what would change, item by item, and store nothing
    #[arg(long)]
    dry_run: bool,
    /// For bulk loads: record every change but queue no alerts
    #[arg(long)]
    no_alerts: bool,
    /// The editor account the changes are recorded as made by
    #[arg(long, value_name = "EMAIL")]
    user: String,
}

#[derive(Args)]
struct ExportFilters {
    /// Words to search for
    #[arg(long)]
    q: Option<String>,
    /// A jurisdiction, e.g. US
    #[arg(long)]
    jurisdiction: Option<String>,
    /// bill, regulation, executive-action, deal, product or other
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    /// The current phase: proposed, pending, in-force, stalled or ended
    #[arg(long)]
    phase: Option<String>,
    /// With a standing event on or after this date (YYYY, YYYY-MM or YYYY-MM-DD)
    #[arg(long)]
    from: Option<String>,
    /// With a standing event on or before this date
    #[arg(long)]
    to: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is asked for at a prompt, or read
    /// from standard input when that is not a terminal (never from the
    /// command line)
    Add {
        /// The account's email address
        email: String,
        /// What the account may do
        #[arg(long, value_parser = ["editor", "admin"], default_value = "editor")]
        role: String,
    },
    /// List accounts
    List,
    /// Disable an account: it can no longer sign in, and its sessions end
    Disable { email: String },
    /// Enable a disabled account again
    Enable { email: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    regwatch::init_tracing();
    let settings = match Settings::load(&cli.settings) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let result = match cli.command.unwrap_or(Command::Serve { no_worker: false }) {
        Command::Serve { no_worker } => {
            let mut settings = settings;
            settings.run_worker = !no_worker;
            serve(settings)
        }
        Command::Worker => run_worker(&settings),
        Command::Migrate => db::DbConnection::open(&settings.database_url)
            .and_then(|mut c| c.migrate())
            .map(|()| tracing::info!("database is up to date"))
            .map_err(anyhow::Error::from),
        Command::Seed => run_seed(&settings),
        Command::Gen(args) => run_gen(&settings, args),
        Command::User(cmd) => run_user(&settings, cmd),
        Command::Export {
            format,
            output,
            filters,
        } => run_export(&settings, format, output, filters),
        Command::Sync {
            item,
            source,
            dry_run,
        } => run_sync(
            &settings,
            regwatch::connectors::sync::SyncOptions {
                item,
                source,
                dry_run,
            },
        ),
        Command::Import(args) => return run_import(&settings, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "regwatch: {e}");
    ExitCode::FAILURE
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let bind = settings.bind.clone();
        let app = Application::build(settings)?;
        tracing::info!(
            "regwatch is serving on http://{}:{}",
            host_of(&bind),
            app.port()
        );
        app.run().await?;
        Ok(())
    })
}

fn run_sync(
    settings: &Settings,
    options: regwatch::connectors::sync::SyncOptions,
) -> anyhow::Result<()> {
    use regwatch::connectors::sync;
    let mut conn = db::DbConnection::open(&settings.database_url)?;
    conn.migrate()?;
    if settings.sources.congress_api_key.is_none() && options.source.is_none() {
        tracing::info!("Congress.gov skipped: no REGWATCH_CONGRESS_API_KEY");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let now = settings.clock.now();
    let report = runtime.block_on(sync::run(&mut conn, &settings.sources, &options, now))?;
    let verb = if options.dry_run {
        "would propose"
    } else {
        "proposed"
    };
    for r in &report.items {
        match &r.error {
            Some(e) => say!(
                "{} ({}): failed, nothing stored: {e}",
                r.slug,
                r.source.label()
            ),
            None => {
                say!(
                    "{} ({}): fetched {}; {verb} {}",
                    r.slug,
                    r.source.label(),
                    r.fetched,
                    r.new.len()
                );
                for line in &r.new {
                    say!("  {line}");
                }
            }
        }
    }
    say!(
        "{verb} {} in all{}",
        report.new_count(),
        if options.dry_run {
            " (dry run: nothing stored)"
        } else {
            "; review them at /review"
        }
    );
    anyhow::ensure!(
        report.failures() == 0,
        "{} source reads failed (see above); run again later",
        report.failures()
    );
    Ok(())
}

fn run_worker(settings: &Settings) -> anyhow::Result<()> {
    let pool = db::connect(&settings.database_url)?;
    let _sync = regwatch::connectors::sync::spawn_periodic(
        pool.clone(),
        settings.sources.clone(),
        settings.clock.clone(),
    );
    let worker = regwatch::mail::Worker::new(pool, settings)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    worker.run_until(&stop);
    Ok(())
}

fn host_of(bind: &str) -> &str {
    bind.rsplit_once(':').map(|(h, _)| h).unwrap_or(bind)
}

fn run_seed(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = db::DbConnection::open(&settings.database_url)?;
    conn.migrate()?;
    let report = seed::load(&mut conn, seed::STARTER_DATA, settings.clock.now())?;
    say!("starter data: {report}");
    Ok(())
}

fn run_gen(settings: &Settings, args: GenArgs) -> anyhow::Result<()> {
    use regwatch::store::generate::{generate, Size};
    let mut conn = db::DbConnection::open(&settings.database_url)?;
    conn.migrate()?;
    let started = std::time::Instant::now();
    let size = Size {
        items: args.items,
        events_per_item: args.events_per_item,
        subscribers: args.subscribers,
        seed: args.seed,
    };
    let added = generate(&mut conn, size, settings.clock.now())?;
    regwatch::store::generate::analyze(&mut conn)?;
    say!(
        "added {} items, {} events, {} milestones, {} links and {} subscribers in {:.1?}",
        added.items,
        added.events,
        added.milestones,
        added.links,
        added.subscribers,
        started.elapsed()
    );
    Ok(())
}

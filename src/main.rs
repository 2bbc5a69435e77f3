use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regwatch::config::{Settings, SettingsArgs};
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("regwatch: {e}");
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

fn run_worker(settings: &Settings) -> anyhow::Result<()> {
    let pool = db::connect(&settings.database_url)?;
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
    let report = seed::load(&mut conn, seed::STARTER_DATA)?;
    println!(
        "starter data: {} items, {} events and {} links added",
        report.items_added, report.events_added, report.links_added
    );
    Ok(())
}

//! `regwatch export` and `regwatch import`: items out to a file or
//! standard output, and in from one, with a progress bar on a terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use regwatch::config::Settings;
use regwatch::db;
use regwatch::domain::RawQuery;
use regwatch::exchange::Format;

use crate::{fail, ExportFilters, ImportArgs};

pub fn run_export(
    settings: &Settings,
    format: Option<Format>,
    output: Option<PathBuf>,
    f: ExportFilters,
) -> anyhow::Result<()> {
    use std::io::Write;
    let raw = RawQuery {
        q: f.q,
        jurisdiction: f.jurisdiction,
        kind: f.kind,
        tag: f.tag,
        phase: f.phase,
        from: f.from,
        to: f.to,
        ..RawQuery::default()
    };
    let filter = raw.filter()?;
    let format = format
        .or_else(|| {
            let name = output.as_ref()?.file_name()?.to_str()?;
            Format::of_file_name(name)
        })
        .unwrap_or(Format::Json);
    let mut conn = db::DbConnection::open(&settings.database_url)?;
    conn.migrate()?;
    let mut out: Box<dyn Write> = match &output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(&mut out);
    let count = regwatch::export::write(&mut conn, &filter, format, &settings.base_url, &mut out)?;
    out.flush()?;
    if let Some(path) = output {
        say!("exported {count} items to {}", path.display());
    }
    Ok(())
}

/// Exits 0 when every record was taken, 1 otherwise.
pub fn run_import(settings: &Settings, args: ImportArgs) -> ExitCode {
    match import_file(settings, args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => fail(e),
    }
}

fn import_file(settings: &Settings, args: ImportArgs) -> anyhow::Result<bool> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use regwatch::import::{self, Options};
    use regwatch::store::author::Author;
    use std::io::{IsTerminal, Read};
    let stdin = args.file.as_os_str() == "-";
    let format = match args.format {
        Some(format) => format,
        None => (!stdin)
            .then(|| Format::of_file_name(args.file.file_name()?.to_str()?))
            .flatten()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "cannot tell the format from the file name; give --format csv, json or yaml"
                )
            })?,
    };
    let mut conn = db::DbConnection::open(&settings.database_url)?;
    conn.migrate()?;
    let user = import::importer(&mut conn, &args.user)?;
    let (input, size): (Box<dyn Read>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let file = std::fs::File::open(&args.file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(size, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} ({eta})",
        )?;
        bar.with_style(style)
    } else {
        ProgressBar::hidden()
    };
    let options = Options {
        dry_run: args.dry_run,
        by: Author::import(Some(user), !args.no_alerts),
        now: settings.clock.now(),
    };
    let finished = import::run(&mut conn, format, bar.wrap_read(input), options, |report| {
        bar.suspend(|| say!("{report}"));
    })?;
    bar.finish_and_clear();
    if let Some(stopped) = &finished.stopped {
        say!("stopped: {stopped}");
    }
    let dry = if args.dry_run {
        " (dry run: nothing stored)"
    } else {
        ""
    };
    say!("{}{dry}", finished.summary);
    Ok(finished.succeeded())
}

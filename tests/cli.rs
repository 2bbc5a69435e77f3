//! The command line an operator uses: help, migrate and an idempotent seed.

mod common;

use std::process::Command;

fn regwatch(database_url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run regwatch");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The subcommands a help text lists (clap's "Commands:" section), without
/// `help` itself.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_has_help() {
    // Every command the help lists, at every level, has its own help.
    let mut seen = Vec::new();
    let mut to_visit = vec![Vec::<String>::new()];
    while let Some(command) = to_visit.pop() {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("--help");
        let (ok, text) = regwatch("unused.db", &args);
        assert!(ok, "{args:?}: {text}");
        let usage = ["regwatch"]
            .into_iter()
            .chain(command.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(&format!("Usage: {usage}")),
            "{args:?}: {text}"
        );
        for sub in subcommands(&text) {
            let mut path = command.clone();
            path.push(sub);
            to_visit.push(path);
        }
        seen.push(command.join(" "));
    }
    // The walk reached the commands known today (and any added since).
    for known in [
        "serve",
        "worker",
        "migrate",
        "seed",
        "user",
        "user add",
        "user list",
        "user disable",
        "user enable",
    ] {
        assert!(seen.iter().any(|c| c == known), "{known} in {seen:?}");
    }
    let (_, text) = regwatch("unused.db", &["--help"]);
    assert!(text.contains("DATABASE_URL"));
}

fn seed_twice(database_url: &str) {
    let (ok, text) = regwatch(database_url, &["migrate"]);
    assert!(ok, "{text}");
    let (ok, text) = regwatch(database_url, &["seed"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("7 items, 28 events and 5 links added"),
        "{text}"
    );
    let (ok, text) = regwatch(database_url, &["seed"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("0 items, 0 events and 0 links added"),
        "{text}"
    );
}

#[test]
fn seed_is_idempotent_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    seed_twice(&dir.path().join("cli.db").display().to_string());
}

#[test]
fn seed_is_idempotent_on_postgres() {
    let Some(db) = common::TestDatabase::create(regwatch::db::Backend::Postgres) else {
        return;
    };
    seed_twice(&db.url);
}

#[test]
fn a_database_that_cannot_be_reached_is_reported() {
    let (ok, text) = regwatch("postgres://nobody@127.0.0.1:1/none", &["migrate"]);
    assert!(!ok);
    assert!(text.contains("cannot connect to the database"), "{text}");
}

fn regwatch_with_stdin(database_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run regwatch");
    // A command that refuses its arguments may exit before reading its
    // input; the pipe is then closed, which is not a failure of the test.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing stdin: {e}"
        );
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn accounts_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("users.db").display().to_string();
    let (ok, text) = regwatch_with_stdin(
        &url,
        &["user", "add", "Ana@Example.org", "--role", "admin"],
        "a long enough password\n",
    );
    assert!(ok, "{text}");
    let (ok, text) = regwatch_with_stdin(&url, &["user", "add", "bo@example.org"], "short\n");
    assert!(!ok);
    assert!(text.contains("at least 10 characters"), "{text}");
    let (ok, text) = regwatch_with_stdin(
        &url,
        &["user", "add", "ana@example.org"],
        "another long password\n",
    );
    assert!(!ok);
    assert!(text.contains("already exists"), "{text}");
    let (ok, text) = regwatch_with_stdin(
        &url,
        &["user", "add", "not-an-address"],
        "a long enough password\n",
    );
    assert!(!ok && text.contains("not an email address"), "{text}");

    let (ok, text) = regwatch(&url, &["user", "disable", "ana@example.org"]);
    assert!(ok, "{text}");
    let (_, text) = regwatch(&url, &["user", "list"]);
    assert!(text.contains("ana@example.org\tadmin\tdisabled"), "{text}");
    let (ok, text) = regwatch(&url, &["user", "disable", "nobody@example.org"]);
    assert!(!ok && text.contains("no account"), "{text}");
    let (_, text) = regwatch(&url, &["user", "add", "--help"]);
    assert!(text.contains("never from the command line"), "{text}");
}

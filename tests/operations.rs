//! The real binary as an operator runs it, on a machine in trouble: with
//! its output on a full disk the server keeps answering and the commands
//! finish; and what it logs names no secret token and keeps expected
//! refusals (a sign-in redirect, a 404) below ERROR.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use regwatch::db::Backend;

const TOKEN: &str = "5f0c2a9e81d34b7f6a0e9c3d2b1f8e7a5f0c2a9e81d34b7f6a0e9c3d2b1f8e7a";

/// Standard output or error on a disk with no space left: every write fails.
fn full_disk() -> Stdio {
    Stdio::from(
        File::options()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full"),
    )
}

fn regwatch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regwatch"));
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// `regwatch serve` in its own folder, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(database_url: &str, rust_log: &str, stdout: Stdio, stderr: Stdio) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("temp dir");
        let child = regwatch()
            .arg("serve")
            .current_dir(dir.path())
            .env("DATABASE_URL", database_url)
            .env("REGWATCH_BIND", format!("127.0.0.1:{port}"))
            .env("REGWATCH_OUTBOX_DIR", dir.path().join("outbox"))
            .env("RUST_LOG", rust_log)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("start regwatch serve");
        let mut server = Server {
            child,
            port,
            _dir: dir,
        };
        let start = Instant::now();
        while get(port, "/healthz").is_none_or(|(status, _)| status != 200) {
            server.assert_running();
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "regwatch serve did not answer within a minute"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("check on regwatch") {
            panic!("regwatch serve stopped: {status}");
        }
    }

    /// GETs `path`, asserting the status.
    fn expect(&self, path: &str, status: u16) {
        let (got, answer) = get(self.port, path).unwrap_or_else(|| panic!("GET {path}: no answer"));
        assert_eq!(got, status, "GET {path}:\n{answer}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET: the status and the whole answer, or `None` when
/// the connection fails or closes without an answer.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    Some((status, answer))
}

fn the_server_answers_with_its_log_on_a_full_disk(backend: Backend) {
    let Some(db) = common::TestDatabase::create(backend) else {
        return;
    };
    // Debug logs, so every request writes (and fails to write) lines.
    let mut server = Server::start(&db.url, "debug", full_disk(), full_disk());
    for (path, status) in [
        ("/", 200),
        ("/items", 200),
        ("/items/us-s321-ai-decoupling-act", 200),
        ("/items/new", 303),
        ("/nowhere", 404),
        ("/items?page=many", 400),
        ("/healthz", 200),
    ] {
        server.expect(path, status);
    }
    server.assert_running();
}

#[test]
fn the_server_answers_with_its_log_on_a_full_disk_on_sqlite() {
    the_server_answers_with_its_log_on_a_full_disk(Backend::Sqlite);
}

#[test]
fn the_server_answers_with_its_log_on_a_full_disk_on_postgres() {
    the_server_answers_with_its_log_on_a_full_disk(Backend::Postgres);
}

fn commands_finish_with_their_output_on_a_full_disk(backend: Backend) {
    let Some(db) = common::TestDatabase::create(backend) else {
        return;
    };
    let run = |args: &[&str], stdin: &str| {
        let mut child = regwatch()
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(full_disk())
            .stderr(full_disk())
            .spawn()
            .expect("run regwatch");
        // A command that takes no input (migrate, --help) may exit before
        // it is written; the pipe is then closed, which is not a failure.
        if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writing stdin: {e}"
            );
        }
        child.wait().expect("wait for regwatch")
    };
    for args in [
        &["migrate"][..],
        &["seed"],
        &["user", "add", "ana@example.org"],
        &["user", "list"],
        &["user", "disable", "ana@example.org"],
        &["--help"],
    ] {
        let status = run(args, "a long enough password\n");
        assert!(status.success(), "regwatch {args:?}: {status}");
    }
    // A failure still says so by its exit code, not by a panic's.
    let status = run(&["user", "disable", "nobody@example.org"], "");
    assert_eq!(status.code(), Some(1), "{status}");
}

#[test]
fn commands_finish_with_their_output_on_a_full_disk_on_sqlite() {
    commands_finish_with_their_output_on_a_full_disk(Backend::Sqlite);
}

#[test]
fn commands_finish_with_their_output_on_a_full_disk_on_postgres() {
    commands_finish_with_their_output_on_a_full_disk(Backend::Postgres);
}

fn the_log_names_no_token_and_no_error_for_expected_refusals(backend: Backend) {
    let Some(db) = common::TestDatabase::create(backend) else {
        return;
    };
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("regwatch.log");
    let log = File::create(&log_path).unwrap();
    let server = Server::start(
        &db.url,
        "info",
        Stdio::from(log.try_clone().unwrap()),
        Stdio::from(log),
    );
    for (path, status) in [
        ("/items/new".to_owned(), 303),
        ("/admin/deliveries".to_owned(), 303),
        (format!("/subscriptions/manage/{TOKEN}"), 404),
        (format!("/subscriptions/manage/{TOKEN}xyz"), 404),
        (format!("/subscriptions/unsubscribe/{TOKEN}.html"), 404),
        (format!("/nowhere/{TOKEN}?again={TOKEN}"), 404),
        (format!("/login?next=/subscriptions/manage/{TOKEN}"), 200),
        ("/items?page=many".to_owned(), 400),
    ] {
        server.expect(&path, status);
    }
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains(TOKEN), "a token reached the log:\n{log}");
    assert!(
        log.contains("http.target=/subscriptions/manage/[token]"),
        "refused requests are logged, tokens redacted:\n{log}"
    );
    for line in log.lines() {
        assert!(
            !line.contains("ERROR") && !line.contains("WARN"),
            "an expected outcome logged as a problem: {line}"
        );
    }
}

#[test]
fn the_log_names_no_token_and_no_error_for_expected_refusals_on_sqlite() {
    the_log_names_no_token_and_no_error_for_expected_refusals(Backend::Sqlite);
}

#[test]
fn the_log_names_no_token_and_no_error_for_expected_refusals_on_postgres() {
    the_log_names_no_token_and_no_error_for_expected_refusals(Backend::Postgres);
}

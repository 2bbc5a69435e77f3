//! Several `regwatch serve` processes on one PostgreSQL database, as an
//! operator scales past one machine: each keeps its own rendered pages, and
//! a write through one is visible through the other on its very next
//! request.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{forms, Browser, TestDatabase, PASSWORD};
use regwatch::db::{Backend, DbConnection};
use reqwest::header::AGE;

const S321: &str = "us-s321-ai-decoupling-act";

/// A `regwatch serve` process, stopped when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

async fn serve(database_url: &str) -> Serve {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["serve", "--no-worker"])
        .env("DATABASE_URL", database_url)
        .env("REGWATCH_BIND", format!("127.0.0.1:{port}"))
        .env("REGWATCH_SECRET", "x".repeat(64))
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("start regwatch serve");
    let process = Serve {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    loop {
        if let Ok(res) = reqwest::get(format!("{}/healthz", process.base)).await {
            if res.status() == 200 {
                return process;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "regwatch serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn browser(process: &Serve) -> Browser {
    Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        base: process.base.clone(),
    }
}

/// The item page as an anonymous reader gets it: its HTML, and whether it
/// came from the process's cache.
async fn read(process: &Serve, path: &str) -> (String, bool) {
    let res = reqwest::get(format!("{}{path}", process.base))
        .await
        .expect("GET");
    assert_eq!(res.status(), 200, "{path}");
    let kept = res.headers().get(AGE).is_some();
    (res.text().await.expect("body"), kept)
}

#[actix_web::test]
async fn a_write_through_one_process_shows_through_the_other_at_once() {
    let Some(db) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    let a = serve(&db.url).await;
    let b = serve(&db.url).await;
    {
        use regwatch::domain::EmailAddress;
        use regwatch::store::users::{self, Password, Role};
        let mut conn = DbConnection::open(&db.url).expect("database");
        users::create(
            &mut conn,
            &EmailAddress::try_from("ed@example.org").unwrap(),
            &Password::try_from(PASSWORD).unwrap(),
            Role::Editor,
            regwatch::clock::Clock::system().now(),
        )
        .expect("an editor");
    }
    let page = format!("/items/{S321}");
    for (writer, reader, note) in [
        (&a, &b, "Written through the first process."),
        (&b, &a, "Written through the second process."),
    ] {
        read(reader, &page).await;
        read(reader, "/").await;
        let (before, kept) = read(reader, &page).await;
        assert!(kept, "the reader's process keeps the page");
        assert!(!before.contains(note));

        let editor = browser(writer);
        assert_eq!(editor.sign_in("ed@example.org", PASSWORD).await.status, 303);
        forms::record_on_s321(&editor, note).await;

        let (after, kept) = read(reader, &page).await;
        assert!(!kept, "rendered afresh after the write: {note}");
        assert!(after.contains(note), "the other process shows the write");
        assert!(read(reader, "/").await.0.contains(note));
    }
}

//! The test harness itself: which PostgreSQL server the tests use (or why
//! they skip it), and an SMTP port held for a server that is down.

mod common;

use std::io::{ErrorKind, Read};
use std::net::{TcpListener, TcpStream};

use common::postgres::{choose, DEFAULT_URL};
use common::smtp::SmtpServer;

#[test]
fn a_configured_postgres_url_is_used_as_it_is() {
    let chosen = choose(Some("postgres://ci@db:5432/postgres".to_owned()), |_| {
        panic!("a configured server is not probed")
    });
    assert_eq!(chosen.as_deref(), Ok("postgres://ci@db:5432/postgres"));
}

#[test]
fn without_a_configured_url_the_local_server_is_tried() {
    let mut probed = None;
    let chosen = choose(None, |url| {
        probed = Some(url.to_owned());
        Ok(())
    });
    assert_eq!(probed.as_deref(), Some(DEFAULT_URL));
    assert_eq!(chosen.as_deref(), Ok(DEFAULT_URL));
}

#[test]
fn an_unreachable_local_server_is_a_skip_that_says_how_to_run() {
    let chosen = choose(None, |_| Err("Connection refused".to_owned()));
    assert_eq!(
        chosen,
        Err(
            "PostgreSQL not reachable at postgres://postgres@127.0.0.1:5432/postgres \
             (set REGWATCH_TEST_POSTGRES_URL): Connection refused"
                .to_owned()
        )
    );
}

#[test]
fn a_reserved_smtp_port_refuses_connections_until_the_server_starts() {
    let down = SmtpServer::reserve_port();
    assert_eq!(
        down.url(),
        format!("smtp://127.0.0.1:{}?tls=none", down.port)
    );
    let err = TcpStream::connect(("127.0.0.1", down.port)).expect_err("nothing listens yet");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    assert!(
        TcpListener::bind(("127.0.0.1", down.port)).is_err(),
        "no one else can take the port"
    );

    let port = down.port;
    let smtp = SmtpServer::start_on_port(down);
    assert_eq!(smtp.port, port);
    let mut greeting = [0; 3];
    TcpStream::connect(("127.0.0.1", port))
        .expect("the server listens")
        .read_exact(&mut greeting)
        .expect("a greeting");
    assert_eq!(&greeting, b"220");
}

//! The SMTP relay: sessions kept open between messages and handed to one
//! sender at a time, each over a TCP connection with Nagle's algorithm
//! off.
//!
//! Why not lettre's pooled `SmtpTransport`: it leaves Nagle's algorithm on,
//! and it writes a message's body and its closing `.` in two writes, so
//! the five-byte `.` waits for the relay to acknowledge the body, which a
//! relay with nothing to answer yet does only when its delayed-ACK timer
//! fires (40 ms on Linux): every message cost at least 40 ms per
//! connection, however fast the relay. Here the connection is opened by us
//! with `TCP_NODELAY` and driven by lettre's SMTP client (`STARTTLS`,
//! `AUTH`, the commands and the dot-stuffing stay lettre's). Implicit TLS
//! (`smtps://`) is left to lettre's own connect, Nagle and all.

use std::net::ToSocketAddrs;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::runtime::Runtime;

use super::transport::{MailError, SendError, SMTP_TIMEOUT};

/// A session unused for longer than this is asked whether it is still
/// open (`NOOP`) before a message goes over it.
const CHECK_AFTER: Duration = Duration::from_secs(2);
/// A session unused for longer than this is closed rather than reused.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// At most this many sessions are kept open while unused.
const MAX_IDLE: usize = 16;

/// Where messages go, and the sessions open to it.
pub struct Relay {
    host: String,
    port: u16,
    tls: Tls,
    hello: ClientId,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<Session>>,
}

/// One open SMTP session, with the runtime that drives its connection.
struct Session {
    conn: AsyncSmtpConnection,
    /// Always there until the session is dropped.
    runtime: Option<Runtime>,
    used: Instant,
}

impl Session {
    /// Runs `f` on the session's connection, blocking until it is done.
    fn run<T>(&mut self, f: impl AsyncFnOnce(&mut AsyncSmtpConnection) -> T) -> T {
        let Session { conn, runtime, .. } = self;
        runtime
            .as_ref()
            .expect("a session has its runtime")
            .block_on(f(conn))
    }
}

impl Drop for Session {
    /// Without waiting: a worker may be dropped where blocking is not
    /// allowed (inside an async runtime).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Relay {
    /// Reads a URL as [`super::transport::lettre_url`] writes it.
    pub fn from_url(url: &str) -> Result<Relay, MailError> {
        let bad = |e: &dyn std::fmt::Display| MailError::SmtpUrl(e.to_string());
        let url = url::Url::parse(url).map_err(|e| bad(&e))?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let tls_param = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let params = || TlsParameters::new(host.clone()).map_err(|e| bad(&e));
        let (tls, default_port) = match (url.scheme(), tls_param.as_deref()) {
            ("smtp", None) => (Tls::None, 25),
            ("smtp", Some("required")) => (Tls::Required(params()?), 587),
            ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), 587),
            ("smtps", _) => (Tls::Wrapper(params()?), 465),
            (scheme, tls) => {
                return Err(MailError::SmtpUrl(format!(
                    "{scheme}:// with tls={}",
                    tls.unwrap_or_default()
                )))
            }
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|e| bad(&e))
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        Ok(Relay {
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            hello,
            credentials,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one message over a session of its own (reused when one is
    /// open), blocking until the relay accepted or refused it.
    pub fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let mut session = match self.reuse() {
            Some(session) => session,
            None => self.open()?,
        };
        // A bound on the whole exchange: MAIL, RCPT, DATA and the message.
        let limit = SMTP_TIMEOUT * 4;
        let sent = session
            .run(async |conn| tokio::time::timeout(limit, conn.send(envelope, message)).await);
        match sent {
            Ok(Ok(_)) => {
                session.used = Instant::now();
                self.put_back(session);
                Ok(())
            }
            // lettre closes a session on any error.
            Ok(Err(e)) => Err(SendError {
                message: format!("SMTP: {e}"),
                permanent: e.is_permanent(),
            }),
            Err(_) => Err(timed_out(limit)),
        }
    }

    /// An open session that still answers, if one is idle.
    fn reuse(&self) -> Option<Session> {
        loop {
            let mut session = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()?;
            let idle = session.used.elapsed();
            if idle > IDLE_LIMIT {
                close(session);
                continue;
            }
            if idle > CHECK_AFTER {
                let alive = session.run(async |conn| {
                    tokio::time::timeout(SMTP_TIMEOUT, conn.test_connected())
                        .await
                        .unwrap_or(false)
                });
                if !alive {
                    continue;
                }
            }
            return Some(session);
        }
    }

    fn put_back(&self, session: Session) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE && !session.conn.has_broken() {
            idle.push(session);
        } else {
            drop(idle);
            close(session);
        }
    }

    /// Connects, greets, secures and signs in as configured.
    fn open(&self) -> Result<Session, SendError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| SendError {
                message: format!("SMTP: no runtime for the connection: {e}"),
                permanent: false,
            })?;
        let limit = SMTP_TIMEOUT * 3;
        let conn = runtime
            .block_on(async { tokio::time::timeout(limit, self.connect()).await })
            .map_err(|_| timed_out(limit))?
            .map_err(|message| SendError {
                message: format!("SMTP: {message}"),
                permanent: false,
            })?;
        Ok(Session {
            conn,
            runtime: Some(runtime),
            used: Instant::now(),
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let address = (self.host.as_str(), self.port);
        let mut conn = match &self.tls {
            Tls::Wrapper(params) => AsyncSmtpConnection::connect_tokio1(
                address,
                Some(SMTP_TIMEOUT),
                &self.hello,
                Some(params.clone()),
                None,
            )
            .await
            .map_err(|e| e.to_string())?,
            _ => {
                let stream = tcp(address)
                    .await
                    .map_err(|e| format!("connection error: {e}"))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                    .await
                    .map_err(|e| e.to_string())?
            }
        };
        match &self.tls {
            Tls::Opportunistic(params) if conn.can_starttls() => conn
                .starttls(params.clone(), &self.hello)
                .await
                .map_err(|e| e.to_string())?,
            Tls::Required(params) => conn
                .starttls(params.clone(), &self.hello)
                .await
                .map_err(|e| e.to_string())?,
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(conn)
    }
}

/// A TCP connection to the first address of `address` that answers, with
/// Nagle's algorithm off.
async fn tcp(address: (&str, u16)) -> std::io::Result<tokio::net::TcpStream> {
    let mut last = None;
    for addr in address.to_socket_addrs()? {
        match tokio::time::timeout(SMTP_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Ok(Err(e)) => last = Some(e),
            Err(_) => last = Some(std::io::ErrorKind::TimedOut.into()),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the host has no address")))
}

/// Says goodbye to the relay and closes the connection.
fn close(mut session: Session) {
    session.run(async |conn| {
        let _ = tokio::time::timeout(Duration::from_secs(1), conn.quit()).await;
    });
}

fn timed_out(limit: Duration) -> SendError {
    SendError {
        message: format!(
            "SMTP: the server did not answer within {} s",
            limit.as_secs()
        ),
        permanent: false,
    }
}

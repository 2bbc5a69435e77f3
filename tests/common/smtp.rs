//! A real SMTP server on loopback (mailin-embedded) that keeps every
//! message it accepts, and helpers to read them as a person would.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server};
use socket2::{Domain, Protocol, Socket, Type};

/// One message as the server received it, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub raw: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub content_type: String,
    headers: Vec<(String, String)>,
}

impl Mail {
    fn parse(to: Vec<String>, raw: Vec<u8>) -> Mail {
        let parsed = mailparse::parse_mail(&raw).expect("the message parses as MIME");
        let headers = parsed
            .headers
            .iter()
            .map(|h| (h.get_key(), h.get_value()))
            .collect::<Vec<_>>();
        let mut text = String::new();
        let mut html = String::new();
        for part in &parsed.subparts {
            match part.ctype.mimetype.as_str() {
                "text/plain" => {
                    text = part
                        .get_body()
                        .expect("text body decodes")
                        .replace("\r\n", "\n")
                }
                "text/html" => {
                    html = part
                        .get_body()
                        .expect("html body decodes")
                        .replace("\r\n", "\n")
                }
                _ => {}
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Mail {
            to,
            subject: header("Subject"),
            content_type: parsed.ctype.mimetype.clone(),
            raw: String::from_utf8_lossy(&raw).into_owned(),
            text,
            html,
            headers,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// The first URL in the text body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link starting with {prefix} in:\n{}", self.text))
            .to_owned()
    }
}

#[derive(Clone)]
struct Collector {
    store: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    data: Vec<u8>,
    /// How long the server takes to accept each message.
    delay: Duration,
}

impl Handler for Collector {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = Mail::parse(std::mem::take(&mut self.to), std::mem::take(&mut self.data));
        self.store.lock().unwrap().push(mail);
        // A slow relay: the message is kept, but the sender waits for the OK.
        std::thread::sleep(self.delay);
        response::OK
    }
}

/// A loopback port held for an SMTP server that is down. The socket is bound
/// but not listening: the port is the test's alone (the OS gives it to no
/// one else) and a connection to it is refused at once.
pub struct ReservedPort {
    socket: Socket,
    pub port: u16,
}

impl ReservedPort {
    /// The URL the app sends through, as [`SmtpServer::url`].
    pub fn url(&self) -> String {
        smtp_url(self.port)
    }
}

fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}?tls=none")
}

/// An SMTP server catching mail on 127.0.0.1.
pub struct SmtpServer {
    pub port: u16,
    store: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        Self::start_on(listener, Duration::ZERO)
    }

    /// Starts a slow server: it keeps each message as soon as it has it,
    /// then waits `delay` before answering that it accepted it.
    pub fn start_slow(delay: Duration) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        Self::start_on(listener, delay)
    }

    /// A loopback port for a server that is down: connections to it are
    /// refused until [`SmtpServer::start_on_port`] starts one there.
    pub fn reserve_port() -> ReservedPort {
        let socket =
            Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("create a socket");
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        socket.bind(&address.into()).expect("bind a loopback port");
        let port = socket
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("a bound IPv4 address")
            .port();
        ReservedPort { socket, port }
    }

    /// Starts a server on a port reserved earlier.
    pub fn start_on_port(reserved: ReservedPort) -> SmtpServer {
        reserved
            .socket
            .listen(128)
            .expect("listen on the reserved port");
        Self::start_on(reserved.socket.into(), Duration::ZERO)
    }

    fn start_on(listener: TcpListener, delay: Duration) -> SmtpServer {
        let port = listener.local_addr().unwrap().port();
        let store = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Collector {
            store: store.clone(),
            to: Vec::new(),
            data: Vec::new(),
            delay,
        });
        server
            .with_name("test.localhost")
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, store }
    }

    /// The URL the app sends through (plain SMTP: loopback only).
    pub fn url(&self) -> String {
        smtp_url(self.port)
    }

    pub fn messages(&self) -> Vec<Mail> {
        self.store.lock().unwrap().clone()
    }

    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (up to 15 s) until `address` has received `count` messages.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let got = self.to(address);
            if got.len() >= count {
                return got;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!(
                    "{address} received {} messages, expected {count}: {:#?}",
                    got.len(),
                    got.iter().map(|m| &m.subject).collect::<Vec<_>>()
                );
            }
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

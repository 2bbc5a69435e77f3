//! Helpers the journeys share: a stand-in publisher for source links, and
//! waiting for what a page does next.

use std::io::{Read, Write as _};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A stand-in for a publisher's website on loopback, so following a source
/// link stays on this machine: every path answers a small HTML page.
pub struct Publisher {
    pub port: u16,
}

impl Publisher {
    pub fn start() -> Publisher {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind publisher");
        let port = listener.local_addr().expect("address").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let body = "<!doctype html><html lang=\"en\"><head><title>Publisher: the report</title></head><body><h1>The report</h1></body></html>";
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Publisher { port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Waits up to 10 s for `check` to hold, polling.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

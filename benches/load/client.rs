//! The load generator: many keep-alive HTTP/1.1 connections over loopback
//! (hyper's bare client, so the generator costs little next to the server),
//! each sending one request after another for a while; and the numbers a
//! run gives: requests a second and latency percentiles.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What one route answered under load.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    fn of(mut latencies: Vec<Duration>, errors: u64, seconds: f64) -> Measured {
        latencies.sort_unstable();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        Measured {
            requests: latencies.len() as u64,
            errors,
            seconds,
            p50: at(0.50),
            p99: at(0.99),
            max: latencies.last().copied().unwrap_or_default(),
        }
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn connect(addr: SocketAddr) -> Option<Sender> {
    let stream = TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

/// One request (with a session's `cookie`, if any); `Some(status)` when
/// it was answered.
async fn fetch(sender: &mut Sender, path: &str, cookie: Option<&str>) -> Option<(u16, Bytes)> {
    let mut req = Request::get(path).header("host", "127.0.0.1");
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let req = req.body(Empty::new()).ok()?;
    let res = sender.send_request(req).await.ok()?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.ok()?.to_bytes();
    Some((status, body))
}

/// Drives `path` on `addr` with `connections` connections for `duration`.
/// Anything but a 200 counts as an error.
pub async fn load(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    duration: Duration,
) -> Measured {
    load_as(addr, path, None, connections, duration).await
}

/// The same, every request carrying a session's `cookie`.
pub async fn load_as(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    connections: usize,
    duration: Duration,
) -> Measured {
    let path: Arc<str> = path.into();
    let cookie: Option<Arc<str>> = cookie.map(Into::into);
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let path = path.clone();
            let cookie = cookie.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut sender = None;
                while Instant::now() < deadline {
                    if sender.is_none() {
                        sender = connect(addr).await;
                        if sender.is_none() {
                            errors += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    }
                    let Some(s) = sender.as_mut() else { continue };
                    let t = Instant::now();
                    match fetch(s, &path, cookie.as_deref()).await {
                        Some((200, _)) => latencies.push(t.elapsed()),
                        Some(_) => errors += 1,
                        None => {
                            errors += 1;
                            sender = None;
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((l, e)) = task.await {
            all.extend(l);
            errors += e;
        }
    }
    Measured::of(all, errors, started.elapsed().as_secs_f64())
}

/// One GET on a fresh connection: the status and body.
pub async fn get_once(addr: SocketAddr, path: &str) -> Option<(u16, Bytes)> {
    let mut sender = connect(addr).await?;
    fetch(&mut sender, path, None).await
}

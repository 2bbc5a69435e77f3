//! A minimal SMTP server on loopback that accepts every message (with
//! PIPELINING, as real servers offer it) and counts them, with the time the
//! last one was accepted: where the alert fan-out is timed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Default)]
pub struct Sink {
    pub accepted: AtomicU64,
    pub last: Mutex<Option<Instant>>,
}

impl Sink {
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Acquire)
    }
}

/// Starts the server; its port and what it counts.
pub async fn start() -> std::io::Result<(u16, Arc<Sink>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let sink = Arc::new(Sink::default());
    let counted = sink.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = counted.clone();
            tokio::spawn(async move {
                let _ = session(stream, &sink).await;
            });
        }
    });
    Ok((port, sink))
}

async fn session(stream: tokio::net::TcpStream, sink: &Sink) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = String::new();
    let mut in_data = false;
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        if in_data {
            if line == ".\r\n" || line == ".\n" {
                in_data = false;
                sink.accepted.fetch_add(1, Ordering::AcqRel);
                *sink.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                write.write_all(b"250 2.0.0 accepted\r\n").await?;
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
            "DATA" => {
                in_data = true;
                b"354 go on\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await?;
    }
}

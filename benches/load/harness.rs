//! The load benchmark's run: a fresh database filled by `regwatch gen`,
//! `regwatch serve` started on it as a real process (once with its page
//! cache, once without), every read route driven with many keep-alive
//! connections, the same bytes from a bare handler for comparison, the
//! alert fan-out to a loopback SMTP server, and events recorded through the
//! form while readers load the site. `benches/load/main.rs` prints it;
//! `tests/load_smoke.rs` runs it at its smallest.

#[path = "client.rs"]
pub mod client;
#[path = "sink.rs"]
pub mod sink;
#[path = "statics.rs"]
pub mod statics;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use client::Measured;

pub const PASSWORD: &str = "load benchmark password";
pub const EDITOR: &str = "bench@example.org";

/// How big and how long.
#[derive(Debug, Clone)]
pub struct Config {
    pub items: u32,
    pub events_per_item: u32,
    pub subscribers: u32,
    pub connections: usize,
    pub per_route: Duration,
    /// Seconds of recording one event a second under read load.
    pub write_seconds: u32,
}

/// One route's figures.
#[derive(Debug)]
pub struct Row {
    pub route: String,
    pub bytes: usize,
    pub warm: Measured,
    /// Cache off, all connections at once: throughput, and latency with
    /// the queueing of many requests on few cores.
    pub cold: Measured,
    /// Cache off, one connection: what one uncached request costs.
    pub single: Measured,
    pub statik: Measured,
}

#[derive(Debug, Default)]
pub struct Report {
    pub gen_time: Duration,
    pub warm_start: Duration,
    pub cold_start: Duration,
    pub rows: Vec<Row>,
    /// Routes read by a signed-in editor (cache on), beside the same
    /// route's anonymous rows.
    pub editor_rows: Vec<(String, Measured)>,
    pub rss_warm_kb: u64,
    pub rss_cold_kb: u64,
    /// Alerts accepted by the SMTP server, and how long until the last.
    pub fan_out: (u64, Duration),
    /// Events recorded, seconds, and the readers' figures meanwhile.
    pub writes: (u32, f64, Measured),
}

/// A `regwatch serve` process, stopped when dropped.
pub struct Serve {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Peak resident memory so far, in kB (Linux).
    pub fn peak_rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()));
        status
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            })
            .and_then(|kb| kb.parse().ok())
            .unwrap_or(0)
    }
}

fn regwatch(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regwatch"));
    cmd.env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env("REGWATCH_SECRET", "s".repeat(64))
        .stdout(Stdio::null());
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `regwatch serve` and waits for its first answer; the time that
/// took.
pub async fn serve(database_url: &str, cache_mb: u32, smtp_port: Option<u16>) -> (Serve, Duration) {
    let port = free_port();
    let started = Instant::now();
    let mut cmd = regwatch(database_url);
    cmd.arg("serve");
    match smtp_port {
        Some(smtp) => cmd.env(
            "REGWATCH_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp}?tls=none"),
        ),
        None => cmd.arg("--no-worker"),
    };
    // Its log, to read when something goes wrong.
    let log = std::env::temp_dir().join(format!("regwatch-load-serve-{port}.log"));
    if let Ok(file) = std::fs::File::create(&log) {
        cmd.stdout(file);
    }
    let child = cmd
        .env("REGWATCH_BIND", format!("127.0.0.1:{port}"))
        .env("REGWATCH_CACHE_MB", cache_mb.to_string())
        .spawn()
        .expect("start regwatch serve");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let process = Serve { child, addr };
    loop {
        if let Some((200, _)) = client::get_once(addr, "/healthz").await {
            return (process, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The item the benchmark reads and records events on: one of the middle,
/// and a bill (every sixth generated item), so "referred" fits it.
pub fn item_slug(items: u32) -> String {
    format!("generated-{}", (items / 2 / 6 * 6).max(6))
}

/// The routes measured, for data of `items` items.
pub fn routes(items: u32) -> Vec<String> {
    let item = item_slug(items);
    vec![
        "/".into(),
        "/?page=5".into(),
        "/?kind=deal".into(),
        "/?jurisdiction=CN".into(),
        "/?tag=chips".into(),
        "/?tag=rare".into(),
        "/?phase=stalled".into(),
        "/?from=2020-03-01&to=2020-03-31".into(),
        "/?kind=deal&jurisdiction=CN&tag=chips".into(),
        "/?q=quantum".into(),
        "/?q=export+licence".into(),
        "/?q=%22export+licence%22".into(),
        "/items".into(),
        "/items?sort=title".into(),
        "/items?tag=chips&sort=last-event".into(),
        format!("/items/{item}"),
        format!("/items/{item}/history"),
        "/upcoming".into(),
        "/chart".into(),
        "/overview".into(),
        "/feed.atom".into(),
        "/feed.atom?tag=chips".into(),
        "/calendar.ics?kind=regulation".into(),
        "/api/v1/items".into(),
        "/api/v1/events".into(),
        "/api/v1/events?tag=chips".into(),
    ]
}

/// The routes an editor's reading is measured on: pages that share their
/// own part (one with editors' controls), and a feed kept for everyone.
pub fn editor_routes(items: u32) -> Vec<String> {
    vec![
        "/".into(),
        "/?q=quantum".into(),
        "/items".into(),
        format!("/items/{}/history", item_slug(items)),
        "/feed.atom".into(),
    ]
}

/// Signs in as the editor and records one event on `slug`.
pub struct Editor {
    client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
}

fn csrf(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

impl Editor {
    pub async fn sign_in(addr: SocketAddr) -> Editor {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let base = format!("http://{addr}");
        let form = client
            .get(format!("{base}/login"))
            .send()
            .await
            .expect("login page");
        let token = csrf(&form.text().await.unwrap_or_default());
        let res = client
            .post(format!("{base}/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", EDITOR),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), 303, "sign-in refused");
        Editor { client, jar, base }
    }

    /// The status of one `GET` of `path`.
    pub async fn get(&self, path: &str) -> u16 {
        let res = self.client.get(format!("{}{path}", self.base)).send().await;
        res.map_or(0, |r| r.status().as_u16())
    }

    /// The session's `Cookie` header.
    pub fn cookie(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().expect("base URL");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    pub async fn record(&self, slug: &str, note: &str) -> bool {
        let path = format!("{}/items/{slug}/events/new", self.base);
        let Ok(form) = self.client.get(&path).send().await else {
            return false;
        };
        let token = csrf(&form.text().await.unwrap_or_default());
        let fields = [
            ("csrf_token", token.as_str()),
            ("date", "2026-11"),
            ("precision", "month"),
            ("status", "referred"),
            ("note", note),
            ("source_url", "https://example.org/generated/bench"),
            ("confidence", "medium"),
        ];
        matches!(self.client.post(&path).form(&fields).send().await, Ok(r) if r.status() == 303)
    }
}

/// The whole run.
pub async fn run(config: &Config, database_url: &str) -> Report {
    let mut report = Report::default();
    // The starter data first, so it is not loaded (and alerted to every
    // subscriber) when the server first starts.
    let seeded = regwatch(database_url)
        .arg("seed")
        .output()
        .expect("regwatch seed");
    assert!(
        seeded.status.success(),
        "seed: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let started = Instant::now();
    let out = regwatch(database_url)
        .args(["gen", "--items", &config.items.to_string()])
        .args(["--events-per-item", &config.events_per_item.to_string()])
        .args(["--subscribers", &config.subscribers.to_string()])
        .stdout(Stdio::piped())
        .output()
        .expect("regwatch gen");
    assert!(
        out.status.success(),
        "gen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    report.gen_time = started.elapsed();
    let mut add = regwatch(database_url)
        .args(["user", "add", EDITOR, "--role", "editor"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("regwatch user add");
    if let Some(mut stdin) = add.stdin.take() {
        use std::io::Write;
        let _ = writeln!(stdin, "{PASSWORD}");
    }
    assert!(add.wait().expect("user add").success());

    let (smtp_port, sink) = sink::start().await.expect("SMTP sink");
    let routes = routes(config.items);
    let n = config.connections;

    // Cold: no page cache, every request built from the database.
    let (cold, cold_start) = serve(database_url, 0, None).await;
    report.cold_start = cold_start;
    let mut pages = HashMap::new();
    let mut colds = Vec::new();
    for route in &routes {
        let (status, body) = client::get_once(cold.addr, route).await.unwrap_or_default();
        assert_eq!(status, 200, "{route}");
        pages.insert(route.clone(), body);
        let all = client::load(cold.addr, route, n, config.per_route).await;
        let one = client::load(cold.addr, route, 1, config.per_route).await;
        colds.push((all, one));
    }
    report.rss_cold_kb = cold.peak_rss_kb();
    drop(cold);

    let statics = statics::start(pages.clone()).expect("static server");
    let statics: SocketAddr = ([127, 0, 0, 1], statics).into();
    let (warm, warm_start) = serve(database_url, 32, Some(smtp_port)).await;
    report.warm_start = warm_start;
    for (route, (cold, single)) in routes.iter().zip(colds) {
        client::get_once(warm.addr, route).await;
        let warm_figures = client::load(warm.addr, route, n, config.per_route).await;
        let statik = client::load(statics, route, n, config.per_route).await;
        report.rows.push(Row {
            route: route.clone(),
            bytes: pages[route].len(),
            warm: warm_figures,
            cold,
            single,
            statik,
        });
    }

    // A signed-in editor reading: pages around kept parts.
    let editor = Editor::sign_in(warm.addr).await;
    let cookie = editor.cookie();
    for route in editor_routes(config.items) {
        assert_eq!(editor.get(&route).await, 200, "{route} for the editor");
        let figures = client::load_as(warm.addr, &route, Some(&cookie), n, config.per_route).await;
        report.editor_rows.push((route, figures));
    }

    // Fan-out: one event, every confirmed subscriber alerted.
    let item = item_slug(config.items);
    let before = sink.accepted();
    let sent = Instant::now();
    assert!(
        editor.record(&item, "Fan-out check.").await,
        "event refused"
    );
    let want = before + u64::from(config.subscribers);
    let limit = Duration::from_secs(300);
    while sink.accepted() < want && sent.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last = sink.last.lock().map(|l| *l).unwrap_or(None);
    let took = last
        .map(|l| l.saturating_duration_since(sent))
        .unwrap_or_default();
    report.fan_out = (sink.accepted() - before, took);

    // Writes under read load: an event a second while readers read.
    let readers = {
        let (addr, route, secs) = (warm.addr, routes[0].clone(), config.write_seconds);
        tokio::spawn(async move {
            client::load(addr, &route, n, Duration::from_secs(u64::from(secs))).await
        })
    };
    let begun = Instant::now();
    let mut recorded = 0;
    for i in 0..config.write_seconds {
        if editor.record(&item, &format!("Under load {i}.")).await {
            recorded += 1;
        }
        let next = Duration::from_secs(u64::from(i) + 1);
        if let Some(wait) = next.checked_sub(begun.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
    let readers = readers.await.unwrap_or_default();
    report.writes = (recorded, begun.elapsed().as_secs_f64(), readers);
    report.rss_warm_kb = warm.peak_rss_kb();
    report
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// The report as a Markdown table and a few lines.
pub fn render(config: &Config, r: &Report) -> String {
    let mut out = format!(
        "{} items, {} events, {} subscribers; {} connections, {:.1} s per route\n\
         gen {:.1} s; start-up to first answer: {} ms (cached), {} ms (uncached)\n\n\
         | route | bytes | warm req/s | warm p50 / p99 / max ms | static req/s | ratio | cold req/s | cold p50 / p99 / max ms | cold alone p50 / p99 ms | errors |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
        config.items,
        u64::from(config.items) * u64::from(config.events_per_item),
        config.subscribers,
        config.connections,
        config.per_route.as_secs_f64(),
        r.gen_time.as_secs_f64(),
        ms(r.warm_start),
        ms(r.cold_start),
    );
    for row in &r.rows {
        out.push_str(&format!(
            "| `{}` | {} | {:.0} | {} / {} / {} | {:.0} | {:.2} | {:.0} | {} / {} / {} | {} / {} | {} |\n",
            row.route,
            row.bytes,
            row.warm.per_second(),
            ms(row.warm.p50),
            ms(row.warm.p99),
            ms(row.warm.max),
            row.statik.per_second(),
            row.warm.per_second() / row.statik.per_second().max(1e-9),
            row.cold.per_second(),
            ms(row.cold.p50),
            ms(row.cold.p99),
            ms(row.cold.max),
            ms(row.single.p50),
            ms(row.single.p99),
            row.warm.errors + row.cold.errors + row.single.errors + row.statik.errors,
        ));
    }
    out.push_str(
        "\nsigned-in editor (cache on), beside anonymous readers of the same route:\n\n\
         | route | editor req/s | editor p50 / p99 ms | reader warm req/s | uncached req/s (32) |\n\
         |---|---|---|---|---|\n",
    );
    for (route, m) in &r.editor_rows {
        let reader = r.rows.iter().find(|row| row.route == *route);
        out.push_str(&format!(
            "| `{route}` | {:.0} | {} / {} | {:.0} | {:.0} |\n",
            m.per_second(),
            ms(m.p50),
            ms(m.p99),
            reader.map_or(0.0, |row| row.warm.per_second()),
            reader.map_or(0.0, |row| row.cold.per_second()),
        ));
    }
    let (recorded, secs, readers) = &r.writes;
    out.push_str(&format!(
        "\npeak RSS: {} MB cached, {} MB uncached\n\
         fan-out: {} of {} alerts accepted by the SMTP server, the last after {:.2} s\n\
         writes under read load: {} events in {:.1} s ({:.2}/s); readers of / meanwhile: {:.0} req/s, p99 {} ms, max {} ms, {} errors\n",
        r.rss_warm_kb / 1024,
        r.rss_cold_kb / 1024,
        r.fan_out.0,
        config.subscribers,
        r.fan_out.1.as_secs_f64(),
        recorded,
        secs,
        f64::from(*recorded) / secs.max(1e-9),
        readers.per_second(),
        ms(readers.p99),
        ms(readers.max),
        readers.errors,
    ));
    out
}

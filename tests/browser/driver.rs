//! Headless Chromium driven over WebDriver (chromedriver on loopback):
//! finding the tools, starting chromedriver, one browser session per
//! person with a fresh profile, viewport widths, full-page screenshots
//! under `target/screenshots/`.
//!
//! Without chromium, chromedriver or axe-core the tests print a `skipped:`
//! line and pass; under `CI=true` they fail instead.

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The flags Chromium runs with (and a fresh `--user-data-dir`).
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

pub const DESKTOP: u32 = 1280;
pub const PHONE: u32 = 390;
const HEIGHT: u32 = 900;

/// What the browser tests need on the machine.
pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    /// axe-core's `axe.min.js`, to inject into pages.
    pub axe: String,
}

fn in_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn from_env_or(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => in_path(names),
    }
}

/// `target/` of this checkout (or `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Finds chromium, chromedriver and axe-core (`REGWATCH_CHROMIUM`,
/// `REGWATCH_CHROMEDRIVER`, `REGWATCH_AXE_JS` override where they are
/// looked for). `None`, with a `skipped:` line, when one is missing.
pub fn tools(test: &str) -> Option<Tools> {
    let chromium = from_env_or(
        "REGWATCH_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = from_env_or("REGWATCH_CHROMEDRIVER", &["chromedriver"]);
    let axe_path = std::env::var_os("REGWATCH_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("axe/node_modules/axe-core/axe.min.js"));
    let axe = std::fs::read_to_string(&axe_path).ok();
    let missing: Vec<String> = [
        chromium.is_none().then(|| "chromium".to_owned()),
        chromedriver.is_none().then(|| "chromedriver".to_owned()),
        axe.is_none()
            .then(|| format!("axe-core ({})", axe_path.display())),
    ]
    .into_iter()
    .flatten()
    .collect();
    match (chromium, chromedriver, axe) {
        (Some(chromium), Some(chromedriver), Some(axe)) => Some(Tools {
            chromium,
            chromedriver,
            axe,
        }),
        _ => {
            let why = format!(
                "{} not found (install chromium chromium-driver, and npm install --prefix target/axe axe-core@4)",
                missing.join(", ")
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{test}: {why}; in CI the browser tests must run");
            }
            let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running chromedriver, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub async fn start(tools: &Tools) -> Driver {
        let port = free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium: tools.chromium.clone(),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A new browser (its own profile, cookies and window) at desktop width.
    pub async fn session(&self, base: &str) -> Session {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": self.chromium, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a browser session");
        let session = Session {
            client,
            base: base.to_owned(),
            _profile: profile,
        };
        session.width(DESKTOP).await;
        session
    }
}

/// A Chrome DevTools command sent through chromedriver.
#[derive(Debug)]
struct Cdp(serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// One person's browser.
pub struct Session {
    pub client: Client,
    pub base: String,
    _profile: tempfile::TempDir,
}

impl Session {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    pub async fn all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("find elements")
    }

    /// Visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        // A page replaced between finding and reading is read again.
        for _ in 0..20 {
            if let Ok(found) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = found.text().await {
                    return text;
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {css} to read on {}", self.path().await)
    }

    /// Types into a field, replacing what it held.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field.send_keys(value).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks a link or submit button and waits until the next page has
    /// loaded (so nothing is read from the page being left).
    pub async fn follow(&self, css: &str) {
        self.js("window.regwatchLeaving = true").await;
        self.click(css).await;
        let start = Instant::now();
        loop {
            let arrived = self
                .client
                .execute(
                    "return window.regwatchLeaving === undefined && document.readyState === 'complete'",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if arrived {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "clicking {css} loaded no page"
            );
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Sets the viewport (not the window) to `width` CSS pixels.
    pub async fn width(&self, width: u32) {
        let mut outer = width;
        for _ in 0..3 {
            self.client
                .set_window_size(outer, HEIGHT)
                .await
                .expect("resize");
            let inner = self
                .js("return window.innerWidth")
                .await
                .as_u64()
                .unwrap_or(0) as u32;
            if inner == width {
                return;
            }
            outer = (outer + width).saturating_sub(inner);
        }
    }

    /// Saves the whole page (not just the viewport) as
    /// `target/screenshots/NAME-desktop.png` and `NAME-phone.png`.
    pub async fn screenshots(&self, name: &str) {
        for (width, label) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
            self.width(width).await;
            self.shot(&format!("{name}-{label}")).await;
        }
        self.width(DESKTOP).await;
    }

    /// Saves the top 1280 × 1800 of the page as
    /// `target/screenshots/readme-NAME.png`; with `REGWATCH_UPDATE_DOCS=1`
    /// also as `docs/NAME.png`, the README's picture.
    pub async fn readme_shot(&self, name: &str) {
        self.width(DESKTOP).await;
        let (outer_w, _) = self.client.get_window_size().await.expect("window size");
        let mut outer_h = 1800;
        for _ in 0..3 {
            self.client
                .set_window_size(outer_w as u32, outer_h)
                .await
                .expect("resize");
            let inner = self
                .js("return window.innerHeight")
                .await
                .as_u64()
                .unwrap_or(0) as u32;
            if inner == 1800 {
                break;
            }
            outer_h = (outer_h + 1800).saturating_sub(inner);
        }
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("readme-{name}.png")), &png).expect("write screenshot");
        if std::env::var("REGWATCH_UPDATE_DOCS").is_ok_and(|v| v == "1") {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
            std::fs::write(docs.join(format!("{name}.png")), &png).expect("write docs/");
        }
        self.width(DESKTOP).await;
    }

    async fn shot(&self, file: &str) {
        let height = self
            .js("return document.documentElement.scrollHeight")
            .await
            .as_u64()
            .unwrap_or(HEIGHT as u64)
            .clamp(200, 8000) as u32;
        let width = self
            .js("return window.innerWidth")
            .await
            .as_u64()
            .unwrap_or(0) as u32;
        let (outer_w, _) = self.client.get_window_size().await.expect("window size");
        // Make the viewport as tall as the page, so the shot holds all of it.
        let mut outer_h = height + 100;
        for _ in 0..3 {
            self.client
                .set_window_size(outer_w as u32, outer_h)
                .await
                .expect("resize for the screenshot");
            let short = self
                .js("return document.documentElement.scrollHeight - window.innerHeight")
                .await
                .as_i64()
                .unwrap_or(0);
            if short <= 0 || outer_h >= 8000 {
                break;
            }
            outer_h = (outer_h + short as u32).min(8000);
        }
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{file}.png")), png).expect("write screenshot");
        self.width(width).await;
    }

    /// Makes pages see `prefers-color-scheme: dark` (or light again).
    pub async fn dark(&self, on: bool) {
        let scheme = if on { "dark" } else { "light" };
        self.client
            .issue_cmd(Cdp(json!({
                "cmd": "Emulation.setEmulatedMedia",
                "params": { "features": [{ "name": "prefers-color-scheme", "value": scheme }] }
            })))
            .await
            .expect("emulate the colour scheme");
    }

    /// A full-page screenshot at desktop width only.
    pub async fn desktop_shot(&self, name: &str) {
        self.width(DESKTOP).await;
        self.shot(&format!("{name}-desktop")).await;
    }

    /// Whether the page scrolls sideways at the current width.
    pub async fn scrolls_sideways(&self) -> bool {
        self.js("return document.documentElement.scrollWidth > window.innerWidth")
            .await
            .as_bool()
            .unwrap_or(true)
    }

    pub async fn quit(self) {
        let _ = self.client.close().await;
    }
}

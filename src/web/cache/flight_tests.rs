//! Single flight, step by step: requests that miss the same page at once
//! get one rendering; a write that lands while a page is rendered keeps
//! that page from being stored or given to anyone who saw the write.

use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use tokio::sync::watch;

use super::{serve, ResponseCache};
use crate::clock::Clock;
use crate::db::DbConnection;

/// A page handler that reads "the data" (a number) when it starts, then
/// waits until the test opens the gate, so renderings overlap for sure.
#[derive(Clone)]
struct Slow {
    data: Arc<AtomicU64>,
    started: Arc<AtomicU64>,
    gate: watch::Receiver<bool>,
}

async fn slow_page(slow: web::Data<Slow>) -> HttpResponse {
    let seen = slow.data.load(Ordering::SeqCst);
    slow.started.fetch_add(1, Ordering::SeqCst);
    let mut gate = slow.gate.clone();
    let _ = gate.wait_for(|open| *open).await;
    HttpResponse::Ok().body(format!("data {seen}"))
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: DbConnection,
    cache: Arc<ResponseCache>,
    slow: Slow,
    gate: watch::Sender<bool>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("regwatch.db").display().to_string();
    let mut db = DbConnection::open(&url).unwrap();
    db.migrate().unwrap();
    let (gate, rx) = watch::channel(false);
    Fixture {
        _dir: dir,
        db,
        cache: Arc::new(ResponseCache::new(&url, 1 << 20, Clock::system())),
        slow: Slow {
            data: Arc::new(AtomicU64::new(1)),
            started: Arc::default(),
            gate: rx,
        },
        gate,
    }
}

impl Fixture {
    /// A write that moves the data's version on, committed by another
    /// connection.
    fn write(&mut self) {
        let n = self.slow.data.fetch_add(1, Ordering::SeqCst) + 1;
        crate::store::settings::set(&mut self.db, "written-meanwhile", &n.to_string()).unwrap();
    }
}

async fn body(res: ServiceResponse) -> String {
    assert_eq!(res.status(), 200);
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

/// A reader of `/`, running on its own until it has the page.
macro_rules! reader {
    ($app:expr) => {{
        let app = $app.clone();
        actix_web::rt::spawn(async move {
            body(
                app.call(TestRequest::get().uri("/").to_request())
                    .await
                    .unwrap(),
            )
            .await
        })
    }};
}

/// Lets every spawned request run as far as it can.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

macro_rules! service {
    ($f:expr) => {{
        let cache = $f.cache.clone();
        Rc::new(
            test::init_service(
                App::new()
                    .wrap(from_fn(move |req, next| serve(req, next, cache.clone())))
                    .app_data(web::Data::new($f.slow.clone()))
                    .route("/", web::get().to(slow_page)),
            )
            .await,
        )
    }};
}

#[actix_web::test]
async fn readers_that_miss_together_share_one_rendering() {
    let f = fixture();
    let app = service!(f);
    let readers: Vec<_> = (0..32).map(|_| reader!(app)).collect();
    settle().await;
    assert_eq!(f.slow.started.load(Ordering::SeqCst), 1, "one rendering");
    f.gate.send_replace(true);
    for reader in readers {
        assert_eq!(reader.await.unwrap(), "data 1");
    }
    let counts = f.cache.counts();
    assert_eq!((counts.rendered(), counts.shared()), (1, 31));
    // And it was kept.
    assert_eq!(reader!(app).await.unwrap(), "data 1");
    assert_eq!(f.slow.started.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn a_write_during_a_rendering_keeps_its_page_from_later_readers() {
    let mut f = fixture();
    let app = service!(f);
    // One renders, one waits for it; then a write commits.
    let before = [reader!(app), reader!(app)];
    settle().await;
    assert_eq!(f.slow.started.load(Ordering::SeqCst), 1);
    f.write();
    // A reader arriving now saw the write: it renders its own page.
    let after = reader!(app);
    settle().await;
    assert_eq!(f.slow.started.load(Ordering::SeqCst), 2, "not joined");
    f.gate.send_replace(true);
    for reader in before {
        assert_eq!(reader.await.unwrap(), "data 1", "as new as what it saw");
    }
    assert_eq!(after.await.unwrap(), "data 2");
    // What was rendered before the write is not kept; what after, is.
    assert_eq!(reader!(app).await.unwrap(), "data 2");
    assert_eq!(f.slow.started.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_rendering_that_cannot_be_shared_lets_its_waiters_render() {
    let f = fixture();
    let cache = f.cache.clone();
    let started = Arc::new(AtomicU64::new(0));
    let counter = started.clone();
    let gate = f.slow.gate.clone();
    let app = Rc::new(
        test::init_service(
            App::new()
                .wrap(from_fn(move |req, next| serve(req, next, cache.clone())))
                .route(
                    "/",
                    web::get().to(move || {
                        let n = counter.fetch_add(1, Ordering::SeqCst);
                        let mut gate = gate.clone();
                        async move {
                            let _ = gate.wait_for(|open| *open).await;
                            // Set a cookie: never shared.
                            HttpResponse::Ok()
                                .insert_header(("set-cookie", format!("n={n}")))
                                .body("personal")
                        }
                    }),
                ),
        )
        .await,
    );
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let app = app.clone();
            actix_web::rt::spawn(async move {
                let res = app
                    .call(TestRequest::get().uri("/").to_request())
                    .await
                    .unwrap();
                res.headers().get("set-cookie").cloned()
            })
        })
        .collect();
    settle().await;
    assert_eq!(started.load(Ordering::SeqCst), 1);
    f.gate.send_replace(true);
    let mut cookies = Vec::new();
    for reader in readers {
        cookies.push(reader.await.unwrap().expect("its own answer"));
    }
    cookies.sort();
    cookies.dedup();
    assert_eq!(cookies.len(), 3, "each rendered its own");
    assert_eq!(f.cache.counts().shared(), 0);
}

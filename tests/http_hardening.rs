//! What the server does with requests a browser rarely sends: HEAD, wrong
//! methods, bodies that never finish; and the security headers on every
//! response.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{attrs, Browser, TestApp, PASSWORD};
use regwatch::db::Backend;
use regwatch::store::users::Role;
use reqwest::Method;

const S321: &str = "us-s321-ai-decoupling-act";
/// Shaped like a real link token, but matching no subscription.
const UNKNOWN_TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn send(b: &Browser, method: Method, path: &str) -> reqwest::Response {
    b.client
        .request(method.clone(), b.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().expect("ASCII header").to_owned())
}

fn allowed(res: &reqwest::Response) -> BTreeSet<String> {
    header(res, "allow")
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

fn set(methods: &[&str]) -> BTreeSet<String> {
    methods.iter().map(|m| (*m).to_owned()).collect()
}

/// A browser signed in as an admin, who can open every page.
async fn admin(app: &TestApp) -> Browser {
    app.create_user("root@example.org", PASSWORD, Role::Admin);
    let b = app.browser();
    assert_eq!(b.sign_in("root@example.org", PASSWORD).await.status, 303);
    b
}

/// Every page a GET reaches, with the ids of real rows filled in.
async fn every_get_route(b: &Browser) -> Vec<String> {
    let item = b.get(&format!("/items/{S321}")).await;
    let event_edit = attrs(&item.body, "a[href$=\"/edit\"][href*=\"/events/\"]", "href")
        .into_iter()
        .next()
        .expect("a signed-in editor sees a Correct link");
    let event_retract = event_edit.replace("/edit", "/retract");
    vec![
        "/".to_owned(),
        "/items".to_owned(),
        "/items?kind=bill&page=1".to_owned(),
        format!("/items/{S321}"),
        "/items/new".to_owned(),
        format!("/items/{S321}/edit"),
        format!("/items/{S321}/history"),
        format!("/items/{S321}/events/new"),
        event_edit,
        event_retract,
        format!("/items/{S321}/links/new"),
        "/login".to_owned(),
        "/healthz".to_owned(),
        "/static/style.css".to_owned(),
        "/subscriptions/new".to_owned(),
        "/subscriptions/pending".to_owned(),
        format!("/subscriptions/confirm/{UNKNOWN_TOKEN}"),
        format!("/subscriptions/unsubscribe/{UNKNOWN_TOKEN}"),
        format!("/subscriptions/manage/{UNKNOWN_TOKEN}"),
        "/admin/deliveries".to_owned(),
    ]
}

both_backends!(head_answers_like_get_without_a_body, |app| {
    let b = admin(&app).await;
    for path in every_get_route(&b).await {
        let get = send(&b, Method::GET, &path).await;
        let head = send(&b, Method::HEAD, &path).await;
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_ne!(get.status(), 405, "GET {path}");
        for name in ["content-type", "content-length", "cache-control"] {
            assert_eq!(
                header(&head, name),
                header(&get, name),
                "HEAD {path}: {name}"
            );
        }
        assert!(
            head.text().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
        if !get.status().is_redirection() {
            let body = get.text().await.unwrap();
            assert!(!body.is_empty(), "GET {path} has a body");
        }
    }
    // The pages with a real item answer 200 to HEAD, anonymous readers too.
    for path in [
        "/",
        "/items",
        &format!("/items/{S321}"),
        "/login",
        "/static/style.css",
    ] {
        assert_eq!(
            send(&app.browser(), Method::HEAD, path).await.status(),
            200,
            "HEAD {path}"
        );
    }
});

both_backends!(a_wrong_method_gets_405_with_the_allowed_ones, |app| {
    let b = app.browser();
    let get_only = set(&["GET", "HEAD"]);
    let get_and_post = set(&["GET", "HEAD", "POST"]);
    let post_only = set(&["POST"]);
    let cases: Vec<(Method, String, &BTreeSet<String>)> = vec![
        (Method::POST, "/".into(), &get_only),
        (Method::DELETE, "/".into(), &get_only),
        (Method::PUT, "/login".into(), &get_and_post),
        (Method::GET, "/logout".into(), &post_only),
        (Method::POST, "/items".into(), &get_only),
        (Method::PATCH, "/items/new".into(), &get_and_post),
        (Method::DELETE, format!("/items/{S321}"), &get_only),
        (Method::PUT, format!("/items/{S321}/edit"), &get_and_post),
        (Method::POST, format!("/items/{S321}/history"), &get_only),
        (
            Method::GET,
            format!("/items/{S321}/links/1/delete"),
            &post_only,
        ),
        (Method::OPTIONS, "/static/style.css".into(), &get_only),
        (Method::POST, "/healthz".into(), &get_only),
        (Method::GET, "/subscriptions".into(), &post_only),
        (
            Method::PUT,
            format!("/subscriptions/confirm/{UNKNOWN_TOKEN}"),
            &get_and_post,
        ),
        (
            Method::POST,
            format!("/subscriptions/manage/{UNKNOWN_TOKEN}"),
            &get_only,
        ),
        (
            Method::GET,
            format!("/subscriptions/manage/{UNKNOWN_TOKEN}/remove-all"),
            &post_only,
        ),
        (Method::DELETE, "/admin/deliveries".into(), &get_only),
        (Method::GET, "/admin/deliveries/1/retry".into(), &post_only),
    ];
    for (method, path, expected) in cases {
        let res = send(&b, method.clone(), &path).await;
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(&allowed(&res), expected, "{method} {path}");
    }

    // A person who opens a form-only address sees a page that says so.
    let res = send(&b, Method::GET, "/logout").await;
    assert_eq!(
        header(&res, "content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    let body = res.text().await.unwrap();
    assert!(
        body.contains("This address does not take that request"),
        "{body}"
    );

    // An address that does not exist is still not found, whatever the method.
    for method in [Method::GET, Method::HEAD, Method::POST, Method::DELETE] {
        for path in [
            "/nowhere",
            "/items/x/y/z",
            "/subscriptions/nowhere",
            "/admin",
        ] {
            let res = send(&b, method.clone(), path).await;
            assert_eq!(res.status(), 404, "{method} {path}");
        }
    }
});

fn assert_security_headers(res: &reqwest::Response, what: &str, referrer: &str) {
    let csp = header(res, "content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
    for directive in [
        "default-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    assert_eq!(
        header(res, "x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        header(res, "x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(res, "referrer-policy").as_deref(),
        Some(referrer),
        "{what}"
    );
}

both_backends!(every_response_carries_the_security_headers, |app| {
    let b = app.browser();
    let cross_origin = "strict-origin-when-cross-origin";
    for (method, path, status, referrer) in [
        (Method::GET, "/".to_owned(), 200, cross_origin),
        (Method::GET, format!("/items/{S321}"), 200, cross_origin),
        (
            Method::GET,
            "/static/style.css".to_owned(),
            200,
            cross_origin,
        ),
        (Method::HEAD, "/items".to_owned(), 200, cross_origin),
        (Method::GET, "/nowhere".to_owned(), 404, cross_origin),
        (
            Method::GET,
            "/items/no-such-item".to_owned(),
            404,
            cross_origin,
        ),
        (
            Method::GET,
            "/items?page=many".to_owned(),
            400,
            cross_origin,
        ),
        (Method::GET, "/items/new".to_owned(), 303, cross_origin),
        (Method::GET, "/logout".to_owned(), 405, cross_origin),
        (Method::POST, "/login".to_owned(), 400, cross_origin),
        (
            Method::GET,
            "/subscriptions/new".to_owned(),
            200,
            "no-referrer",
        ),
        (
            Method::GET,
            format!("/subscriptions/manage/{UNKNOWN_TOKEN}"),
            404,
            "no-referrer",
        ),
    ] {
        let res = send(&b, method.clone(), &path).await;
        assert_eq!(res.status(), status, "{method} {path}");
        assert_security_headers(&res, &format!("{method} {path}"), referrer);
        assert_eq!(
            header(&res, "strict-transport-security"),
            None,
            "plain http"
        );
    }
});

both_backends!(pages_need_no_inline_script_or_style, |app| {
    // The policy forbids both, so a page that used them would break.
    let b = admin(&app).await;
    for path in every_get_route(&b).await {
        let page = b.get(&path).await;
        if !page.body.contains("<html") {
            continue;
        }
        let doc = scraper::Html::parse_document(&page.body);
        for selector in [
            "script",
            "style",
            "[style]",
            "link[rel=stylesheet]:not([href^=\"/static/\"])",
        ] {
            let sel = scraper::Selector::parse(selector).unwrap();
            assert_eq!(doc.select(&sel).count(), 0, "{path} has {selector}");
        }
        let all = scraper::Selector::parse("*").unwrap();
        for el in doc.select(&all) {
            for (name, _) in el.value().attrs() {
                assert!(
                    !name.starts_with("on"),
                    "{path}: event handler attribute {name}"
                );
            }
        }
    }
});

#[actix_web::test]
async fn https_sites_ask_browsers_to_stay_on_https_on_sqlite() {
    https_sites_ask_browsers_to_stay_on_https(Backend::Sqlite).await;
}

#[actix_web::test]
async fn https_sites_ask_browsers_to_stay_on_https_on_postgres() {
    https_sites_ask_browsers_to_stay_on_https(Backend::Postgres).await;
}

async fn https_sites_ask_browsers_to_stay_on_https(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.base_url = "https://regwatch.example".to_owned();
    })
    .await
    else {
        return;
    };
    for path in ["/", "/nowhere", "/static/style.css"] {
        let res = app.get(path).await;
        assert_eq!(
            header(&res, "strict-transport-security").as_deref(),
            Some("max-age=31536000"),
            "{path}"
        );
    }
}

/// Sends `request` on a raw connection, then waits (at most `patience`)
/// for the server to answer and close. Returns what it answered and when
/// it closed, or `None` for a connection still open after `patience`.
fn stall(port: u16, request: String, patience: Duration) -> (String, Option<Duration>) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.write_all(request.as_bytes()).expect("send");
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(_) => return (String::from_utf8_lossy(&answer).into_owned(), None),
        }
        if start.elapsed() > patience {
            return (String::from_utf8_lossy(&answer).into_owned(), None);
        }
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        Some(start.elapsed()),
    )
}

fn half_sent(method: &str, path: &str, content_type: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n\
         Content-Length: 1000\r\n\r\nemail=ab%4"
    )
}

const FORM: &str = "application/x-www-form-urlencoded";

#[actix_web::test]
async fn a_body_that_stops_arriving_is_cut_off_on_sqlite() {
    a_body_that_stops_arriving_is_cut_off(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_body_that_stops_arriving_is_cut_off_on_postgres() {
    a_body_that_stops_arriving_is_cut_off(Backend::Postgres).await;
}

async fn a_body_that_stops_arriving_is_cut_off(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.request_body_timeout = Duration::from_millis(500);
    })
    .await
    else {
        return;
    };
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let requests = vec![
        half_sent("POST", "/login", FORM),
        half_sent("POST", "/subscriptions", FORM),
        half_sent(
            "POST",
            &format!("/subscriptions/manage/{UNKNOWN_TOKEN}/add"),
            FORM,
        ),
        half_sent("POST", "/items/new", FORM),
        half_sent("POST", "/login", "text/plain"),
        half_sent("GET", "/", FORM),
        format!(
            "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: {FORM}\r\n\
             Transfer-Encoding: chunked\r\n\r\na\r\nemail=ab%4\r\n"
        ),
    ];
    // Many at once, as an attacker would send them; each is answered (408
    // where the body was being read) and closed well within the bound.
    let stalled: Vec<_> = (0..5)
        .flat_map(|_| requests.clone())
        .map(|request| {
            std::thread::spawn(move || {
                (
                    stall(port, request.clone(), Duration::from_secs(10)),
                    request,
                )
            })
        })
        .collect();
    for handle in stalled {
        let ((answer, closed), request) =
            actix_web::rt::task::spawn_blocking(move || handle.join().unwrap())
                .await
                .unwrap();
        let first_line = format!("{request:?}");
        let closed =
            closed.unwrap_or_else(|| panic!("{first_line}: still open after 10 s: {answer}"));
        assert!(
            closed < Duration::from_secs(5),
            "{first_line}: closed after {closed:?}"
        );
        if request.starts_with("POST /login") && request.contains(FORM) {
            assert!(answer.starts_with("HTTP/1.1 408"), "{first_line}: {answer}");
            assert!(
                answer.contains("The form took too long to arrive"),
                "{answer}"
            );
        }
    }
    // The server still answers everyone else.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

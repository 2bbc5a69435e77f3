//! Holding up under attack: sessions that end on the server, the account
//! page, sign-in and subscribe limits under parallel requests, sign-in
//! throttling that an attacker cannot turn against the editor, and client
//! addresses behind a trusted reverse proxy.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::smtp::SmtpServer;
use common::{attrs, texts, Answer, Browser, TestApp, PASSWORD};
use regwatch::config::Settings;
use regwatch::db::Backend;
use regwatch::store::users::Role;
use reqwest::cookie::{CookieStore, Jar};

const ED: &str = "ed@example.org";
const NEW_PASSWORD: &str = "a brand new passphrase";

async fn behind_proxy(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        adjust(s);
    })
    .await
}

/// A browser whose requests say (through the proxy) they come from `ip`.
fn browser_at(app: &TestApp, ip: &str) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", ip.parse().unwrap());
    Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: app.base.clone(),
    }
}

/// A browser whose cookies can be read, to replay them later.
fn browser_with_jar(app: &TestApp) -> (Browser, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (
        Browser {
            client,
            base: app.base.clone(),
        },
        jar,
    )
}

fn cookie_of(app: &TestApp, jar: &Jar) -> String {
    let url = app.url("/").parse().unwrap();
    jar.cookies(&url)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned()
}

/// GETs an editors-only page with exactly this Cookie header: 200 if it
/// signs someone in, 303 (to sign-in) if not.
async fn replay(app: &TestApp, cookie: &str) -> u16 {
    app.client
        .get(app.url("/items/new"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn signed_in(b: &Browser) -> bool {
    match b.get("/items/new").await.status {
        200 => true,
        303 => false,
        other => panic!("/items/new answered {other}"),
    }
}

async fn signed_in_browser(app: &TestApp, email: &str, password: &str) -> Browser {
    let b = app.browser();
    let a = b.sign_in(email, password).await;
    assert_eq!(a.status, 303, "sign-in failed: {}", a.body);
    b
}

// ------------------------------------------------------------- sessions

both_backends!(signing_out_ends_the_session_on_the_server, |app| {
    app.create_user(ED, PASSWORD, Role::Editor);
    let (ed, jar) = browser_with_jar(&app);
    assert_eq!(ed.sign_in(ED, PASSWORD).await.status, 303);
    let cookie = cookie_of(&app, &jar);
    assert_eq!(replay(&app, &cookie).await, 200, "a copied cookie works");
    assert_eq!(app.count("user_sessions"), 1);

    let token = ed.csrf("/items/new").await;
    let a = ed.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/")));
    assert!(!signed_in(&ed).await);
    // The copy kept from before signing out no longer signs anyone in.
    assert_eq!(replay(&app, &cookie).await, 303);
    assert_eq!(app.count("user_sessions"), 0);
});

both_backends!(the_account_page_is_for_signed_in_editors, |app| {
    let a = app.browser().get("/account").await;
    assert_eq!(
        (a.status, a.location.as_deref()),
        (303, Some("/login?next=%2Faccount"))
    );
    let ed = app.editor(ED).await;
    let page = ed.get("/").await;
    assert_eq!(
        attrs(&page.body, "header a[href='/account']", "href").len(),
        1
    );
    let page = ed.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Signed in as ed@example.org (editor)"));
    assert!(texts(&page.body, "#live-sessions")[0].contains("in this browser only"));
});

both_backends!(signing_out_everywhere_ends_every_session, |app| {
    app.create_user(ED, PASSWORD, Role::Editor);
    let here = signed_in_browser(&app, ED, PASSWORD).await;
    let phone = signed_in_browser(&app, ED, PASSWORD).await;
    app.create_user("other@example.org", PASSWORD, Role::Editor);
    let colleague = signed_in_browser(&app, "other@example.org", PASSWORD).await;
    let page = here.get("/account").await;
    assert!(texts(&page.body, "#live-sessions")[0].contains("in 2 browsers or devices"));

    // Without the form's token nothing ends.
    let a = here
        .post("/account/sign-out-everywhere", &[("csrf_token", "forged")])
        .await;
    assert_eq!(a.status, 403);
    assert!(signed_in(&phone).await);

    let token = here.csrf("/account").await;
    let a = here
        .post("/account/sign-out-everywhere", &[("csrf_token", &token)])
        .await;
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/login")));
    let login = here.get("/login").await;
    assert!(login.body.contains("You are signed out everywhere"));
    assert!(!signed_in(&here).await);
    assert!(!signed_in(&phone).await);
    assert!(signed_in(&colleague).await, "other accounts stay signed in");
});

/// Fills in the password form of the account page and sends it.
async fn change_password(b: &Browser, current: &str, new: &str, again: &str) -> Answer {
    let token = b.csrf("/account").await;
    b.post(
        "/account/password",
        &[
            ("csrf_token", token.as_str()),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", again),
        ],
    )
    .await
}

both_backends!(changing_the_password_ends_the_other_sessions, |app| {
    app.create_user(ED, PASSWORD, Role::Editor);
    let (here, jar) = browser_with_jar(&app);
    assert_eq!(here.sign_in(ED, PASSWORD).await.status, 303);
    let before = cookie_of(&app, &jar);
    let phone = signed_in_browser(&app, ED, PASSWORD).await;

    // Bad input: a message beside the field, 422, nothing stored.
    for (current, new, again, field, message) in [
        (
            "",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "current_password",
            "Enter your current password",
        ),
        (
            "not my password",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "current_password",
            "not your current password",
        ),
        (
            PASSWORD,
            "short",
            "short",
            "new_password",
            "at least 10 characters",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "a brand new passphrasE",
            "confirm_password",
            "does not match",
        ),
    ] {
        let a = change_password(&here, current, new, again).await;
        assert_eq!(a.status, 422, "{field}: {}", a.body);
        let shown = texts(&a.body, &format!("#{field}-error"));
        assert!(
            shown.len() == 1 && shown[0].contains(message),
            "{field}: {shown:?}"
        );
        assert!(a.body.contains("Nothing was saved"));
    }
    let a = here
        .post(
            "/account/password",
            &[
                ("csrf_token", "forged"),
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, 403);
    assert!(signed_in(&phone).await, "nothing changed yet");
    assert_eq!(app.browser().sign_in(ED, NEW_PASSWORD).await.status, 401);

    let a = change_password(&here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/account")));
    let page = here.get("/account").await;
    assert!(page.body.contains("Your password is changed"));
    // This browser goes on in a new session; every other one is over,
    // including a copy of this browser's cookie from before.
    assert!(signed_in(&here).await);
    assert!(!signed_in(&phone).await);
    assert_eq!(replay(&app, &before).await, 303);
    assert_eq!(app.browser().sign_in(ED, PASSWORD).await.status, 401);
    signed_in_browser(&app, ED, NEW_PASSWORD).await;
});

both_backends!(
    a_disabled_account_stays_signed_out_when_enabled_again,
    |app| {
        let ed = app.editor(ED).await;
        let mut conn = app.db();
        regwatch::store::users::set_disabled(&mut conn, ED, true).unwrap();
        assert_eq!(app.count("user_sessions"), 0, "its sessions are ended");
        assert!(!signed_in(&ed).await);
        regwatch::store::users::set_disabled(&mut conn, ED, false).unwrap();
        assert!(
            !signed_in(&ed).await,
            "enabling does not revive old sessions"
        );
        signed_in_browser(&app, ED, PASSWORD).await;
    }
);

// ------------------------------------------------------ sign-in throttle

/// Posts the same sign-in form `n` times at once from one browser; returns
/// the statuses.
async fn sign_in_in_parallel(b: &Browser, attempts: Vec<(String, String)>) -> Vec<u16> {
    let token = b.csrf("/login").await;
    let handles: Vec<_> = attempts
        .into_iter()
        .map(|(email, password)| {
            let (client, url, token) = (b.client.clone(), b.url("/login"), token.clone());
            actix_web::rt::spawn(async move {
                let fields = [
                    ("csrf_token", token.as_str()),
                    ("email", email.as_str()),
                    ("password", password.as_str()),
                ];
                let res = client.post(url).form(&fields).send().await.unwrap();
                res.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses
}

fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&s| s == status).count()
}

both_backends!(parallel_guesses_at_one_address_get_five_checks, |app| {
    app.create_user(ED, PASSWORD, Role::Editor);
    let b = app.browser();
    let attempts = (0..40)
        .map(|n| (ED.to_owned(), format!("wrong password {n}")))
        .collect();
    let statuses = sign_in_in_parallel(&b, attempts).await;
    assert!(
        statuses.iter().all(|&s| s == 401 || s == 429),
        "{statuses:?}"
    );
    assert_eq!(tally(&statuses, 401), 5, "passwords checked: {statuses:?}");
});

both_backends!(parallel_guesses_from_one_ip_get_twenty_checks, |app| {
    let b = app.browser();
    let attempts = (0..40)
        .map(|n| (format!("user{n}@example.org"), "wrong password".to_owned()))
        .collect();
    let statuses = sign_in_in_parallel(&b, attempts).await;
    assert!(
        statuses.iter().all(|&s| s == 401 || s == 429),
        "{statuses:?}"
    );
    assert_eq!(tally(&statuses, 401), 20, "passwords checked: {statuses:?}");
});

both_backends!(guesses_from_elsewhere_cannot_lock_the_editor_out);
async fn guesses_from_elsewhere_cannot_lock_the_editor_out(backend: Backend) {
    let Some(app) = behind_proxy(backend, |_| {}).await else {
        return;
    };
    app.create_user(ED, PASSWORD, Role::Editor);
    // An attacker guesses from two networks until each is refused.
    for attacker in ["203.0.113.66", "203.0.113.67"] {
        let b = browser_at(&app, attacker);
        for _ in 0..5 {
            assert_eq!(b.sign_in(ED, "guess guess guess").await.status, 401);
        }
        let token = b.csrf("/login").await;
        let res = b
            .client
            .post(b.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", ED),
                ("password", "guess guess guess"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 429, "{attacker}");
        let retry: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((60..=900).contains(&retry), "Retry-After: {retry}");
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("Try again in 15 minutes"));
    }
    // The editor, from their own network, still gets in: slowed down by
    // the bounded delay (10 failures: the 2 s maximum), never refused.
    let started = Instant::now();
    let ed = browser_at(&app, "198.51.100.7");
    let a = ed.sign_in(ED, PASSWORD).await;
    let took = started.elapsed();
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(signed_in(&ed).await);
    assert!(took >= Duration::from_secs(2), "took {took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Once the editor is in, the address's failures are forgotten.
    let started = Instant::now();
    assert_eq!(
        browser_at(&app, "198.51.100.8")
            .sign_in(ED, "one typo here")
            .await
            .status,
        401
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

both_backends!(a_forged_forwarded_for_is_ignored, |app| {
    // Nothing is trusted by default: every guess counts for the peer.
    app.create_user(ED, PASSWORD, Role::Editor);
    for n in 0..5 {
        let b = browser_at(&app, &format!("203.0.113.{n}"));
        assert_eq!(b.sign_in(ED, "guess guess guess").await.status, 401);
    }
    let b = browser_at(&app, "203.0.113.99");
    assert_eq!(b.sign_in(ED, PASSWORD).await.status, 429);
});

// ------------------------------------------------------- subscribe limits

/// Posts the subscribe form once per (address, client) at the same time;
/// returns the statuses.
async fn subscribe_in_parallel(app: &TestApp, requests: Vec<(String, String)>) -> Vec<u16> {
    let handles: Vec<_> = requests
        .into_iter()
        .map(|(email, client)| {
            let (http, url) = (app.client.clone(), app.url("/subscriptions"));
            actix_web::rt::spawn(async move {
                let res = http
                    .post(url)
                    .header("x-forwarded-for", client)
                    .form(&[
                        ("email", email.as_str()),
                        ("scope", "all"),
                        ("frequency", "daily"),
                    ])
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                (status, res.text().await.unwrap())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for h in handles {
        let (status, body) = h.await.unwrap();
        if status == 429 {
            assert!(
                body.contains("Please try again later"),
                "a 429 says why: {body}"
            );
        }
        statuses.push(status);
    }
    statuses
}

async fn parallel_subscribes_stay_within_the_limits(backend: Backend) {
    let smtp = SmtpServer::start();
    let smtp_url = smtp.url();
    let Some(app) = behind_proxy(backend, |s| s.smtp_url = Some(smtp_url.clone())).await else {
        return;
    };
    // One address from 60 networks: 5 accepted.
    let statuses = subscribe_in_parallel(
        &app,
        (0..60)
            .map(|n| ("jo@example.org".to_owned(), format!("203.0.113.{n}")))
            .collect(),
    )
    .await;
    assert!(
        statuses.iter().all(|&s| s == 303 || s == 429),
        "{statuses:?}"
    );
    assert_eq!(tally(&statuses, 303), 5, "{statuses:?}");
    // 60 addresses from one network: 20 accepted.
    let statuses = subscribe_in_parallel(
        &app,
        (0..60)
            .map(|n| (format!("reader{n}@example.org"), "198.51.100.1".to_owned()))
            .collect(),
    )
    .await;
    assert!(
        statuses.iter().all(|&s| s == 303 || s == 429),
        "{statuses:?}"
    );
    assert_eq!(tally(&statuses, 303), 20, "{statuses:?}");

    // Exactly one confirmation email per accepted request goes out.
    let mut settings = Settings::for_database(&app.database_url);
    settings.smtp_url = Some(smtp_url);
    let pool = regwatch::db::connect(&app.database_url).unwrap();
    let worker = regwatch::mail::Worker::new(pool, &settings).unwrap();
    worker
        .drain(regwatch::clock::Clock::system().now())
        .unwrap();
    assert_eq!(smtp.to("jo@example.org").len(), 5);
    assert_eq!(smtp.messages().len(), 25);
    assert!(smtp
        .messages()
        .iter()
        .all(|m| m.subject.starts_with("Confirm your regwatch alerts")));
}

mod parallel_subscribes_stay_within_the_limits {
    #[actix_web::test]
    async fn sqlite() {
        super::parallel_subscribes_stay_within_the_limits(regwatch::db::Backend::Sqlite).await;
    }
    #[actix_web::test]
    async fn postgres() {
        super::parallel_subscribes_stay_within_the_limits(regwatch::db::Backend::Postgres).await;
    }
}

//! Who may write through the JSON API: a valid token of an enabled
//! account (a revoked token or a disabled account is refused at once),
//! tokens made and revoked on `/account/tokens` by signed-in editors, and
//! failed token attempts limited per address.

mod common;

use common::api::{problem, send, token};
use common::texts;
use regwatch::store::users;
use reqwest::Method;
use serde_json::json;

const APPLE: &str = "apple-alibaba-china-ai";

both_backends!(writes_need_a_valid_token, |app| {
    let body = json!({"kind": "bill", "title": "Nope", "jurisdiction": "US"});
    let (_, _, headers) = send(
        &app,
        Method::POST,
        "/api/v1/items",
        None,
        Some(body.clone()),
    )
    .await;
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    problem(
        send(
            &app,
            Method::POST,
            "/api/v1/items",
            None,
            Some(body.clone()),
        )
        .await,
        401,
    );
    problem(
        send(
            &app,
            Method::POST,
            "/api/v1/items",
            Some(&"0".repeat(64)),
            Some(body.clone()),
        )
        .await,
        401,
    );
    let basic = app
        .client
        .post(app.url("/api/v1/items"))
        .basic_auth("ed", Some("pw"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);
    problem(
        send(&app, Method::DELETE, "/api/v1/items/x/links/1", None, None).await,
        401,
    );
    // A signed-in browser's session is not an API token.
    let browser = app.editor("ed@example.org").await;
    let res = browser
        .client
        .post(browser.url("/api/v1/items"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(app.count("items"), 7);
});

both_backends!(
    a_revoked_token_or_disabled_account_is_refused_at_once,
    |app| {
        let browser = app.editor("ed@example.org").await;
        let created = browser
            .submit("/account/tokens", &[("name", "laptop")])
            .await;
        let token = texts(&created.body, "#new-token code").remove(0);
        assert_eq!(token.len(), 64);
        // Only the hash is kept; the secret is never shown again.
        let page = browser.get("/account/tokens").await;
        assert!(page.body.contains("laptop") && page.body.contains("never"));
        assert!(!page.body.contains(&token));
        {
            use diesel::prelude::*;
            let stored: Vec<String> = regwatch::schema::api_tokens::table
                .select(regwatch::schema::api_tokens::token_hash)
                .load(&mut app.db())
                .unwrap();
            assert_eq!(stored, [regwatch::store::subscriptions::hash_token(&token)]);
        }
        let patch = |title: &str| json!({"version": 1, "title": title});
        let path = format!("/api/v1/items/{APPLE}");
        let (status, _, _) = send(&app, Method::GET, &path, None, None).await;
        assert_eq!(status, 200);
        let (status, body, _) = send(
            &app,
            Method::PATCH,
            &path,
            Some(&token),
            Some(patch("Apple and Alibaba")),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let page = browser.get("/account/tokens").await;
        assert!(!page.body.contains("never"), "last use shown");

        // Disabled: refused on the very next request; enabled again, it works.
        users::set_disabled(&mut app.db(), "ed@example.org", true).unwrap();
        problem(
            send(
                &app,
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"version": 2, "title": "X"})),
            )
            .await,
            403,
        );
        users::set_disabled(&mut app.db(), "ed@example.org", false).unwrap();
        let (status, _, _) = send(
            &app,
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"version": 2, "title": "Apple, Alibaba"})),
        )
        .await;
        assert_eq!(status, 200);

        // Revoked: refused on the very next request.
        let browser = app.browser();
        browser.sign_in("ed@example.org", common::PASSWORD).await;
        let page = browser.get("/account/tokens").await;
        let action = common::attrs(&page.body, "form[action$='/revoke']", "action").remove(0);
        let revoked = browser.submit("/account/tokens", &[]).await;
        assert_eq!(revoked.status, 422, "a token needs a name");
        let csrf = browser.csrf("/account/tokens").await;
        assert_eq!(
            browser.post(&action, &[("csrf_token", &csrf)]).await.status,
            303
        );
        problem(
            send(
                &app,
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"version": 3, "title": "Y"})),
            )
            .await,
            401,
        );
        assert!(browser
            .get("/account/tokens")
            .await
            .body
            .contains("no API tokens"));
        assert_eq!(
            browser.post(&action, &[("csrf_token", &csrf)]).await.status,
            404
        );
        assert_eq!(
            browser
                .post("/account/tokens", &[("name", "no csrf")])
                .await
                .status,
            403
        );
        assert_eq!(app.count("api_tokens"), 0);
    }
);

both_backends!(the_token_page_is_for_signed_in_editors, |app| {
    let res = app.get("/account/tokens").await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    let res = app
        .client
        .post(app.url("/account/tokens"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status().as_u16(), 201);
    assert_eq!(app.count("api_tokens"), 0);
});

both_backends!(failed_token_attempts_are_limited_per_ip, |app| {
    let good = token(&app, "ed@example.org").await;
    let body = json!({"kind": "bill", "title": "Limited", "jurisdiction": "US"});
    for _ in 0..3 {
        let (status, _, _) = send(
            &app,
            Method::POST,
            "/api/v1/items",
            Some(&good),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 422, "good tokens never count");
    }
    for _ in 0..regwatch::web::api::auth::FAILED_ATTEMPTS_PER_IP {
        problem(
            send(
                &app,
                Method::POST,
                "/api/v1/items",
                Some("wrong"),
                Some(body.clone()),
            )
            .await,
            401,
        );
    }
    let (status, limited, headers) = send(
        &app,
        Method::POST,
        "/api/v1/items",
        Some("wrong"),
        Some(body.clone()),
    )
    .await;
    problem((status, limited, headers.clone()), 429);
    let wait: i64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    assert_eq!(app.count("items"), 7);
});

//! The JSON API as a program uses it: reading items, events and changes;
//! writing with an editor's API token (created and revoked on
//! `/account/tokens`), each write with its revision and change; every
//! refusal as application/problem+json with the right status.

mod common;

use common::{texts, TestApp};
use regwatch::store::users;
use serde_json::{json, Value};

const APPLE: &str = "apple-alibaba-china-ai";

/// A new editor's API token, created through the settings page.
async fn token(app: &TestApp, email: &str) -> String {
    let browser = app.editor(email).await;
    let created = browser
        .submit("/account/tokens", &[("name", "ingest script")])
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let shown = texts(&created.body, "#new-token code");
    assert_eq!(shown.len(), 1, "{}", created.body);
    shown[0].clone()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app.client.request(method.clone(), app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {path} answered {status}, not JSON ({e}): {text}"));
    (status, value, headers)
}

fn content_type(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Asserts a problem+json answer with `status` and returns it.
fn problem(answer: (u16, Value, reqwest::header::HeaderMap), status: u16) -> Value {
    let (got, body, headers) = answer;
    assert_eq!(got, status, "{body}");
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors listed")
        .iter()
        .map(|e| {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
            e["field"].as_str().unwrap().to_owned()
        })
        .collect()
}

use reqwest::Method;

both_backends!(items_read_with_their_dates_at_precision, |app| {
    let (status, list, _) = send(
        &app,
        Method::GET,
        "/api/v1/items?kind=deal&sort=title",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["kind"] == "deal"), "{list}");
    assert!(list["next"].is_null());
    let apple = items
        .iter()
        .find(|i| i["slug"] == APPLE)
        .expect("the Apple deal");
    assert_eq!(apple["url"], format!("/api/v1/items/{APPLE}"));

    let (status, item, _) = send(
        &app,
        Method::GET,
        &format!("/api/v1/items/{APPLE}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(item["kind"], "deal");
    assert_eq!(item["jurisdiction"], "CN");
    assert!(item["parties"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "Alibaba"));
    assert!(item["tags"].as_array().unwrap().iter().any(|t| t == "ai"));
    assert!(
        item["status"].is_string() && item["phase"].is_string(),
        "{item}"
    );
    assert!(item["version"].as_i64().unwrap() >= 1);
    let events = item["events"].as_array().unwrap();
    let year = events
        .iter()
        .find(|e| e["date"] == "2024")
        .expect("the 2024 report");
    assert_eq!(year["precision"], "year");
    let month = events
        .iter()
        .find(|e| e["date"] == "2025-10")
        .expect("the October remark");
    assert_eq!(month["precision"], "month");
    assert!(events
        .iter()
        .all(|e| e["source"].as_str().unwrap().starts_with("https://")));
    assert_eq!(
        item["milestones"],
        Value::Array(Vec::new()),
        "nothing scheduled"
    );

    // S.321 carries the end of the 119th Congress as a milestone.
    let (status, bill, _) = send(
        &app,
        Method::GET,
        "/api/v1/items/us-s321-ai-decoupling-act",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let ahead = &bill["milestones"][0];
    assert_eq!(ahead["kind"], "session-end");
    assert_eq!(ahead["date"], "2027-01-03");
    assert_eq!(ahead["precision"], "day");

    let one_page = send(
        &app,
        Method::GET,
        "/api/v1/items?page=1&kind=bill",
        None,
        None,
    )
    .await;
    assert_eq!(one_page.0, 200);
    let bad = problem(
        send(&app, Method::GET, "/api/v1/items?kind=treaty", None, None).await,
        400,
    );
    assert!(bad["detail"].as_str().unwrap().contains("kind"), "{bad}");
    problem(
        send(&app, Method::GET, "/api/v1/items/no-such-item", None, None).await,
        404,
    );
    problem(
        send(&app, Method::GET, "/api/v1/nowhere", None, None).await,
        404,
    );
});

both_backends!(the_timeline_reads_newest_first_with_its_items, |app| {
    let (status, page, _) = send(&app, Method::GET, "/api/v1/events?kind=deal", None, None).await;
    assert_eq!(status, 200, "{page}");
    let events = page["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .any(|e| e["item"] == APPLE && e["date"] == "2025-10" && e["precision"] == "month"));
    assert!(events
        .iter()
        .all(|e| e["item_title"].is_string() && e["retracted"] == false));
    problem(
        send(&app, Method::GET, "/api/v1/events?from=2025-13", None, None).await,
        400,
    );
});

both_backends!(the_items_list_pages_through_next_links, |app| {
    let token = token(&app, "ed@example.org").await;
    for n in 0..52 {
        let (status, body, _) = send(
            &app,
            Method::POST,
            "/api/v1/items",
            Some(&token),
            Some(json!({
                "kind": "other", "title": format!("Paging test {n:02}"), "jurisdiction": "EU",
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/items?jurisdiction=EU&q=paging".to_owned());
    while let Some(path) = next {
        let (status, page, _) = send(&app, Method::GET, &path, None, None).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["slug"].as_str().unwrap().to_owned()),
        );
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 52);
    seen.dedup();
    assert_eq!(seen.len(), 52);
});

both_backends!(
    writes_go_through_the_same_checks_revisions_and_changes,
    |app| {
        let token = token(&app, "ed@example.org").await;
        let (revisions, changes) = (app.count("revisions"), app.count("changes"));
        let (status, item, headers) = send(
            &app,
            Method::POST,
            "/api/v1/items",
            Some(&token),
            Some(json!({
                "kind": "bill", "title": "Chip Security Act", "jurisdiction": "US",
                "identifiers": ["S.1705"], "tags": ["ai", "export-controls"],
                "summary": "Location verification for export-controlled chips.",
            })),
        )
        .await;
        assert_eq!(status, 201, "{item}");
        assert_eq!(headers["location"], "/api/v1/items/chip-security-act");
        assert_eq!(item["slug"], "chip-security-act");
        assert_eq!(item["identifiers"], json!(["S.1705"]));
        assert_eq!(item["version"], 1);
        assert_eq!(app.count("revisions"), revisions + 1);
        assert_eq!(app.count("changes"), changes + 1);
        let path = "/api/v1/items/chip-security-act";

        // The same field checks as the form, each field reported.
        let bad = problem(send(&app, Method::POST, "/api/v1/items", Some(&token), Some(json!({
        "kind": "treaty", "title": "Line\nbreak", "jurisdiction": "usa!", "tags": ["Not A Tag"],
    }))).await, 422);
        let mut fields = error_fields(&bad);
        fields.sort();
        assert_eq!(fields, ["jurisdiction", "kind", "tags", "title"]);
        let taken = problem(
            send(
                &app,
                Method::POST,
                "/api/v1/items",
                Some(&token),
                Some(json!({
                    "kind": "bill", "title": "Chip Security Act", "jurisdiction": "US",
                })),
            )
            .await,
            422,
        );
        assert_eq!(error_fields(&taken), ["slug"]);
        let split = problem(send(&app, Method::POST, "/api/v1/items", Some(&token), Some(json!({
        "kind": "bill", "title": "Two", "jurisdiction": "US", "identifiers": ["S.1\nS.2"],
    }))).await, 422);
        assert_eq!(error_fields(&split), ["identifiers"]);

        // Editing: the version it is based on, 409 with the current one when stale.
        let (status, edited, _) = send(
            &app,
            Method::PATCH,
            path,
            Some(&token),
            Some(json!({
                "version": 1, "short_title": "CSA", "current": "In committee.",
            })),
        )
        .await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["version"], 2);
        assert_eq!(edited["short_title"], "CSA");
        assert_eq!(edited["current"], "In committee.");
        assert_eq!(
            edited["identifiers"],
            json!(["S.1705"]),
            "fields not given are kept"
        );
        let stale = problem(
            send(
                &app,
                Method::PATCH,
                path,
                Some(&token),
                Some(json!({
                    "version": 1, "title": "Overwritten",
                })),
            )
            .await,
            409,
        );
        assert_eq!(stale["current_version"], 2);
        let no_version = problem(
            send(
                &app,
                Method::PATCH,
                path,
                Some(&token),
                Some(json!({"title": "X"})),
            )
            .await,
            422,
        );
        assert_eq!(error_fields(&no_version), ["version"]);
        let (_, still, _) = send(&app, Method::GET, path, None, None).await;
        assert_eq!(still["title"], "Chip Security Act");

        // Events: recorded at their precision, corrected, retracted.
        let (status, with_event, _) = send(&app, Method::POST, &format!("{path}/events"), Some(&token), Some(json!({
        "date": "2025-05", "status": "introduced", "source": "https://www.congress.gov/bill/119th-congress/senate-bill/1705",
        "confidence": "high", "note": "Introduced in the Senate.",
    }))).await;
        assert_eq!(status, 201, "{with_event}");
        let event = &with_event["events"][0];
        assert_eq!(
            (event["date"].as_str(), event["precision"].as_str()),
            (Some("2025-05"), Some("month"))
        );
        assert_eq!(with_event["status"], "introduced");
        assert_eq!(
            with_event["last_event"],
            json!({"date": "2025-05", "precision": "month"})
        );
        let id = event["id"].as_i64().unwrap();
        let bad_event = problem(send(&app, Method::POST, &format!("{path}/events"), Some(&token), Some(json!({
        "date": "2025-02-30", "status": "final-rule", "source": "ftp://x.org", "confidence": "certain",
    }))).await, 422);
        let mut fields = error_fields(&bad_event);
        fields.sort();
        assert_eq!(fields, ["confidence", "date", "source", "status"]);
        let (status, corrected, _) = send(&app, Method::PUT, &format!("{path}/events/{id}"), Some(&token), Some(json!({
        "date": "2025-05-15", "status": "introduced", "source": "https://www.congress.gov/bill/119th-congress/senate-bill/1705",
        "confidence": "high", "note": "Introduced in the Senate.",
    }))).await;
        assert_eq!(status, 200, "{corrected}");
        assert_eq!(corrected["events"][0]["date"], "2025-05-15");
        assert_eq!(corrected["events"][0]["precision"], "day");
        problem(send(&app, Method::PUT, &format!("{path}/events/999999"), Some(&token), Some(json!({
        "date": "2025", "status": "introduced", "source": "https://example.org/", "confidence": "high",
    }))).await, 404);
        let no_reason = problem(
            send(
                &app,
                Method::POST,
                &format!("{path}/events/{id}/retract"),
                Some(&token),
                Some(json!({})),
            )
            .await,
            422,
        );
        assert_eq!(error_fields(&no_reason), ["reason"]);
        let (status, retracted, _) = send(
            &app,
            Method::POST,
            &format!("{path}/events/{id}/retract"),
            Some(&token),
            Some(json!({"reason": "Wrong bill."})),
        )
        .await;
        assert_eq!(status, 200, "{retracted}");
        assert_eq!(retracted["events"][0]["retracted"], true);
        assert_eq!(retracted["events"][0]["retraction_note"], "Wrong bill.");

        // Links: added, refused when unknown or repeated, removed.
        let (status, linked, _) = send(
            &app,
            Method::POST,
            &format!("{path}/links"),
            Some(&token),
            Some(json!({
                "relation": "could restrict", "to": APPLE,
            })),
        )
        .await;
        assert_eq!(status, 201, "{linked}");
        let link = &linked["links"][0];
        assert_eq!(
            (link["from"].as_str(), link["to"].as_str()),
            (Some("chip-security-act"), Some(APPLE))
        );
        let again = problem(
            send(
                &app,
                Method::POST,
                &format!("{path}/links"),
                Some(&token),
                Some(json!({
                    "relation": "could restrict", "to": APPLE,
                })),
            )
            .await,
            422,
        );
        assert_eq!(error_fields(&again), ["relation"]);
        let unknown = problem(
            send(
                &app,
                Method::POST,
                &format!("{path}/links"),
                Some(&token),
                Some(json!({
                    "relation": "uses", "to": "no-such-item",
                })),
            )
            .await,
            422,
        );
        assert_eq!(error_fields(&unknown), ["to"]);
        let link_id = link["id"].as_i64().unwrap();
        let (status, unlinked, _) = send(
            &app,
            Method::DELETE,
            &format!("{path}/links/{link_id}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, 200, "{unlinked}");
        assert_eq!(unlinked["links"], json!([]));
        problem(
            send(
                &app,
                Method::DELETE,
                &format!("{path}/links/{link_id}"),
                Some(&token),
                None,
            )
            .await,
            404,
        );

        // Every write is in the item's history and in the changes.
        let history = app.page("/items/chip-security-act/history", 200).await;
        assert!(history.contains("CSA"));
        let (_, feed, _) = send(
            &app,
            Method::GET,
            &format!("/api/v1/changes?after={changes}"),
            None,
            None,
        )
        .await;
        let kinds: Vec<String> = feed["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["item"].as_str().unwrap(),
                    c["kind"].as_str().unwrap()
                )
            })
            .collect();
        let csa = |kind: &str| format!("chip-security-act {kind}");
        let apple = |kind: &str| format!("{APPLE} {kind}");
        assert_eq!(
            kinds,
            [
                csa("item-created"),
                csa("fields-edited"),
                csa("event-recorded"),
                csa("event-corrected"),
                csa("event-retracted"),
                csa("link-added"),
                apple("link-added"),
                csa("link-removed"),
                apple("link-removed"),
            ]
        );
    }
);

both_backends!(
    bodies_that_cannot_be_read_are_refused_with_problems,
    |app| {
        let token = token(&app, "ed@example.org").await;
        let url = app.url("/api/v1/items");
        let raw = |body: Vec<u8>, content_type: &'static str| {
            app.client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", content_type)
                .body(body)
        };
        for (req, status) in [
            (raw(b"{\"kind\": ".to_vec(), "application/json"), 400),
            (
                raw(b"{\"colour\": \"red\"}".to_vec(), "application/json"),
                400,
            ),
            (
                raw(b"kind=bill".to_vec(), "application/x-www-form-urlencoded"),
                415,
            ),
            (raw(vec![b' '; 70 * 1024], "application/json"), 413),
        ] {
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), status);
            assert_eq!(content_type(res.headers()), "application/problem+json");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["status"], status);
        }
        assert_eq!(app.count("items"), 7);
    }
);

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

both_backends!(
    a_wrong_method_gets_a_problem_naming_the_allowed_ones,
    |app| {
        let res = app
            .client
            .delete(app.url("/api/v1/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 405);
        let allow = res.headers()["allow"].to_str().unwrap().to_owned();
        assert!(allow.contains("GET"), "{allow}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 405);
        assert_eq!(problem["title"], "Method Not Allowed");
        // People still get a page.
        let page = app.client.delete(app.url("/items")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 405);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
);

//! The JSON API as a program reads it: items with their dates at
//! precision, the timeline, the items list a page at a time; bodies that
//! cannot be read and wrong methods, refused as application/problem+json.
//! Writes are in `api_writes.rs`, tokens and who may write in
//! `api_access.rs`.

mod common;

use common::api::{content_type, problem, send, token};
use reqwest::Method;
use serde_json::{json, Value};

const APPLE: &str = "apple-alibaba-china-ai";

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

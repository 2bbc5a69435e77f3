//! The JSON API as a program calls it: a token made on the settings page,
//! a request with its JSON answer, and the checks of a problem+json answer.

use serde_json::Value;

use super::{texts, TestApp};

pub async fn token(app: &TestApp, email: &str) -> String {
    let browser = app.editor(email).await;
    let created = browser
        .submit("/account/tokens", &[("name", "ingest script")])
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let shown = texts(&created.body, "#new-token code");
    assert_eq!(shown.len(), 1, "{}", created.body);
    shown[0].clone()
}

pub async fn send(
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

pub fn content_type(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Asserts a problem+json answer with `status` and returns it.
pub fn problem(answer: (u16, Value, reqwest::header::HeaderMap), status: u16) -> Value {
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

pub fn error_fields(problem: &Value) -> Vec<String> {
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

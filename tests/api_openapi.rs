//! The OpenAPI document against the running API: every operation it lists
//! is called, and each answer's status is one the document gives for it,
//! with a body of the documented shape; without a token, every secured
//! operation answers its documented 401. The human-readable page lists the
//! same operations and is linked from every page's footer.

mod common;

use common::{texts, TestApp};
use serde_json::{json, Value};

const APPLE: &str = "apple-alibaba-china-ai";

/// Checks `value` against a schema of the document, following `$ref`s;
/// returns what does not match, by JSON path.
fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return mismatches(doc, &doc["components"]["schemas"][name], value, at, out);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        mismatches(doc, part, value, at, out);
    }
    if let Some(any) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let fits = any.iter().any(|s| {
            let mut none = Vec::new();
            mismatches(doc, s, value, at, &mut none);
            none.is_empty()
        });
        if !fits {
            out.push(format!("{at}: matches none of {any:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            out.push(format!("{at}: a {actual}, documented as {types:?}"));
            return;
        }
    }
    if let (Some(props), Value::Object(fields)) = (schema["properties"].as_object(), value) {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !fields.contains_key(name) {
                out.push(format!("{at}.{name}: required, missing"));
            }
        }
        for (name, field) in fields {
            if let Some(s) = props.get(name) {
                mismatches(doc, s, field, &format!("{at}.{name}"), out);
            }
        }
    }
    if let (Some(items), Value::Array(list)) = (schema.get("items"), value) {
        for (n, v) in list.iter().enumerate() {
            mismatches(doc, items, v, &format!("{at}[{n}]"), out);
        }
    }
}

/// Calls `method path` and checks the answer against the operation's
/// documented responses; returns the status.
async fn check(
    app: &TestApp,
    doc: &Value,
    op: &Value,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> u16 {
    let mut req = app.client.request(method.parse().unwrap(), app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    let answer: Value = res.json().await.unwrap();
    let documented = &op["responses"][status.to_string()];
    assert!(
        documented.is_object(),
        "{method} {path} answered {status}, which is not documented: {answer}"
    );
    let content = documented["content"]
        .as_object()
        .expect("documented content");
    let (media, spec) = content.iter().next().unwrap();
    assert_eq!(&content_type, media, "{method} {path} {status}");
    let mut wrong = Vec::new();
    mismatches(doc, &spec["schema"], &answer, "$", &mut wrong);
    assert!(
        wrong.is_empty(),
        "{method} {path} {status}: {wrong:#?}\n{answer}"
    );
    status
}

both_backends!(every_documented_operation_answers_as_documented, |app| {
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status().as_u16(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    // Something to act on: an item with an event and a link.
    let browser = app.editor("ed@example.org").await;
    let page = browser.submit("/account/tokens", &[("name", "walk")]).await;
    let token = texts(&page.body, "#new-token code").remove(0);
    let send = |method: &str, path: &str, body: Value| {
        app.client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let item: Value = send(
        "POST",
        "/api/v1/items",
        json!({"kind": "bill", "title": "Walk", "jurisdiction": "US"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let slug = item["slug"].as_str().unwrap().to_owned();
    let event = json!({"date": "2025-03", "status": "introduced", "source": "https://example.org/", "confidence": "high"});
    let with_event: Value = send(
        "POST",
        &format!("/api/v1/items/{slug}/events"),
        event.clone(),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let linked: Value = send(
        "POST",
        &format!("/api/v1/items/{slug}/links"),
        json!({"relation": "could restrict", "to": APPLE}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let event_id = with_event["events"][0]["id"].as_i64().unwrap();
    let link_id = linked["links"][0]["id"].as_i64().unwrap();

    let mut walked = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let path = template.replace("{slug}", &slug).replace(
                "{id}",
                &if template.contains("/links/") {
                    link_id
                } else {
                    event_id
                }
                .to_string(),
            );
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let body = match (method.as_str(), template.as_str()) {
                ("GET", _) | ("DELETE", _) => None,
                ("POST", "/api/v1/items") => {
                    Some(json!({"kind": "deal", "title": "Walk two", "jurisdiction": "CN"}))
                }
                ("PATCH", _) => {
                    let now: Value = app.get(&path).await.json().await.unwrap();
                    Some(json!({"version": now["version"], "summary": "Walked."}))
                }
                ("POST", t) if t.ends_with("/events") => Some(event.clone()),
                ("PUT", _) => Some(
                    json!({"date": "2025-03-04", "status": "introduced", "source": "https://example.org/", "confidence": "high"}),
                ),
                ("POST", t) if t.ends_with("/retract") => Some(json!({"reason": "Walked."})),
                ("POST", t) if t.ends_with("/links") => {
                    Some(json!({"relation": "uses", "to": APPLE}))
                }
                other => panic!("the walk has no request for {other:?}: add one"),
            };
            if secured {
                let refused = check(&app, &doc, op, &method, &path, None, body.clone()).await;
                assert_eq!(refused, 401, "{method} {path} without a token");
            }
            let status = check(
                &app,
                &doc,
                op,
                &method,
                &path,
                secured.then_some(token.as_str()),
                body,
            )
            .await;
            assert!((200..300).contains(&status), "{method} {path}: {status}");
            if template.contains("{slug}") {
                let missing = path.replace(&slug, "no-such-item");
                let token = secured.then_some(token.as_str());
                let body = (method != "GET" && method != "DELETE").then(|| json!({}));
                assert_eq!(
                    check(&app, &doc, op, &method, &missing, token, body).await,
                    404
                );
            }
            walked.push(format!("{method} {template}"));
        }
    }
    assert_eq!(walked.len(), 11, "{walked:?}");

    // The page to read lists the same operations, and every page links it.
    let page = app.page("/api", 200).await;
    let listed = texts(&page, ".api-operation h2");
    assert_eq!(listed.len(), walked.len(), "{listed:?}");
    for op in &walked {
        assert!(listed.contains(op), "{op} not on /api: {listed:?}");
    }
    let home = app.page("/", 200).await;
    assert!(common::attrs(&home, "footer a", "href").contains(&"/api".to_owned()));
});

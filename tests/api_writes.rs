//! Writing through the JSON API with an editor's token: each write goes
//! through the same checks as the forms and leaves its revision and
//! change; invalid fields come back as problem+json listing each.

mod common;

use common::api::{error_fields, problem, send, token};
use reqwest::Method;
use serde_json::json;

const APPLE: &str = "apple-alibaba-china-ai";

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

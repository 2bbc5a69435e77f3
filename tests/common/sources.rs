//! A local stand-in for the official sources: wiremock on 127.0.0.1
//! serving the fixtures in `tests/data/sources/`, shaped like the
//! Congress.gov and Federal Register APIs' published responses.

use std::time::Duration;

use regwatch::connectors::http::HttpConfig;
use regwatch::connectors::SourcesConfig;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CONGRESS_KEY: &str = "test-key";

/// A fixture file's text.
pub fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sources")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(fixture(name))
}

/// S.321's paths under the Congress.gov base.
pub const S321: &str = "/congress/bill/119/s/321";

/// Mounts S.321's Congress.gov resources, with `actions` as its actions.
pub async fn mount_congress(server: &MockServer, actions: &str) {
    let parts = [
        ("actions", actions.to_owned()),
        ("committees", "congress/s321-committees.json".to_owned()),
        ("cosponsors", "congress/s321-cosponsors.json".to_owned()),
        ("relatedbills", "congress/s321-relatedbills.json".to_owned()),
        ("titles", "congress/s321-titles.json".to_owned()),
    ];
    for (part, file) in parts {
        Mock::given(method("GET"))
            .and(path(format!("{S321}/{part}")))
            .and(wiremock::matchers::header("x-api-key", CONGRESS_KEY))
            .respond_with(json(&file))
            .mount(server)
            .await;
    }
}

/// Mounts the Federal Register documents of the two rules.
pub async fn mount_federal_register(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/fr/documents/2025-00636.json"))
        .respond_with(json("federal_register/2025-00636.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fr/documents.json"))
        .and(query_param("conditions[docket_id]", "FIXTURE-BIS-DOCKET"))
        .respond_with(json("federal_register/docket-search.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fr/documents.json"))
        .and(query_param("conditions[cfr][title]", "31"))
        .and(query_param("conditions[cfr][part]", "850"))
        .respond_with(json("federal_register/cfr-31-850.json"))
        .mount(server)
        .await;
}

/// The sources with every fixture mounted.
pub async fn official_sources() -> MockServer {
    let server = MockServer::start().await;
    mount_congress(&server, "congress/s321-actions.json").await;
    mount_federal_register(&server).await;
    server
}

/// Settings pointing at `server`, with short timeouts and backoff.
pub fn sources_config(server: &MockServer) -> SourcesConfig {
    SourcesConfig {
        congress_api_url: format!("{}/congress", server.uri()),
        congress_api_key: Some(CONGRESS_KEY.to_owned()),
        federal_register_api_url: format!("{}/fr", server.uri()),
        http: HttpConfig {
            timeout: Duration::from_millis(800),
            attempts: 3,
            backoff_base: Duration::from_millis(20),
            backoff_max: Duration::from_millis(100),
            retry_after_max: Duration::from_secs(5),
        },
        ..SourcesConfig::default()
    }
}

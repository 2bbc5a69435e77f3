//! The official-source connectors against a local stand-in for Congress.gov
//! and the Federal Register (fixtures shaped like their published
//! responses, served on 127.0.0.1): what becomes a proposal, that nothing
//! is proposed twice, that a rejected one never returns, and that a source
//! that times out, throttles, fails or answers nonsense changes nothing.

mod common;

use std::time::Duration;

use common::sources::{self, json, official_sources, sources_config, S321};
use common::TestApp;
use regwatch::clock::Clock;
use regwatch::connectors::sync::{self, SyncOptions, SyncReport};
use regwatch::connectors::SourcesConfig;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{ProposalState, SourceName, UserId};
use regwatch::store::proposals::{self, ProposalRow};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const S321_SLUG: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";
const DIFFUSION: &str = "us-bis-ai-diffusion-rule";

async fn run(conn: &mut DbConnection, config: &SourcesConfig, options: SyncOptions) -> SyncReport {
    sync::run(conn, config, &options, Clock::system().now())
        .await
        .expect("sync runs")
}

fn proposals_of(conn: &mut DbConnection, slug: &str) -> Vec<ProposalRow> {
    let item = regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap_or_else(|| panic!("{slug} exists"));
    proposals::for_item(conn, item.id).unwrap()
}

/// (date, status or milestone kind, raw text) of each proposal, oldest first.
fn summary(rows: &[ProposalRow]) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.proposed_date.to_string(),
                r.status.clone().or(r.milestone_kind.clone()).unwrap(),
                r.raw_text.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn first_sync_proposes_what_the_record_lacks_and_nothing_twice(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let server = official_sources().await;
    let config = sources_config(&server);
    let mut conn = app.db();

    let report = run(&mut conn, &config, SyncOptions::default()).await;
    assert_eq!(report.failures(), 0, "{report:?}");
    // S.321: its introduction is in the record already; the referral is
    // new (the committee's "Referred To" activity is the same fact).
    let s321 = proposals_of(&mut conn, S321_SLUG);
    assert_eq!(
        summary(&s321),
        [(
            "2025-01-29".to_owned(),
            "referred".to_owned(),
            "Read twice and referred to the Committee on the Judiciary.".to_owned()
        )]
    );
    let referral = &s321[0];
    assert_eq!(referral.source, SourceName::Congress);
    assert_eq!(referral.state, ProposalState::Pending);
    assert_eq!(referral.confidence.as_str(), "high");
    assert_eq!(
        referral.source_url,
        "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions"
    );
    // The outbound rule (31 CFR Part 850): its publication is recorded; its
    // effective date becomes a milestone.
    let outbound = proposals_of(&mut conn, OUTBOUND);
    assert_eq!(
        summary(&outbound)
            .into_iter()
            .map(|(d, s, _)| (d, s))
            .collect::<Vec<_>>(),
        [("2025-01-02".to_owned(), "effective".to_owned())]
    );
    assert_eq!(
        outbound[0].source_url,
        "https://www.federalregister.gov/d/2024-25422"
    );
    // The diffusion rule: effective date and comment deadline as milestones,
    // and the correction in its docket as a development.
    let diffusion = proposals_of(&mut conn, DIFFUSION);
    let kinds: Vec<_> = summary(&diffusion)
        .into_iter()
        .map(|(d, s, _)| (d, s))
        .collect();
    assert_eq!(
        kinds,
        [
            ("2025-01-13".to_owned(), "effective".to_owned()),
            ("2025-02-03".to_owned(), "statement".to_owned()),
            ("2025-05-15".to_owned(), "comment-deadline".to_owned()),
        ]
    );
    let correction = diffusion.iter().find(|p| p.status.is_some()).unwrap();
    assert!(correction.note.contains("Corrects"), "{}", correction.note);

    let total = app.count("proposals");
    assert_eq!(total, 5);
    let events_before = app.count("status_events");
    let report = run(&mut conn, &config, SyncOptions::default()).await;
    assert_eq!(report.new_count(), 0, "{report:?}");
    assert_eq!(app.count("proposals"), total);
    assert_eq!(app.count("status_events"), events_before);
}
both_backends!(first_sync_proposes_what_the_record_lacks_and_nothing_twice);

async fn a_new_action_is_exactly_one_proposal_and_an_unmapped_one_a_development(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let server = official_sources().await;
    let config = sources_config(&server);
    let mut conn = app.db();
    let only_s321 = || SyncOptions {
        item: Some(S321_SLUG.to_owned()),
        source: Some(SourceName::Congress),
        dry_run: false,
    };
    run(&mut conn, &config, only_s321()).await;
    let before = proposals_of(&mut conn, S321_SLUG).len();

    server.reset().await;
    sources::mount_congress(&server, "congress/s321-actions-new.json").await;
    let report = run(&mut conn, &config, only_s321()).await;
    assert_eq!(report.new_count(), 1, "{report:?}");
    let rows = proposals_of(&mut conn, S321_SLUG);
    assert_eq!(rows.len(), before + 1);
    let hearing = &rows[0];
    assert_eq!(hearing.status.as_deref(), Some("hearing"));
    assert_eq!(hearing.proposed_date.to_string(), "2025-03-04");

    server.reset().await;
    sources::mount_congress(&server, "congress/s321-actions-unmapped.json").await;
    let report = run(&mut conn, &config, only_s321()).await;
    assert_eq!(report.new_count(), 1, "{report:?}");
    let star = &proposals_of(&mut conn, S321_SLUG)[0];
    // Not in the mapping: a development, carrying the official text.
    assert_eq!(star.status.as_deref(), Some("statement"));
    assert_eq!(star.raw_text, "Star Print ordered on the bill. (FIXTURE)");
    assert!(
        star.note.contains("Star Print ordered on the bill."),
        "{}",
        star.note
    );
    assert!(
        star.note.starts_with("Not in the mapping table"),
        "{}",
        star.note
    );
}
both_backends!(a_new_action_is_exactly_one_proposal_and_an_unmapped_one_a_development);

async fn a_rejected_proposal_never_comes_back(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let server = official_sources().await;
    let config = sources_config(&server);
    let mut conn = app.db();
    app.create_user(
        "ed@example.org",
        common::PASSWORD,
        regwatch::store::users::Role::Editor,
    );
    let editor: UserId = regwatch::store::users::list(&mut conn).unwrap()[0].id;
    run(&mut conn, &config, SyncOptions::default()).await;
    let referral = proposals_of(&mut conn, S321_SLUG).remove(0);
    assert!(proposals::reject(&mut conn, referral.id, editor, Clock::system().now()).unwrap());
    // Rejecting again changes nothing.
    assert!(!proposals::reject(&mut conn, referral.id, editor, Clock::system().now()).unwrap());

    let total = app.count("proposals");
    let report = run(&mut conn, &config, SyncOptions::default()).await;
    assert_eq!(report.new_count(), 0);
    assert_eq!(app.count("proposals"), total);
    let rows = proposals_of(&mut conn, S321_SLUG);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, ProposalState::Rejected);
    assert_eq!(rows[0].decided_by, Some(editor));
}
both_backends!(a_rejected_proposal_never_comes_back);

/// A Congress.gov stand-in where `actions` answers with `bad` (the other
/// resources as usual), and the Federal Register answers nothing.
async fn congress_answering(bad: Mock) -> MockServer {
    let server = MockServer::start().await;
    bad.mount(&server).await;
    sources::mount_congress(&server, "congress/s321-actions.json").await;
    server
}

fn actions() -> wiremock::MockBuilder {
    Mock::given(method("GET")).and(path(format!("{S321}/actions")))
}

async fn failing_sources_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut conn = app.db();
    let only_s321 = SyncOptions {
        item: Some(S321_SLUG.to_owned()),
        source: Some(SourceName::Congress),
        dry_run: false,
    };
    let cases = [
        (
            "timeout",
            actions()
                .respond_with(json("congress/s321-actions.json").set_delay(Duration::from_secs(3))),
            "no answer within",
        ),
        (
            "500",
            actions().respond_with(ResponseTemplate::new(500)),
            "answered 500 (tried 3 times)",
        ),
        (
            "malformed",
            actions().respond_with(
                ResponseTemplate::new(200).set_body_string("{\"actions\": [{\"text\": 12"),
            ),
            "not what the API documents",
        ),
        (
            "429 for good",
            actions().respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1")),
            "answered 429 (tried 3 times)",
        ),
    ];
    for (name, mock, says) in cases {
        let server = congress_answering(mock).await;
        let config = sources_config(&server);
        let report = run(&mut conn, &config, only_s321.clone()).await;
        assert_eq!(report.failures(), 1, "{name}: {report:?}");
        let error = report.items[0].error.as_deref().unwrap();
        assert!(error.contains(says), "{name}: {error}");
        assert_eq!(app.count("proposals"), 0, "{name}: nothing stored");
        assert_eq!(app.count("source_fetches"), 0, "{name}: nothing remembered");
    }

    // Throttled once (with Retry-After), then answered: retried, and stored.
    let server = MockServer::start().await;
    actions()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    sources::mount_congress(&server, "congress/s321-actions.json").await;
    let started = std::time::Instant::now();
    let report = run(&mut conn, &sources_config(&server), only_s321.clone()).await;
    assert_eq!(report.failures(), 0, "{report:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(report.new_count(), 1);
}
both_backends!(failing_sources_change_nothing);

async fn unchanged_resources_are_asked_for_conditionally(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut conn = app.db();
    let server = MockServer::start().await;
    // Answered 304 when the client shows the tag it was given.
    actions()
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    actions()
        .respond_with(json("congress/s321-actions.json").insert_header("etag", "\"v1\""))
        .with_priority(2)
        .mount(&server)
        .await;
    sources::mount_congress(&server, "congress/s321-actions.json").await;
    let config = sources_config(&server);
    let options = SyncOptions {
        item: Some(S321_SLUG.to_owned()),
        source: Some(SourceName::Congress),
        dry_run: false,
    };
    assert_eq!(
        run(&mut conn, &config, options.clone()).await.new_count(),
        1
    );
    let report = run(&mut conn, &config, options).await;
    assert!(
        report.items[0].fetched.contains("1 unchanged"),
        "{report:?}"
    );
    let conditional = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.headers.get("if-none-match").is_some())
        .count();
    assert_eq!(conditional, 1);
    assert_eq!(app.count("proposals"), 1);
}
both_backends!(unchanged_resources_are_asked_for_conditionally);

/// `regwatch sync --dry-run`, the real binary, against the local sources:
/// it shows the proposals for S.321 and the two Federal Register rules,
/// and stores nothing.
async fn the_dry_run_shows_the_proposals_and_stores_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let server = official_sources().await;
    let config = sources_config(&server);
    let database_url = app.database_url.clone();
    let output = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_regwatch"))
            .args(["sync", "--dry-run"])
            .env("DATABASE_URL", &database_url)
            .env("REGWATCH_CONGRESS_API_URL", &config.congress_api_url)
            .env("REGWATCH_CONGRESS_API_KEY", sources::CONGRESS_KEY)
            .env(
                "REGWATCH_FEDERAL_REGISTER_API_URL",
                &config.federal_register_api_url,
            )
            .env("RUST_LOG", "info")
            .output()
            .expect("regwatch runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "us-s321-ai-decoupling-act (Congress.gov): fetched 2 of 2 actions, 1 committees, 0 cosponsors, 0 related bills, 1 titles; would propose 1",
        "  2025-01-29 event referred (Referred to committee): Read twice and referred to the Committee on the Judiciary. <https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions>",
        "us-outbound-investment-rule (Federal Register): fetched 1 documents (0 lookups, 1 searches); would propose 1",
        "  2025-01-02 milestone effective (Effective date): Effective date of 89 FR 90398, document 2024-25422, as the Federal Register gives it. <https://www.federalregister.gov/d/2024-25422>",
        "us-bis-ai-diffusion-rule (Federal Register): fetched 2 documents (1 lookups, 1 searches); would propose 3",
        "  2025-05-15 milestone comment-deadline (Comment deadline): Comments on 90 FR 4544, document 2025-00636 close, as the Federal Register gives it. <https://www.federalregister.gov/documents/2025/01/15/2025-00636/framework-for-artificial-intelligence-diffusion>",
        "would propose 5 in all (dry run: nothing stored)",
    ] {
        assert!(stdout.lines().any(|l| l == line), "missing {line:?} in:\n{stdout}");
    }
    assert_eq!(app.count("proposals"), 0);
    assert_eq!(app.count("source_fetches"), 0);
}
both_backends!(the_dry_run_shows_the_proposals_and_stores_nothing);

/// The worker inside the web server syncs on its own every interval.
async fn the_worker_syncs_periodically(backend: Backend) {
    let server = official_sources().await;
    let mut config = sources_config(&server);
    config.sync_interval = Some(Duration::from_millis(200));
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.sources = config;
        s.run_worker = true;
    })
    .await
    else {
        return;
    };
    let started = std::time::Instant::now();
    while app.count("proposals") < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no periodic sync"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // Later rounds find nothing new.
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.count("proposals"), 5);
}
both_backends!(the_worker_syncs_periodically);

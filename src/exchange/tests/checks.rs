//! What an import takes from a record, and what it refuses, with where.

use serde_json::json;

use super::*;
use crate::domain::{DatePrecision, Phase};

#[test]
fn the_starter_data_file_imports_as_it_is() {
    let (taken, refused) = read_all(Format::Yaml, crate::seed::STARTER_DATA);
    assert!(refused.is_empty(), "{refused:?}");
    let links = taken
        .iter()
        .filter(|i| matches!(i, Incoming::Link(_)))
        .count();
    assert_eq!(links, 5);
    let items = items(taken);
    assert_eq!(items.len(), 7);
    assert_eq!(items.iter().map(|i| i.events.len()).sum::<usize>(), 28);
    assert_eq!(items.iter().map(|i| i.milestones.len()).sum::<usize>(), 4);
    let apple = items
        .iter()
        .find(|i| i.slug.as_str() == "apple-alibaba-china-ai")
        .unwrap();
    let dates: Vec<_> = apple
        .events
        .iter()
        .map(|e| (e.date.iso(), e.date.precision()))
        .collect();
    assert_eq!(dates[0], ("2024".to_owned(), DatePrecision::Year));
    assert!(dates.contains(&("2025-10".to_owned(), DatePrecision::Month)));
    let measures = items
        .iter()
        .find(|i| i.slug.as_str() == "cn-generative-ai-interim-measures")
        .unwrap();
    assert_eq!(
        measures.original_title.as_ref().unwrap().as_str(),
        "生成式人工智能服务管理暂行办法"
    );
    assert_eq!(measures.current.as_ref().unwrap().as_str(), "In force.");
}

#[test]
fn every_problem_of_a_record_is_reported_with_its_path() {
    let text = json_item(json!({
        "title": "Chip\nSecurity Act",
        "tags": ["ai", "Export Controls"],
        "events": [
            {"date": "2025-05-20", "status": "introduced", "confidence": "high",
             "source": "https://www.congress.gov/"},
            {"date": "2025-13", "status": "final-rule", "confidence": "sure",
             "source": "congress.gov"}
        ],
        "milestones": [{"date": "2027-01-03", "kind": "deadline", "confidence": "high",
                        "source": "https://constitution.congress.gov/"}],
        "links": [{"relation": "amends", "to": "chip-security-act"}]
    }));
    assert_eq!(
        refusal(Format::Json, &text),
        [
            "items[0].title: this text is one line: remove the line break",
            "items[0].tags[1]: \"Export Controls\" is not a tag: use lowercase letters, digits and single hyphens, e.g. export-controls",
            "items[0].events[1].date: 2025-13 is not a date that exists",
            "items[0].events[1].status: \"final-rule\" is not a status of a bill; use one of: introduced, referred, reported, passed-chamber, passed, enacted, stalled, vetoed, failed, withdrawn, expired, analysis, legal-finding, policy-signal, press-report, statement, hearing",
            "items[0].events[1].confidence: unknown confidence \"sure\"; expected high, medium or low",
            "items[0].events[1].source: \"congress.gov\" is not a URL",
            "items[0].milestones[0].kind: unknown milestone kind \"deadline\"; expected one of: effective, compliance, comment-deadline, statutory-deadline, session-end, hearing, vote, expiry",
            "items[0].links[0].to: an item cannot be linked to itself",
        ]
    );
}

#[test]
fn a_refused_record_names_its_slug_and_the_next_record_is_still_read() {
    let text = r#"{"items": [
        {"slug": "a-bill", "title": "", "kind": "bill", "jurisdiction": "us"},
        {"slug": "b-bill", "title": "B", "kind": "bill", "jurisdiction": "US"}
    ]}"#;
    let (taken, refused) = read_all(Format::Json, text);
    assert_eq!(items(taken)[0].slug.as_str(), "b-bill");
    assert_eq!(refused[0].slug.as_deref(), Some("a-bill"));
    assert_eq!(
        refused[0].messages(),
        [
            "items[0].title: is required",
            "items[0].jurisdiction: \"us\" is not a jurisdiction code: 2 to 12 upper-case letters, digits or hyphens, e.g. US, CN, EU",
        ]
    );
}

#[test]
fn a_stated_precision_must_be_the_dates_own() {
    let event = |date: &str, precision: &str| {
        json_item(json!({"events": [{"date": date, "precision": precision,
            "status": "introduced", "confidence": "high", "source": "https://www.congress.gov/"}]}))
    };
    assert_eq!(
        refusal(Format::Json, &event("2025-05-20", "month")),
        ["items[0].events[0].date: a month-precision date is written YYYY-MM"]
    );
    assert_eq!(
        refusal(Format::Json, &event("2025", "decade")),
        ["items[0].events[0].precision: a date precision is day, month or year"]
    );
    let (taken, _) = read_all(Format::Json, &event("2025-05", "month"));
    let date = items(taken)[0].events[0].date;
    assert_eq!(
        (date.iso(), date.precision()),
        ("2025-05".to_owned(), DatePrecision::Month)
    );
}

#[test]
fn what_a_record_says_a_status_does_must_be_what_it_does() {
    let event = |status: &str, moves: bool, phase: &str| {
        json_item(
            json!({"events": [{"date": "2025", "status": status, "moves_status": moves,
            "phase": phase, "confidence": "high", "source": "https://www.congress.gov/"}]}),
        )
    };
    assert_eq!(
        refusal(Format::Json, &event("introduced", false, "ended")),
        [
            "items[0].events[0].moves_status: is false, but \"introduced\" moves the status",
            "items[0].events[0].phase: is ended, but \"introduced\" moves the item into phase proposed",
        ]
    );
    assert_eq!(
        refusal(Format::Json, &event("analysis", true, "pending")),
        [
            "items[0].events[0].moves_status: is true, but \"analysis\" is a development: it leaves the status unchanged",
            "items[0].events[0].phase: is pending, but \"analysis\" is a development, which has no phase",
        ]
    );
    let (taken, _) = read_all(Format::Json, &event("introduced", true, "proposed"));
    assert_eq!(
        items(taken)[0].events[0].status.phase(),
        Some(Phase::Proposed)
    );
}

#[test]
fn a_retracted_event_says_why_and_only_a_retracted_one_does() {
    let event = |retracted: bool, note: Option<&str>| {
        json_item(json!({"events": [{"date": "2025", "status": "introduced",
            "confidence": "high", "source": "https://www.congress.gov/",
            "retracted": retracted, "retraction_note": note}]}))
    };
    assert_eq!(
        refusal(Format::Json, &event(true, None)),
        ["items[0].events[0].retraction_note: a retracted event says why it was retracted"]
    );
    assert_eq!(
        refusal(Format::Json, &event(false, Some("Wrong bill"))),
        ["items[0].events[0].retraction_note: only a retracted event has one (retracted is false)"]
    );
    let (taken, _) = read_all(Format::Json, &event(true, Some("Wrong bill")));
    let retraction = items(taken)[0].events[0].retraction.clone();
    assert_eq!(retraction.unwrap().as_str(), "Wrong bill");
}

#[test]
fn text_is_held_to_the_edit_forms_limits() {
    let tags: Vec<String> = (0..21).map(|i| format!("tag-{i}")).collect();
    let text = json_item(json!({
        "slug": "new",
        "title": "T".repeat(301),
        "identifiers": ["S.1", "", "  "],
        "parties": [format!("{}", "p".repeat(201))],
        "tags": tags,
    }));
    assert_eq!(
        refusal(Format::Json, &text),
        [
            "items[0].slug: \"new\" is reserved; choose another slug",
            "items[0].title: has at most 300 characters",
            "items[0].parties[0]: has at most 200 characters",
            "items[0].tags: at most 20 tags",
        ]
    );
}

#[test]
fn lists_drop_blank_entries_and_tags_are_a_set() {
    let text = json_item(json!({
        "identifiers": [" S.1705 ", "", "119th Congress"],
        "tags": ["semiconductors", "ai", "semiconductors"],
        "short_title": "  ",
    }));
    let (taken, _) = read_all(Format::Json, &text);
    let item = &items(taken)[0];
    let identifiers: Vec<_> = item.identifiers.iter().map(|i| i.as_str()).collect();
    assert_eq!(identifiers, ["S.1705", "119th Congress"]);
    let tags: Vec<_> = item.tags.iter().map(|t| t.as_str()).collect();
    assert_eq!(tags, ["ai", "semiconductors"]);
    assert_eq!(item.short_title, None);
}

#[test]
fn a_link_listed_on_its_own_is_checked_too() {
    let text = r#"{"items": [], "links": [
        {"from": "a", "to": "b", "relation": "uses"},
        {"from": "a", "to": "B", "relation": ""}
    ]}"#;
    let (taken, refused) = read_all(Format::Json, text);
    let Incoming::Link(link) = &taken[0] else {
        panic!("{taken:?}")
    };
    assert_eq!(
        (link.from.as_str(), link.relation.as_str(), link.to.as_str()),
        ("a", "uses", "b")
    );
    assert_eq!(
        refused[0].messages(),
        [
            "links[1].relation: is required",
            "links[1].to: a slug uses lowercase letters, digits and single hyphens, e.g. us-s321-ai-decoupling-act",
        ]
    );
}

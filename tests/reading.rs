//! What a reader sees: the timeline, the item table and item pages, on the
//! starter data. The timeline a page at a time is in `timeline_pages.rs`.

mod common;

use common::{attrs, texts};

const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";
const APPLE: &str = "apple-alibaba-china-ai";
const CN_MEASURES: &str = "cn-generative-ai-interim-measures";

/// Slugs of the items linked from the timeline's event rows, in order.
fn timeline_items(html: &str) -> Vec<String> {
    attrs(html, ".events .event-item a", "href")
        .into_iter()
        .map(|h| h.trim_start_matches("/items/").to_owned())
        .collect()
}

both_backends!(timeline_shows_the_mission_items_newest_first, |app| {
    let html = app.page("/", 200).await;
    let items = timeline_items(&html);
    assert_eq!(items.len(), 28, "every starter event is on the first page");
    for slug in [S321, OUTBOUND, APPLE] {
        assert!(
            items.iter().any(|s| s == slug),
            "{slug} missing from the timeline"
        );
    }
    // Newest first, grouped by month.
    let months = texts(&html, ".month h2");
    assert_eq!(months.first().map(String::as_str), Some("May 2026"));
    assert!(months.contains(&"January 2025".to_owned()));
    let dates = attrs(&html, ".events time", "datetime");
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "events are newest first");
    // Each event shows its status, phase and source.
    assert!(html.contains("Introduced by Sen. Hawley"));
    assert!(html.contains("https://www.congress.gov/bill/119th-congress/senate-bill/321"));
    assert!(html.contains("Final rule issued"));
    assert!(html.contains("https://www.pymnts.com/artificial-intelligence-2/2025/alibaba-chair-confirms-apple-ai-partnership-in-china/"));
    assert!(texts(&html, ".events .phase")
        .iter()
        .any(|p| p == "In force"));
});

both_backends!(filters_narrow_the_timeline, |app| {
    let only = |html: &str, slug: &str| {
        let items = timeline_items(html);
        assert!(!items.is_empty(), "no events left");
        assert!(
            items.iter().all(|s| s == slug),
            "expected only {slug}: {items:?}"
        );
        items.len()
    };
    assert_eq!(only(&app.page("/?kind=deal", 200).await, APPLE), 8);
    assert_eq!(only(&app.page("/?kind=bill", 200).await, S321), 2);
    assert_eq!(only(&app.page("/?q=Hawley", 200).await, S321), 2);
    // Identifiers, parties, notes and the original-language title are searched.
    assert_eq!(only(&app.page("/?q=89+FR+90398", 200).await, OUTBOUND), 7);
    assert_eq!(only(&app.page("/?q=Joe+Tsai", 200).await, APPLE), 8);
    assert_eq!(
        only(
            &app.page("/?q=%E7%94%9F%E6%88%90%E5%BC%8F", 200).await,
            CN_MEASURES
        ),
        3
    );
    // Prefix search: "decoupl" finds "Decoupling".
    assert_eq!(only(&app.page("/?q=decoupl", 200).await, S321), 2);

    let cn = timeline_items(&app.page("/?jurisdiction=CN", 200).await);
    assert_eq!(cn.len(), 15);
    assert!(cn.iter().all(|s| [
        APPLE,
        CN_MEASURES,
        "cn-ai-content-labelling-measures",
        "alibaba-qwen2-5-max"
    ]
    .contains(&s.as_str())));

    let stalled = app.page("/?phase=stalled", 200).await;
    let phases = texts(&stalled, ".events .phase");
    assert_eq!(
        phases,
        ["Stalled", "Stalled"],
        "the Apple delay and the BIS non-enforcement"
    );

    let semis = timeline_items(&app.page("/?tag=semiconductors", 200).await);
    assert!(semis
        .iter()
        .all(|s| s == OUTBOUND || s == "us-bis-ai-diffusion-rule"));
    assert_eq!(semis.len(), 11);

    // A month range covers whole months; filters combine.
    let feb = app.page("/?from=2025-02&to=2025-02&kind=deal", 200).await;
    assert_eq!(
        attrs(&feb, ".events time", "datetime"),
        ["2025-02-14", "2025-02-13", "2025-02-11"]
    );

    // The filter stays in the form, so the view can be refined and shared.
    let html = app.page("/?kind=deal&q=Tsai", 200).await;
    assert_eq!(attrs(&html, "#f-q", "value"), ["Tsai"]);
    assert_eq!(attrs(&html, "#f-kind option[selected]", "value"), ["deal"]);

    let none = app.page("/?q=nonexistentword", 200).await;
    assert!(timeline_items(&none).is_empty());
    assert!(none.contains("No status events match these filters"));
});

both_backends!(item_table_lists_sorts_and_filters, |app| {
    let html = app.page("/items?sort=title&dir=asc", 200).await;
    let titles = texts(&html, "table.items tbody td[data-label=Title] > a");
    assert_eq!(titles.len(), 7);
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
    let desc = texts(
        &app.page("/items?sort=title&dir=desc", 200).await,
        "table.items tbody td[data-label=Title] > a",
    );
    assert_eq!(desc, sorted.iter().rev().cloned().collect::<Vec<_>>());

    // Default: most recent event first; the BIS rule moved last (2026-05-12).
    let html = app.page("/items", 200).await;
    let first_row = texts(&html, "table.items tbody tr").remove(0);
    assert!(
        first_row.contains("Framework for Artificial Intelligence Diffusion"),
        "{first_row}"
    );
    assert!(first_row.contains("12 May 2026"));
    assert!(
        first_row.contains("Not enforced"),
        "current status ignores the later legal finding: {first_row}"
    );

    let regs = app.page("/items?kind=regulation&phase=in-force", 200).await;
    let rows = texts(&regs, "table.items tbody tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains("In force")));

    let deal = texts(
        &app.page("/items?jurisdiction=CN&kind=deal", 200).await,
        "table.items tbody tr",
    );
    assert_eq!(deal.len(), 1);
    assert!(
        deal[0].contains("Delayed") && deal[0].contains("Stalled"),
        "{}",
        deal[0]
    );
});

both_backends!(item_page_shows_identifiers_timeline_and_sources, |app| {
    let html = app.page(&format!("/items/{S321}"), 200).await;
    assert_eq!(
        texts(&html, "h1"),
        ["Decoupling America's Artificial Intelligence Capabilities from China Act of 2025"]
    );
    assert!(texts(&html, ".facts dd")
        .iter()
        .any(|t| t.contains("S.321") && t.contains("119th Congress")));
    assert!(html.contains("Sen. Josh Hawley (R-MO), sponsor"));
    let current = texts(&html, ".current").remove(0);
    assert!(
        current.contains("Introduced") && current.contains("Proposed"),
        "{current}"
    );
    assert!(current.contains("In committee; no further action found as of late 2025."));

    // Two events: the introduction moves the status, the analysis does not.
    let events = texts(&html, ".history .event");
    assert_eq!(events.len(), 2);
    assert!(events[0].contains("29 January 2025") && events[0].contains("high confidence"));
    assert!(events[1].contains("Analysis") && events[1].contains("Development"));
    assert_eq!(
        attrs(&html, ".history .source a", "href"),
        [
            "https://www.congress.gov/bill/119th-congress/senate-bill/321",
            "https://www.covingtonblogs.com/2025/02/04/senator-hawley-introduces-sweeping-u-s-china-ai-decoupling-bill/"
        ]
    );
    // The drawing: one marker for the status change, one diamond for the analysis.
    assert_eq!(texts(&html, "svg.timeline-chart title").first().map(String::as_str),
        Some("Timeline of Decoupling America's Artificial Intelligence Capabilities from China Act of 2025"));
    // The status change in its phase's shape (proposed: a circle).
    assert_eq!(
        attrs(&html, "svg.timeline-chart circle.mark", "class").len(),
        1
    );
    assert_eq!(html.matches("rotate(45").count(), 1);

    // Related items in both directions, with the relation.
    let links = texts(&html, ".links li");
    assert!(links.iter().any(
        |l| l.contains("This item could restrict") && l.contains("Apple–Alibaba China AI deal")
    ));
    assert!(links
        .iter()
        .any(|l| l.contains("This item would extend")
            && l.contains("Treasury Outbound Investment Rule")));

    let apple = app.page(&format!("/items/{APPLE}"), 200).await;
    assert!(
        texts(&apple, ".links li")
            .iter()
            .any(|l| l.contains("AI Decoupling Act (S.321)")
                && l.contains("could restrict this item"))
    );
    let current = texts(&apple, ".current").remove(0);
    assert!(
        current.contains("Delayed") && current.contains("Stalled"),
        "{current}"
    );

    let rule = app.page(&format!("/items/{OUTBOUND}"), 200).await;
    assert_eq!(texts(&rule, ".history .event").len(), 7);
    assert!(texts(&rule, ".current").remove(0).contains("In force"));
    assert!(rule.contains("89 FR 90398") && rule.contains("EO 14105"));
    assert!(rule
        .contains("https://regulations.justia.com/regulations/fedreg/2024/11/15/2024-25422.html"));
});

both_backends!(month_precision_dates_are_shown_as_months, |app| {
    let html = app.page(&format!("/items/{CN_MEASURES}"), 200).await;
    assert!(html.contains("生成式人工智能服务管理暂行办法"));

    // Tim Cook's remark is dated to October 2025 only.
    let html = app.page(&format!("/items/{APPLE}"), 200).await;
    let october = texts(&html, ".history .event")
        .into_iter()
        .find(|e| e.contains("Tim Cook"))
        .unwrap();
    assert!(october.contains("October 2025"), "{october}");
    assert!(october.contains("month only"));
    assert!(
        !html.contains("1 October 2025") && !html.contains("2025-10-01"),
        "no invented day"
    );
    assert!(attrs(&html, ".history time", "datetime").contains(&"2025-10".to_owned()));
    // Drawn as bars over the year 2024 and the month, not dots on a day.
    assert_eq!(html.matches("class=\"period\"").count(), 2);

    let timeline = app.page("/?kind=deal&from=2025-07&to=2025-12", 200).await;
    assert_eq!(attrs(&timeline, ".events time", "datetime"), ["2025-10"]);
    assert!(texts(&timeline, ".events .event-date")
        .remove(0)
        .contains("October 2025"));
});

both_backends!(unknown_addresses_get_a_404_page, |app| {
    for path in [
        "/items/no-such-item",
        "/no/such/page",
        "/items/%00",
        "/static/nope.css",
    ] {
        let html = app.page(path, 404).await;
        assert!(html.contains("Not found"), "{path}");
        assert!(
            html.contains("<nav aria-label=\"Main\">"),
            "{path}: error pages use the layout"
        );
    }
});

both_backends!(malformed_queries_get_a_400_not_a_500, |app| {
    for (query, mentions) in [
        ("/?kind=treaty", "kind"),
        ("/?phase=finished", "phase"),
        ("/?from=2025-13-01", "from"),
        ("/?to=next-week", "to"),
        ("/?from=2025-03&to=2025-01", "from"),
        ("/?page=0", "page"),
        ("/?page=-1", "page"),
        ("/?page=99999999999999999999", "page"),
        ("/?tag=Not%20A%20Tag", "tag"),
        ("/?jurisdiction=%27%3B--", "jurisdiction"),
        ("/?kind=bill&kind=deal", "kind"),
        ("/items?sort=colour", "sort"),
        ("/items?sort=title&dir=up", "dir"),
        ("/items?kind=%ff%fe", "kind"),
    ] {
        let html = app.page(query, 400).await;
        assert!(
            html.contains(mentions),
            "{query}: message should name {mentions}"
        );
        assert!(html.contains("Error 400"));
    }
    // Search text with operators and quotes is just words.
    for q in [
        "%22",
        "AND",
        "NEAR(",
        "*",
        "%27%27",
        "a%3A*%20%26%20!",
        "%E2%80%94",
    ] {
        app.page(&format!("/?q={q}"), 200).await;
        app.page(&format!("/items?q={q}"), 200).await;
    }
    let long = "x".repeat(201);
    app.page(&format!("/?q={long}"), 400).await;
});

both_backends!(health_check_answers, |app| {
    assert_eq!(app.page("/healthz", 200).await, "ok");
});

//! Editing as editors do it: through the web forms of the running app.
//! Who may edit is in `editor_access.rs`; forms refused whole or field by
//! field are in `editing_refusals.rs`.

mod common;

use common::forms::new_item;
use common::{attrs, form_fields, texts, with};

const S321: &str = "us-s321-ai-decoupling-act";

both_backends!(an_editor_adds_an_item_and_records_its_status, |app| {
    let ed = app.editor("ed@example.org").await;
    let a = ed.submit("/items/new", &new_item()).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(
        a.location.as_deref(),
        Some("/items/chip-security-act"),
        "slug suggested from the title"
    );

    let page = ed.get("/items/chip-security-act").await;
    assert!(page.body.contains("Item created."), "one-time confirmation");
    assert_eq!(texts(&page.body, "h1"), ["Chip Security Act"]);
    assert!(page.body.contains("S.1705") && page.body.contains("Sen. Tom Cotton (R-AR), sponsor"));
    let again = ed.get("/items/chip-security-act").await;
    assert!(
        !again.body.contains("Item created."),
        "the message shows once"
    );

    let a = ed
        .submit(
            "/items/chip-security-act/events/new",
            &[
                ("date", "2025-05"),
                ("precision", "month"),
                ("status", "introduced"),
                ("note", "Introduced in the Senate."),
                (
                    "source_url",
                    "https://www.congress.gov/bill/119th-congress/senate-bill/1705",
                ),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);

    // Readers now see it on the item page and on the timeline, as a month.
    let reader = app.browser();
    let page = reader.get("/items/chip-security-act").await;
    let current = texts(&page.body, ".current").remove(0);
    assert!(
        current.contains("Introduced") && current.contains("Proposed"),
        "{current}"
    );
    assert!(page.body.contains("May 2025") && page.body.contains("month only"));
    let timeline = reader.get("/?q=chip+security").await;
    assert_eq!(
        attrs(&timeline.body, ".events time", "datetime"),
        ["2025-05"]
    );
    // And the search finds the new item by its identifier and party.
    let found = reader.get("/items?q=Cotton").await;
    assert_eq!(texts(&found.body, "table.items tbody tr").len(), 1);
});

both_backends!(edits_are_revisions_with_a_field_diff, |app| {
    let ed = app.editor("ed@example.org").await;
    let path = format!("/items/{S321}/edit");
    let form = ed.get(&path).await;
    let fields = form_fields(&form.body, &path);
    let fields = with(fields, "status_summary", "Referred; no hearing scheduled.");
    let fields = with(
        fields,
        "tags",
        "ai, us-china, export-controls, outbound-investment, chips",
    );
    let a = ed.post_fields(&path, &fields).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let page = ed.get(&format!("/items/{S321}")).await;
    assert!(page.body.contains("Saved: 2 fields changed."));
    assert!(page.body.contains("Referred; no hearing scheduled."));

    let history = app.browser().get(&format!("/items/{S321}/history")).await;
    assert_eq!(history.status, 200);
    let first = texts(&history.body, ".revision").remove(0);
    assert!(
        first.contains("Edited fields")
            && first.contains("ed@example.org")
            && first.contains("version 2"),
        "{first}"
    );
    let rows = texts(&history.body, ".revision:first-child table.diff tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].contains("Status note")
            && rows[0].contains("In committee; no further action found as of late 2025.")
            && rows[0].contains("Referred; no hearing scheduled."),
        "{}",
        rows[0]
    );
    assert!(rows[1].contains("Tags") && rows[1].contains("chips"));
    // The starter data's creation is the oldest revision.
    assert!(texts(&history.body, ".revision")
        .last()
        .unwrap()
        .contains("Created the item"));
    // An unchanged save writes nothing.
    let revisions = app.count("revisions");
    let form = ed.get(&path).await;
    let a = ed.post_fields(&path, &form_fields(&form.body, &path)).await;
    assert_eq!(a.status, 303);
    assert_eq!(app.count("revisions"), revisions);
});

both_backends!(
    two_editors_saving_one_item_get_one_version_and_a_409,
    |app| {
        let ana = app.editor("ana@example.org").await;
        let bo = app.editor("bo@example.org").await;
        let path = format!("/items/{S321}/edit");
        let ana_form = form_fields(&ana.get(&path).await.body, &path);
        let bo_form = form_fields(&bo.get(&path).await.body, &path);
        let ana_form = with(ana_form, "short_title", "Ana's title");
        let bo_form = with(bo_form, "short_title", "Bo's title");
        let (a, b) = futures_join(
            ana.post_fields(&path, &ana_form),
            bo.post_fields(&path, &bo_form),
        )
        .await;
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [303, 409], "exactly one save wins");
        let (winner, loser_body, loser_title) = if a.status == 303 {
            ("Ana's title", b.body, "Bo's title")
        } else {
            ("Bo's title", a.body, "Ana's title")
        };
        // The loser is told what the other editor changed, keeps their input.
        assert!(loser_body.contains("Someone else saved this item"));
        assert!(texts(&loser_body, ".conflict table.diff")
            .join(" ")
            .contains(winner));
        assert_eq!(
            attrs(&loser_body, "#item-short-title", "value"),
            [loser_title]
        );
        let page = app.browser().get(&format!("/items/{S321}")).await;
        let shown = texts(&page.body, ".short-title").join(" ");
        assert!(
            shown.contains(winner) && !shown.contains(loser_title),
            "{shown}"
        );
        let history = app.browser().get(&format!("/items/{S321}/history")).await;
        assert_eq!(
            texts(&history.body, ".revision")
                .iter()
                .filter(|r| r.contains("Edited fields"))
                .count(),
            1
        );
        // Saving the kept form again is a deliberate overwrite, and works.
        let again = form_fields(&loser_body, &path);
        let who = if a.status == 303 { &bo } else { &ana };
        assert_eq!(who.post_fields(&path, &again).await.status, 303);
        let page = app.browser().get(&format!("/items/{S321}")).await;
        assert_eq!(texts(&page.body, ".short-title"), [loser_title]);
    }
);

async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    tokio::join!(a, b)
}

both_backends!(events_are_corrected_and_retracted_with_history, |app| {
    let ed = app.editor("ed@example.org").await;
    let page = ed.get("/items/apple-alibaba-china-ai").await;
    let correct_links = attrs(&page.body, ".event-actions a[href$='/edit']", "href");
    assert_eq!(correct_links.len(), 8);
    // The sixth event by date is the 2025-06-04 delay.
    let delayed = correct_links[5].clone();
    let fields = form_fields(&ed.get(&delayed).await.body, &delayed);
    let fields = with(
        fields,
        "note",
        "Financial Times reports CAC approval stalled.",
    );
    assert_eq!(ed.post_fields(&delayed, &fields).await.status, 303);

    let retract = delayed.replace("/edit", "/retract");
    let a = ed.submit(&retract, &[("reason", "")]).await;
    assert_eq!(a.status, 422, "a reason is required");
    let a = ed
        .submit(
            &retract,
            &[("reason", "Report withdrawn by the publisher.")],
        )
        .await;
    assert_eq!(a.status, 303);

    let page = app.browser().get("/items/apple-alibaba-china-ai").await;
    let events = texts(&page.body, ".history .event");
    assert_eq!(events.len(), 8, "a retracted event stays in the history");
    assert!(
        events[5].contains("Retracted") && events[5].contains("Report withdrawn by the publisher.")
    );
    // The status falls back to the latest standing event.
    let current = texts(&page.body, ".current").remove(0);
    assert!(
        current.contains("Under political scrutiny") && current.contains("Pending"),
        "{current}"
    );
    // The timeline no longer lists it.
    let timeline = app.browser().get("/?kind=deal").await;
    assert_eq!(texts(&timeline.body, ".events .event").len(), 7);
    let history = app
        .browser()
        .get("/items/apple-alibaba-china-ai/history")
        .await;
    let revs = texts(&history.body, ".revision");
    assert!(revs[0].contains("Retracted a status event"));
    assert!(
        revs[1].contains("Corrected a status event") && revs[1].contains("CAC approval stalled.")
    );
});

both_backends!(links_are_added_and_removed, |app| {
    let ed = app.editor("ed@example.org").await;
    let a = ed
        .submit(
            "/items/us-bis-ai-diffusion-rule/links/new",
            &[
                ("relation", "could restrict"),
                ("target", "alibaba-qwen2-5-max"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let qwen = app.browser().get("/items/alibaba-qwen2-5-max").await;
    assert!(texts(&qwen.body, ".links li")
        .iter()
        .any(|l| l.contains("BIS AI Diffusion Rule could restrict this item")));

    let page = ed.get("/items/us-bis-ai-diffusion-rule").await;
    let remove = attrs(&page.body, ".links form", "action").remove(0);
    let token = attrs(&page.body, ".links form input[name=csrf_token]", "value").remove(0);
    assert_eq!(
        ed.post(&remove, &[("csrf_token", &token)]).await.status,
        303
    );
    let qwen = app.browser().get("/items/alibaba-qwen2-5-max").await;
    assert!(!qwen.body.contains("BIS AI Diffusion Rule could restrict"));
    assert_eq!(
        ed.post(&remove, &[("csrf_token", &token)]).await.status,
        404
    );
});

both_backends!(
    correcting_a_status_into_a_development_clears_its_phase,
    |app| {
        let ed = app.editor("ed@example.org").await;
        assert_eq!(
            texts(
                &app.page("/?kind=bill&phase=proposed", 200).await,
                ".events .event"
            )
            .len(),
            1
        );
        let page = ed.get(&format!("/items/{S321}")).await;
        let correct = attrs(&page.body, ".event-actions a[href$='/edit']", "href").remove(0);
        let fields = with(
            form_fields(&ed.get(&correct).await.body, &correct),
            "status",
            "press-report",
        );
        assert_eq!(ed.post_fields(&correct, &fields).await.status, 303);
        // The event no longer counts as a proposal, anywhere.
        assert!(texts(
            &app.page("/?kind=bill&phase=proposed", 200).await,
            ".events .event"
        )
        .is_empty());
        let page = app.browser().get(&format!("/items/{S321}")).await;
        assert!(texts(&page.body, ".current")
            .remove(0)
            .contains("No status recorded yet"));
        assert!(texts(&page.body, ".history .event")
            .remove(0)
            .contains("Development"));
    }
);

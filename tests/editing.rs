//! Editing as editors do it: through the web forms of the running app.

mod common;

use common::{attrs, form_fields, texts, with, PASSWORD};
use regwatch::store::users::Role;

const S321: &str = "us-s321-ai-decoupling-act";

fn new_item<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "bill"),
        ("title", "Chip Security Act"),
        ("short_title", "Chip Security Act (S.1705)"),
        ("slug", ""),
        ("jurisdiction", "US"),
        ("identifiers", "S.1705\n119th Congress"),
        ("parties", "Sen. Tom Cotton (R-AR), sponsor"),
        ("tags", "ai, export-controls, semiconductors"),
        (
            "summary",
            "Would require location verification for export-controlled chips.",
        ),
        ("status_summary", ""),
    ]
}

both_backends!(anonymous_visitors_are_sent_to_sign_in_and_back, |app| {
    let reader = app.browser();
    let page = reader.get(&format!("/items/{S321}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("Edit item"),
        "readers see no edit controls"
    );
    assert!(!page.body.contains("Record status event"));

    for path in [
        "/items/new",
        &format!("/items/{S321}/edit"),
        &format!("/items/{S321}/events/new"),
    ] {
        let a = reader.get(path).await;
        assert_eq!(a.status, 303, "{path}");
        let location = a.location.unwrap();
        assert!(location.starts_with("/login?next="), "{path}: {location}");
    }
    // Writes too, and nothing is stored.
    let before = app.count("items");
    let a = reader.post("/items/new", &new_item()).await;
    assert_eq!(a.status, 303);
    assert_eq!(app.count("items"), before);

    // After signing in, the editor lands where they were going.
    app.create_user("ed@example.org", PASSWORD, Role::Editor);
    let login = reader.get("/items/new").await.location.unwrap();
    let token = reader.csrf(&login).await;
    let next = attrs(&reader.get(&login).await.body, "input[name=next]", "value").remove(0);
    assert_eq!(next, "/items/new");
    let a = reader
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "ed@example.org"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/items/new")));
    let page = reader.get(&format!("/items/{S321}")).await;
    assert!(page.body.contains("Edit item"), "editors see the controls");
    assert!(page.body.contains("Signed in as ed@example.org"));
});

both_backends!(sign_in_never_redirects_off_site, |app| {
    app.create_user("ed@example.org", PASSWORD, Role::Editor);
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let b = app.browser();
        let token = b.csrf("/login").await;
        let a = b
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", "ed@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(
            (a.status, a.location.as_deref()),
            (303, Some("/")),
            "{next}"
        );
    }
});

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

both_backends!(invalid_items_are_refused_field_by_field, |app| {
    let ed = app.editor("ed@example.org").await;
    let before = (
        app.count("items"),
        app.count("revisions"),
        app.count("changes"),
    );
    let long = "x".repeat(301);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("title", "", "title"),
        ("title", &long, "title"),
        ("kind", "", "kind"),
        ("kind", "treaty", "kind"),
        ("slug", S321, "slug"),
        ("slug", "Not A Slug", "slug"),
        ("slug", "new", "slug"),
        ("jurisdiction", "", "jurisdiction"),
        ("jurisdiction", "usa!", "jurisdiction"),
        ("tags", "ai, Export Controls", "tags"),
    ];
    for (field, value, error_field) in cases {
        let fields: Vec<(String, String)> = new_item()
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_owned(),
                    if k == field {
                        value.to_owned()
                    } else {
                        v.to_owned()
                    },
                )
            })
            .collect();
        let token = ed.csrf("/items/new").await;
        let a = ed
            .post_fields("/items/new", &with(fields, "csrf_token", &token))
            .await;
        assert_eq!(a.status, 422, "{field}={value:?}");
        let id = format!("#item-{}-error", error_field.replace('_', "-"));
        assert_eq!(
            texts(&a.body, &id).len(),
            1,
            "{field}={value:?}: message beside the field"
        );
        // What the user typed is still there.
        assert_eq!(
            attrs(&a.body, "#item-short-title", "value"),
            ["Chip Security Act (S.1705)"]
        );
        assert!(a.body.contains("Would require location verification"));
        assert!(a.body.contains("Nothing was saved."));
    }
    assert_eq!(
        (
            app.count("items"),
            app.count("revisions"),
            app.count("changes")
        ),
        before
    );
});

both_backends!(invalid_events_and_links_are_refused, |app| {
    let ed = app.editor("ed@example.org").await;
    let events = app.count("status_events");
    let path = format!("/items/{S321}/events/new");
    let good = [
        ("date", "2025-03-01"),
        ("precision", "day"),
        ("status", "referred"),
        ("note", "Referred."),
        ("source_url", "https://www.congress.gov/"),
        ("confidence", "high"),
    ];
    for (field, value) in [
        ("date", ""),
        ("date", "2025-02-30"),
        ("date", "2025-03"),
        ("precision", "week"),
        ("status", "final-rule"),
        ("status", ""),
        ("source_url", "ftp://example.org/x"),
        ("source_url", "javascript:alert(1)"),
        ("source_url", ""),
        ("confidence", "certain"),
    ] {
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|&(k, v)| (k, if k == field { value } else { v }))
            .collect();
        let a = ed.submit(&path, &fields).await;
        assert_eq!(a.status, 422, "{field}={value:?}");
        let error_field = if field == "source_url" {
            "source"
        } else {
            field
        };
        assert_eq!(
            texts(&a.body, &format!("#event-{error_field}-error")).len(),
            1,
            "{field}={value:?}: message beside the field"
        );
        assert!(a.body.contains("Referred."), "input kept");
    }
    assert_eq!(app.count("status_events"), events);

    let links = app.count("item_links");
    let link_path = format!("/items/{S321}/links/new");
    for (target, relation, field) in [
        (S321, "amends", "target"),
        ("no-such-item", "amends", "target"),
        ("apple-alibaba-china-ai", "could restrict", "relation"),
        ("apple-alibaba-china-ai", "", "relation"),
        ("Bad Slug", "amends", "target"),
    ] {
        let a = ed
            .submit(&link_path, &[("target", target), ("relation", relation)])
            .await;
        assert_eq!(a.status, 422, "{target} {relation}");
        assert_eq!(
            texts(&a.body, &format!("#link-{field}-error")).len(),
            1,
            "{target} {relation}: {}",
            a.body
        );
    }
    assert_eq!(app.count("item_links"), links);
});

both_backends!(forms_without_the_right_token_change_nothing, |app| {
    let ed = app.editor("ed@example.org").await;
    let before = app.count("items");
    let a = ed.post("/items/new", &new_item()).await;
    assert_eq!(a.status, 403);
    let mut wrong = new_item();
    wrong.push(("csrf_token", "0000"));
    let a = ed.post("/items/new", &wrong).await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("Reload the page"));
    // A token from another session is no good either.
    let other = app.editor("other@example.org").await;
    let foreign = other.csrf("/items/new").await;
    let mut stolen = new_item();
    stolen.push(("csrf_token", &foreign));
    assert_eq!(ed.post("/items/new", &stolen).await.status, 403);
    let event = [
        ("csrf_token", "nope"),
        ("date", "2025-03-01"),
        ("status", "referred"),
        ("source_url", "https://x.org/"),
        ("confidence", "high"),
    ];
    assert_eq!(
        ed.post(&format!("/items/{S321}/events/new"), &event)
            .await
            .status,
        403
    );
    assert_eq!(
        ed.post("/logout", &[("csrf_token", "nope")]).await.status,
        403
    );
    assert_eq!(
        ed.get("/items/new").await.status,
        200,
        "still signed in after a forged sign-out"
    );
    assert_eq!(app.count("items"), before);
    assert_eq!(app.count("status_events"), 28);
});

both_backends!(oversized_forms_get_413, |app| {
    let ed = app.editor("ed@example.org").await;
    let huge = "x".repeat(200 * 1024);
    let token = ed.csrf("/items/new").await;
    let a = ed
        .post(
            "/items/new",
            &[
                ("csrf_token", &token),
                ("kind", "bill"),
                ("title", "T"),
                ("jurisdiction", "US"),
                ("summary", &huge),
            ],
        )
        .await;
    assert_eq!(a.status, 413);
    assert_eq!(app.count("items"), 7);
});

both_backends!(disabled_accounts_are_refused, |app| {
    let ed = app.editor("ed@example.org").await;
    assert_eq!(ed.get("/items/new").await.status, 200);
    {
        let mut conn = app.db();
        regwatch::store::users::set_disabled(&mut conn, "ed@example.org", true).unwrap();
    }
    // The open session ends at once...
    let a = ed.get("/items/new").await;
    assert_eq!(a.status, 303);
    // ...and signing in again is refused with a clear message.
    let b = app.browser();
    let a = b.sign_in("ed@example.org", PASSWORD).await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("This account is disabled"));
});

both_backends!(repeated_failed_sign_ins_are_slowed_then_refused, |app| {
    app.create_user("ed@example.org", PASSWORD, Role::Editor);
    let b = app.browser();
    let mut took = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let a = b.sign_in("ed@example.org", "wrong password!").await;
        took.push(started.elapsed());
        assert_eq!(a.status, 401);
        assert!(a.body.contains("do not match an account"));
        assert_eq!(
            attrs(&a.body, "#login-email", "value"),
            ["ed@example.org"],
            "address kept"
        );
    }
    // After 3 failures each attempt waits first: 250 ms, then 500 ms.
    for (attempt, wait_ms) in [(3, 250), (4, 500)] {
        assert!(
            took[attempt] >= std::time::Duration::from_millis(wait_ms),
            "attempt {} took {:?}, expected at least {wait_ms} ms",
            attempt + 1,
            took[attempt]
        );
    }
    // Now from this network even the right password is refused for a while
    // (from elsewhere it is not: see tests/security_sessions.rs).
    let a = b.sign_in("ed@example.org", PASSWORD).await;
    assert_eq!(a.status, 429);
    assert!(a.body.contains("Too many failed sign-in attempts"));
    assert!(a.body.contains("Try again in"));
    // Another address is unaffected.
    app.create_user("other@example.org", PASSWORD, Role::Editor);
    assert_eq!(
        app.browser()
            .sign_in("other@example.org", PASSWORD)
            .await
            .status,
        303
    );
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

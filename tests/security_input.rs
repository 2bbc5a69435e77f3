//! Hostile text through every way in: NUL and other control characters,
//! line breaks in one-line fields, a right-to-left override, a URL with a
//! line break in its host. Each is refused with a message beside its field
//! and the input kept (422), a 400 naming the query parameter, or a 404 for
//! an address; never a 500, and nothing is stored. PostgreSQL refuses NUL
//! outright, so the PostgreSQL variants are the ones that used to fail.
//! Here: the editors' forms. Sign-in, subscriptions, queries, addresses and
//! mail are in `security_input_public.rs`.

mod common;

use common::hostile::{
    kept, new_event, new_item, post_form, refused_beside, stored, BREAKS, CONTROLS,
    ONE_LINE_ITEM_FIELDS,
};
use common::{attrs, form_fields, texts, with};

const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";

both_backends!(item_forms_refuse_control_characters_field_by_field, |app| {
    let ed = app.editor("ed@example.org").await;
    let before = stored(&app);
    let mut cases: Vec<(&str, &str, String, &str)> = Vec::new();
    for (field, id) in ONE_LINE_ITEM_FIELDS {
        for c in CONTROLS {
            cases.push((field, id, format!("Chip{c}Act"), "control character"));
        }
        for br in BREAKS {
            cases.push((field, id, format!("Chip{br}Bcc: x@example.org"), "one line"));
        }
        cases.push((field, id, "Chip\tAct".into(), "a tab"));
    }
    for (field, id) in [
        ("identifiers", "item-identifiers"),
        ("parties", "item-parties"),
    ] {
        for c in CONTROLS {
            cases.push((
                field,
                id,
                format!("S.1705\r\nSen{c}ator"),
                "control character",
            ));
        }
    }
    for c in CONTROLS {
        cases.push((
            "summary",
            "item-summary",
            format!("First line.\r\nSecond{c}line."),
            "control character",
        ));
    }
    for (field, id) in [
        ("slug", "item-slug"),
        ("jurisdiction", "item-jurisdiction"),
        ("tags", "item-tags"),
    ] {
        cases.push((field, id, "ai\0".into(), ""));
        cases.push((field, id, "ai\r\nx".into(), ""));
    }
    for (field, id, value, message) in &cases {
        let a = post_form(&ed, "/items/new", with(new_item(), field, value)).await;
        refused_beside(&a, id, message, value);
    }
    assert_eq!(stored(&app), before, "nothing stored");

    // The same on the edit form of an existing item, which stays as it was.
    let edit = format!("/items/{S321}/edit");
    let page_before = app.page(&format!("/items/{S321}"), 200).await;
    for (field, id) in ONE_LINE_ITEM_FIELDS {
        for value in ["Chip\0Act", "Chip\r\nAct"] {
            let fields = form_fields(&ed.get(&edit).await.body, &edit);
            let a = ed.post_fields(&edit, &with(fields, field, value)).await;
            refused_beside(&a, id, "", value);
        }
    }
    let fields = form_fields(&ed.get(&edit).await.body, &edit);
    let a = ed
        .post_fields(&edit, &with(fields, "summary", "Now\u{1b}[2J cleared"))
        .await;
    refused_beside(
        &a,
        "item-summary",
        "control character",
        "Now\u{1b}[2J cleared",
    );
    assert_eq!(stored(&app), before, "nothing stored");
    let page_after = app.page(&format!("/items/{S321}"), 200).await;
    assert_eq!(
        texts(&page_after, "article"),
        texts(&page_before, "article")
    );
});

both_backends!(accepted_text_is_normalised, |app| {
    let ed = app.editor("ed@example.org").await;
    let fields = with(new_item(), "title", "  Chip Security Act  ");
    let fields = with(
        fields,
        "summary",
        "First line.\r\n\tSecond line.\rThird.\r\n",
    );
    let a = post_form(&ed, "/items/new", fields).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let edit = ed.get("/items/chip-security-act/edit").await.body;
    assert_eq!(kept(&edit, "item-title"), "Chip Security Act");
    assert_eq!(
        kept(&edit, "item-summary"),
        "First line.\n\tSecond line.\nThird."
    );
    assert_eq!(kept(&edit, "item-identifiers"), "S.1705\n119th Congress");
});

both_backends!(
    event_forms_refuse_control_characters_and_broken_urls,
    |app| {
        let ed = app.editor("ed@example.org").await;
        let before = stored(&app);
        let mut cases: Vec<(&str, &str, String, &str)> = Vec::new();
        for c in CONTROLS {
            cases.push((
                "note",
                "event-note",
                format!("Introduced{c}today."),
                "control character",
            ));
            cases.push(("date", "event-date", format!("2025-05{c}-01"), ""));
        }
        for url in [
            "https://ex\r\nample.org/",
            "https://ex\nample.org/",
            "https://ex\tample.org/",
            "https://example.org/a\0b",
            "https://example.org/\u{1b}[31m",
            "https://example.org/a b",
        ] {
            cases.push((
                "source_url",
                "event-source",
                url.to_owned(),
                "no spaces, line breaks or control characters",
            ));
        }
        let new = format!("/items/{S321}/events/new");
        for (field, id, value, message) in &cases {
            let a = post_form(&ed, &new, with(new_event(), field, value)).await;
            refused_beside(&a, id, message, value);
        }
        // Correcting an event: the same rules.
        let page = ed.get(&format!("/items/{APPLE}")).await.body;
        let correct = attrs(&page, ".event-actions a[href$='/edit']", "href").remove(0);
        for (field, id, value, message) in &cases {
            let fields = form_fields(&ed.get(&correct).await.body, &correct);
            let a = ed.post_fields(&correct, &with(fields, field, value)).await;
            refused_beside(&a, id, message, value);
        }
        assert_eq!(stored(&app), before, "nothing stored");

        // A URL is stored as the url crate writes it.
        let fields = with(new_event(), "source_url", "HTTPS://WWW.Congress.GOV");
        let a = post_form(&ed, &new, fields).await;
        assert_eq!(a.status, 303, "{}", a.body);
        let page = app.page(&format!("/items/{S321}"), 200).await;
        assert!(
            attrs(&page, ".source a", "href").contains(&"https://www.congress.gov/".to_owned()),
            "normalised URL"
        );
    }
);

both_backends!(retractions_and_links_refuse_control_characters, |app| {
    let ed = app.editor("ed@example.org").await;
    let before = stored(&app);
    let page = ed.get(&format!("/items/{APPLE}")).await.body;
    let retracted = texts(&page, ".retracted-badge").len();
    let retract = attrs(&page, ".event-actions a[href$='/retract']", "href").remove(0);
    for c in CONTROLS {
        let reason = format!("Report{c}withdrawn.");
        let a = post_form(&ed, &retract, vec![("reason".into(), reason.clone())]).await;
        refused_beside(&a, "retract-reason", "control character", &reason);
    }
    let links = format!("/items/{S321}/links/new");
    let mut cases: Vec<(&str, &str, String)> = Vec::new();
    for c in CONTROLS.iter().chain(&BREAKS) {
        cases.push(("relation", "link-relation", format!("could{c}restrict")));
        cases.push(("target", "link-target", format!("{APPLE}{c}x")));
    }
    for (field, id, value) in &cases {
        let fields = with(
            vec![
                ("relation".into(), "could restrict".into()),
                ("target".into(), APPLE.into()),
            ],
            field,
            value,
        );
        let a = post_form(&ed, &links, fields).await;
        refused_beside(&a, id, "", value);
    }
    assert_eq!(stored(&app), before, "nothing stored");
    let after = app.page(&format!("/items/{APPLE}"), 200).await;
    assert_eq!(
        texts(&after, ".retracted-badge").len(),
        retracted,
        "nothing retracted"
    );

    // A retraction reason may span lines.
    let a = post_form(
        &ed,
        &retract,
        vec![(
            "reason".into(),
            "Report withdrawn.\r\nSee the correction.".into(),
        )],
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
});

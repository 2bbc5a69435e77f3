//! Hostile text through every way in: NUL and other control characters,
//! line breaks in one-line fields, a right-to-left override, a URL with a
//! line break in its host. Each is refused with a message beside its field
//! and the input kept (422), a 400 naming the query parameter, or a 404 for
//! an address; never a 500, and nothing is stored. PostgreSQL refuses NUL
//! outright, so the PostgreSQL variants are the ones that used to fail.

mod common;

use common::{attrs, form_fields, texts, with, Answer, Browser, TestApp, PASSWORD};
use regwatch::store::users::Role;

const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";

/// Control characters every text field refuses: NUL, BEL, ESC (starting a
/// terminal colour sequence), DEL and a C1 control (NEL).
const CONTROLS: [&str; 5] = ["\0", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}"];
/// Line breaks that one-line fields refuse.
const BREAKS: [&str; 3] = ["\r\n", "\n", "\r"];

/// Rows of every table a form writes to, to show nothing was stored.
fn stored(app: &TestApp) -> Vec<i64> {
    [
        "items",
        "item_identifiers",
        "item_parties",
        "item_tags",
        "revisions",
        "changes",
        "status_events",
        "item_links",
        "subscribers",
        "subscriptions",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

/// What a field holds on a re-rendered form (an input's value or a
/// textarea's text).
fn kept(html: &str, id: &str) -> String {
    let value = attrs(html, &format!("input#{id}"), "value");
    match value.into_iter().next() {
        Some(v) => v,
        None => scraper::Html::parse_document(html)
            .select(&scraper::Selector::parse(&format!("textarea#{id}")).unwrap())
            .next()
            .unwrap_or_else(|| panic!("no field #{id}"))
            .text()
            .collect(),
    }
}

/// Asserts a 422 with `message` beside field `id`, and the typed text kept
/// around the refused character (an HTML parser shows NUL as U+FFFD and
/// CR LF as LF, so only the printable ends are compared).
fn refused_beside(a: &Answer, id: &str, message: &str, typed: &str) {
    assert_eq!(a.status, 422, "#{id} with {typed:?}: {}", a.body);
    let error = texts(&a.body, &format!("#{id}-error"));
    assert!(
        error.iter().any(|e| e.contains(message)),
        "#{id} with {typed:?}: expected {message:?} beside the field, got {error:?}"
    );
    let value = kept(&a.body, id);
    let (head, tail) = (printable_head(typed), printable_tail(typed));
    assert!(
        value.starts_with(&head) && value.ends_with(&tail),
        "#{id}: input not kept: {value:?} from {typed:?}"
    );
}

fn printable_head(s: &str) -> String {
    s.chars().take_while(|c| !c.is_control()).collect()
}

fn printable_tail(s: &str) -> String {
    let tail: String = s.chars().rev().take_while(|c| !c.is_control()).collect();
    tail.chars().rev().collect()
}

fn new_item() -> Vec<(String, String)> {
    [
        ("kind", "bill"),
        ("title", "Chip Security Act"),
        ("short_title", "Chip Security Act (S.1705)"),
        ("original_title", ""),
        ("slug", "chip-security-act"),
        ("jurisdiction", "US"),
        ("identifiers", "S.1705\r\n119th Congress"),
        ("parties", "Sen. Tom Cotton (R-AR), sponsor"),
        ("tags", "ai, export-controls"),
        (
            "summary",
            "Would require location verification.\r\nSecond line.",
        ),
        ("status_summary", "In committee."),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn post_form(b: &Browser, path: &str, fields: Vec<(String, String)>) -> Answer {
    let token = b.csrf(path).await;
    b.post_fields(path, &with(fields, "csrf_token", &token))
        .await
}

/// One-line item fields with their element ids.
const ONE_LINE_ITEM_FIELDS: [(&str, &str); 4] = [
    ("title", "item-title"),
    ("short_title", "item-short-title"),
    ("original_title", "item-original-title"),
    ("status_summary", "item-status-summary"),
];

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

/// The new-event form of an item, filled in correctly.
fn new_event() -> Vec<(String, String)> {
    [
        ("date", "2025-05-01"),
        ("precision", "day"),
        ("status", "introduced"),
        ("note", "Introduced in the Senate."),
        (
            "source_url",
            "https://www.congress.gov/bill/119th-congress/senate-bill/321",
        ),
        ("confidence", "high"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

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

both_backends!(sign_in_refuses_control_characters_without_an_error, |app| {
    app.create_user("ed@example.org", PASSWORD, Role::Editor);
    for email in [
        "a\0b@example.org",
        "ed@example.org\0",
        "ed\u{1b}@example.org",
        "ed@example.org\r\nBcc: x@example.org",
    ] {
        let b = app.browser();
        let a = b.sign_in(email, PASSWORD).await;
        assert_eq!(a.status, 422, "{email:?}: {}", a.body);
        assert!(
            texts(&a.body, ".form-errors")
                .iter()
                .any(|e| e.contains("control characters")),
            "{email:?}: {}",
            a.body
        );
        assert!(kept(&a.body, "login-email").starts_with(&printable_head(email)));
        assert!(b.get("/items/new").await.status == 303, "not signed in");
    }
    // A password holding NUL is simply wrong.
    let a = app.browser().sign_in("ed@example.org", "pass\0word").await;
    assert!(matches!(a.status, 401 | 422), "{}: {}", a.status, a.body);
});

both_backends!(subscribe_forms_refuse_control_characters, |app| {
    let before = stored(&app);
    let reader = app.browser();
    let cases: [(&str, &str, &str); 8] = [
        ("email", "a\0b@example.org", "email"),
        ("email", "jane@example.org\r\nBcc: x@example.org", "email"),
        ("scope", "tag:ai\0", "scope"),
        ("scope", "item:\u{1b}", "scope"),
        ("scope", "jurisdiction:US\u{7}", "scope"),
        ("scope", "filter:q=a%00b", "scope"),
        ("scope", "filter:q=chips\u{7}", "scope"),
        ("frequency", "weekly\0", "frequency"),
    ];
    for (field, value, error) in cases {
        let mut fields = vec![
            ("email", "jane@example.org"),
            ("scope", "all"),
            ("frequency", "weekly"),
        ];
        for f in fields.iter_mut().filter(|f| f.0 == field) {
            f.1 = value;
        }
        let a = reader.post("/subscriptions", &fields).await;
        assert_eq!(a.status, 422, "{field}={value:?}: {}", a.body);
        assert_eq!(
            texts(&a.body, &format!("#{error}-error")).len(),
            1,
            "{field}={value:?}: message beside the field"
        );
    }
    // The subscribe page reached from a view.
    for scope in ["tag:ai%00", "filter:q%3Da%2500b", "item:%1B"] {
        let a = reader
            .get(&format!("/subscriptions/new?scope={scope}"))
            .await;
        assert_eq!(a.status, 422, "{scope}: {}", a.body);
        assert_eq!(texts(&a.body, "#scope-error").len(), 1, "{scope}");
    }
    assert_eq!(stored(&app), before, "nothing stored");
});

both_backends!(managing_alerts_refuses_control_characters, |app| {
    use regwatch::clock::Clock;
    use regwatch::domain::{EmailAddress, Frequency, Scope, SubscriberId};
    use regwatch::store::subscriptions::{self, TokenPurpose};
    let mut conn = app.db();
    let jane = EmailAddress::try_from("jane@example.org").unwrap();
    subscriptions::subscribe_confirmed(
        &mut conn,
        &jane,
        &Scope::All,
        Frequency::Weekly,
        Clock::system().now(),
    )
    .unwrap();
    let subscriber: SubscriberId = {
        use diesel::prelude::*;
        use regwatch::schema::subscribers as s;
        s::table.select(s::id).first(&mut conn).unwrap()
    };
    let token = subscriptions::issue_token(
        &mut conn,
        TokenPurpose::Manage,
        subscriber,
        None,
        Clock::system().now(),
    )
    .unwrap();
    let before = stored(&app);
    let reader = app.browser();
    let add = format!("/subscriptions/manage/{token}/add");
    for (scope_type, value) in [
        ("tag", "ai\0"),
        ("tag\0", "ai"),
        ("item", "\u{1b}[31m"),
        ("filter", "q=a%00b"),
        ("filter", "q=chips\r\nx"),
        ("jurisdiction", "US\u{7}"),
    ] {
        let a = reader
            .post(
                &add,
                &[
                    ("scope_type", scope_type),
                    ("scope_value", value),
                    ("frequency", "weekly"),
                ],
            )
            .await;
        assert_eq!(a.status, 422, "{scope_type:?} {value:?}: {}", a.body);
        assert_eq!(texts(&a.body, "#scope-error").len(), 1);
    }
    let a = reader
        .post(&add, &[("scope_type", "all"), ("frequency", "weekly\0")])
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(stored(&app), before, "nothing stored");
});

both_backends!(
    query_parameters_with_control_characters_get_a_400_naming_them,
    |app| {
        for path in ["/", "/items"] {
            for param in [
                "q",
                "jurisdiction",
                "kind",
                "tag",
                "phase",
                "from",
                "to",
                "sort",
                "dir",
                "page",
            ] {
                for value in ["chips%00", "chips%1B%5B31m", "%07", "a%0D%0Ab", "%C2%85"] {
                    let url = format!("{path}?{param}={value}");
                    let a = app.get(&url).await;
                    let status = a.status().as_u16();
                    let body = a.text().await.unwrap();
                    assert_eq!(status, 400, "{url}: {body}");
                    assert!(
                        body.contains(&format!("Parameter &quot;{param}&quot;")),
                        "{url}: {body}"
                    );
                }
            }
            // Text that is not UTF-8 is read with U+FFFD in its place.
            let a = app.get(&format!("{path}?q=%FF")).await;
            assert_eq!(a.status().as_u16(), 200, "{path}?q=%FF");
        }
    }
);

both_backends!(addresses_with_control_characters_are_not_found, |app| {
    let ed = app.editor("ed@example.org").await;
    let token = "0".repeat(64);
    for path in [
        "/items/a%00b".to_owned(),
        format!("/items/{S321}%00"),
        format!("/items/{S321}%1B/history"),
        format!("/items/%E2%80%AE{S321}"),
        format!("/items/{S321}%00/edit"),
        format!("/items/{S321}%00/events/new"),
        format!("/items/{S321}%00/links/new"),
        "/subscriptions/confirm/%00".to_owned(),
        format!("/subscriptions/unsubscribe/{}%00", &token[..63]),
        format!("/subscriptions/manage/{token}%00"),
        "/static/style.css%00".to_owned(),
    ] {
        let a = ed.get(&path).await;
        assert_eq!(a.status, 404, "{path}: {}", a.body);
    }
    for path in [
        format!("/subscriptions/confirm/{token}%00"),
        format!("/subscriptions/unsubscribe/{token}%07"),
        format!("/subscriptions/manage/{token}%1B/remove-all"),
    ] {
        let a = ed.post(&path, &[]).await;
        assert_eq!(a.status, 404, "POST {path}: {}", a.body);
    }
});

/// How many text nodes hold `needle`, and those of them that sit neither
/// in a `<bdi>` nor in an element with a `dir` attribute. The page title
/// (which holds no markup) and form fields (isolated by the browser) are
/// left out.
fn isolated(html: &str, needle: &str) -> (usize, Vec<String>) {
    let doc = scraper::Html::parse_document(html);
    let mut found = 0;
    let mut bare = Vec::new();
    for node in doc.tree.nodes() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        if !text.contains(needle) {
            continue;
        }
        let elements: Vec<_> = node
            .ancestors()
            .filter_map(|a| {
                a.value()
                    .as_element()
                    .map(|e| (e.name().to_owned(), e.attr("dir").is_some()))
            })
            .collect();
        if elements
            .iter()
            .any(|(name, _)| name == "title" || name == "textarea")
        {
            continue;
        }
        found += 1;
        if !elements.iter().any(|(name, dir)| name == "bdi" || *dir) {
            bare.push(text.to_string());
        }
    }
    (found, bare)
}

both_backends!(right_to_left_overrides_are_kept_but_isolated, |app| {
    let ed = app.editor("ed@example.org").await;
    const RLO: &str = "\u{202e}";
    // Accepted everywhere text is free: the override is a legitimate
    // character (it is how some right-to-left text is written).
    let fields = with(new_item(), "title", &format!("Chip {RLO}tca ytiruceS"));
    let fields = with(fields, "short_title", &format!("Chips {RLO}S.1705"));
    let fields = with(fields, "parties", &format!("Sen. {RLO}nottoC moT"));
    let fields = with(fields, "summary", &format!("Line one.\r\n{RLO}owt eniL"));
    let fields = with(fields, "status_summary", &format!("In {RLO}eettimmoc"));
    let a = post_form(&ed, "/items/new", fields).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let item = "/items/chip-security-act";
    let a = post_form(
        &ed,
        &format!("{item}/events/new"),
        with(
            new_event(),
            "note",
            &format!("Introduced.\r\n{RLO}etaneS eht ni"),
        ),
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let a = post_form(
        &ed,
        &format!("{item}/links/new"),
        vec![
            ("relation".into(), format!("could {RLO}tcirtser")),
            ("target".into(), APPLE.into()),
        ],
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);

    for (path, at_least) in [
        (item.to_owned(), 7),
        ("/?q=ytiruces".to_owned(), 2),
        ("/items?q=ytiruces".to_owned(), 2),
        (format!("{item}/history"), 3),
        (format!("/items/{APPLE}"), 2),
        (format!("{item}/edit"), 1),
    ] {
        let page = ed.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let (found, bare) = isolated(&page.body, RLO);
        assert!(found >= at_least, "{path}: {found} occurrences");
        assert!(bare.is_empty(), "{path}: not isolated: {bare:?}");
    }
});

both_backends!(mail_subjects_hold_no_control_characters, |app| {
    use diesel::prelude::*;
    use regwatch::clock::Clock;
    use regwatch::domain::{EmailAddress, Frequency, ItemId, Scope};
    use regwatch::mail::compose;
    use regwatch::schema::{deliveries, items};
    use regwatch::store::deliveries::DeliveryRow;
    use regwatch::store::subscriptions;
    let mut conn = app.db();
    // A title stored before titles were checked.
    diesel::update(items::table.filter(items::slug.eq(S321)))
        .set(items::title.eq("AI\u{1b}[2J Decoupling\u{7} Act\r\nBcc: x@example.org"))
        .execute(&mut conn)
        .unwrap();
    let id: ItemId = items::table
        .filter(items::slug.eq(S321))
        .select(items::id)
        .first(&mut conn)
        .unwrap();
    subscriptions::subscribe(
        &mut conn,
        &EmailAddress::try_from("jane@example.org").unwrap(),
        &Scope::Item(id),
        Frequency::Weekly,
        "127.0.0.1",
        Default::default(),
        Clock::system().now(),
    )
    .unwrap();
    let delivery: DeliveryRow = deliveries::table
        .order(deliveries::id.desc())
        .select(DeliveryRow::as_select())
        .first(&mut conn)
        .unwrap();
    let email = conn
        .transaction(|c| {
            compose(
                c,
                &delivery,
                "https://regwatch.example",
                &Default::default(),
                Clock::system().now(),
            )
        })
        .unwrap();
    assert_eq!(
        email.subject,
        "Confirm your regwatch alerts: the item “AI[2J Decoupling Act Bcc: x@example.org”"
    );
});

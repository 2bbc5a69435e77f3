//! Hostile text through the ways in that need no editor's form: sign-in,
//! subscribing and managing alerts, query parameters and addresses; a
//! right-to-left override is kept but isolated, and mail subjects hold no
//! control characters. Never a 500, and nothing is stored. (The editors'
//! forms are in `security_input.rs`.)

mod common;

use common::hostile::{kept, new_event, new_item, post_form, printable_head, stored};
use common::{texts, with, PASSWORD};
use regwatch::store::users::Role;

const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";

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

//! The subscription pages: the subscribe form refuses bad input and
//! floods; the manage and unsubscribe pages do what their links say.

mod common;

use common::alerts::{configure, confirmed, count_subscriptions, post_form};
use common::{attrs, texts, TestApp};
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::db::Backend;
use regwatch::domain::{Frequency, Kind, Scope, SubscriberId};
use regwatch::store::subscriptions;

const S321: &str = "us-s321-ai-decoupling-act";

async fn the_subscribe_form_refuses_bad_input_and_floods(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        configure(s, None);
        s.subscribe_limits.per_address = 3;
        s.subscribe_limits.per_client = 6;
    })
    .await
    else {
        return;
    };
    let mut conn = app.db();
    // The timeline and a filtered view offer the box; the filtered view
    // offers its own filter.
    let page = app.page("/", 200).await;
    assert_eq!(
        attrs(&page, ".subscribe input[name=scope]", "value"),
        ["all"]
    );
    let page = app.page("/?kind=bill&tag=ai&page=2", 200).await;
    assert_eq!(
        attrs(&page, ".subscribe input[name=scope]", "value"),
        ["all", "filter:kind=bill&tag=ai"]
    );
    let page = app.page("/items?jurisdiction=CN", 200).await;
    assert!(attrs(&page, ".subscribe input[name=scope]", "value")
        .contains(&"filter:jurisdiction=CN".to_owned()));

    // Bad input: a message beside each field, the input kept, 422, nothing stored.
    for (body, field, message) in [
        (
            "email=not-an-address&scope=all&frequency=daily",
            "email",
            "is not an email address",
        ),
        ("email=&scope=all&frequency=daily", "email", "required"),
        (
            "email=a%40example.org&scope=all&frequency=hourly",
            "frequency",
            "choose immediate, daily or weekly",
        ),
        (
            "email=a%40example.org&scope=item%3Ano-such-item&frequency=daily",
            "scope",
            "no item has the address",
        ),
        (
            "email=a%40example.org&scope=tag%3A%3Cb%3E&frequency=daily",
            "scope",
            "is not a tag",
        ),
        (
            "email=a%40example.org&scope=filter%3Akind%3Dtreaty&frequency=daily",
            "scope",
            "not valid",
        ),
        (
            "email=a%40example.org&scope=planet%3Amars&frequency=daily",
            "scope",
            "choose what to follow",
        ),
        ("email=a%40example.org", "frequency", "choose"),
        ("", "email", "required"),
    ] {
        let (status, page) = post_form(&app, "/subscriptions", body).await;
        assert_eq!(status, 422, "{body}: {page}");
        let error = texts(&page, &format!("#{field}-error"));
        assert_eq!(error.len(), 1, "{body}: a message beside {field}");
        assert!(error[0].contains(message), "{body}: {error:?}");
    }
    let (_, page) = post_form(
        &app,
        "/subscriptions",
        "email=not-an-address&scope=all&frequency=daily",
    )
    .await;
    assert_eq!(
        attrs(&page, "input[name=email]", "value"),
        ["not-an-address"]
    );
    assert_eq!(
        attrs(&page, "input[name=frequency][checked]", "value"),
        ["daily"]
    );
    // Broken encodings are refused like any bad address; a body that is not
    // a form is a 400. Never a 500.
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        "email=%ZZ%FF&scope=all&frequency=daily",
    )
    .await;
    assert_eq!(status, 422);
    let res = app
        .client
        .post(app.url("/subscriptions"))
        .header("Content-Type", "application/json")
        .body("{\"email\": \"a@example.org\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let huge = format!(
        "email={}%40example.org&scope=all&frequency=daily",
        "a".repeat(70_000)
    );
    let (status, _) = post_form(&app, "/subscriptions", &huge).await;
    assert_eq!(status, 413);
    assert_eq!(count_subscriptions(&mut conn), 0, "nothing stored");

    // Subscribing again to the same scope creates nothing new.
    for _ in 0..2 {
        let (status, _) = post_form(
            &app,
            "/subscriptions",
            "email=Jo%40Example.org&scope=tag%3Aai&frequency=daily",
        )
        .await;
        assert_eq!(status, 303);
    }
    assert_eq!(count_subscriptions(&mut conn), 1);

    // Per address: the third request in the hour passes, the fourth not.
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        "email=jo%40example.org&scope=kind%3Abill&frequency=daily",
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = post_form(
        &app,
        "/subscriptions",
        "email=jo%40example.org&scope=kind%3Adeal&frequency=daily",
    )
    .await;
    assert_eq!(status, 429);
    assert!(texts(&page, "[role=alert]")[0]
        .contains("This address has asked for too many subscriptions"));
    assert_eq!(count_subscriptions(&mut conn), 2);

    // Per client: other addresses from the same client, up to its limit.
    let mut statuses = Vec::new();
    for n in 0..4 {
        let (status, _) = post_form(
            &app,
            "/subscriptions",
            &format!("email=x{n}%40example.org&scope=all&frequency=weekly"),
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(statuses, [303, 303, 303, 429]);
}
both_backends!(the_subscribe_form_refuses_bad_input_and_floods);

// ------------------------------------------------- manage and unsubscribe

async fn manage_and_unsubscribe_pages(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| configure(s, None)).await else {
        return;
    };
    let mut conn = app.db();
    let now = Clock::system().now();
    let first = confirmed(
        &mut conn,
        "kim@example.org",
        Scope::Tag("ai".try_into().unwrap()),
        Frequency::Immediate,
    );
    let second = confirmed(
        &mut conn,
        "kim@example.org",
        Scope::Kind(Kind::Deal),
        Frequency::Daily,
    );
    use regwatch::schema::subscriptions as s;
    let subscriber: SubscriberId = s::table
        .find(first)
        .select(s::subscriber_id)
        .first(&mut conn)
        .unwrap();
    let manage = subscriptions::issue_token(
        &mut conn,
        subscriptions::TokenPurpose::Manage,
        subscriber,
        None,
        now,
    )
    .unwrap();
    let unsubscribe = subscriptions::issue_token(
        &mut conn,
        subscriptions::TokenPurpose::Unsubscribe,
        subscriber,
        Some(second),
        now,
    )
    .unwrap();

    // Only hashes are stored.
    use regwatch::schema::subscription_tokens as t;
    let stored: Vec<String> = t::table.select(t::token_hash).load(&mut conn).unwrap();
    assert!(!stored.contains(&manage) && stored.contains(&subscriptions::hash_token(&manage)));

    let page = app
        .page(&format!("/subscriptions/manage/{manage}"), 200)
        .await;
    assert_eq!(
        texts(&page, ".subscription strong"),
        ["items tagged “ai”", "items of kind “Deal”"]
    );
    // Change a frequency.
    let (status, _) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/frequency"),
        &format!("subscription={first}&frequency=weekly"),
    )
    .await;
    assert_eq!(status, 303);
    let page = app
        .page(
            &format!("/subscriptions/manage/{manage}?done=frequency"),
            200,
        )
        .await;
    assert_eq!(
        attrs(&page, &format!("#freq-{first} option[selected]"), "value"),
        ["weekly"]
    );
    // Add a scope, with a bad one first.
    let (status, page) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/add"),
        "scope_type=item&scope_value=nothing-here&frequency=daily",
    )
    .await;
    assert_eq!(status, 422);
    assert!(texts(&page, "#scope-error")[0].contains("no item has the address"));
    assert_eq!(attrs(&page, "#scope-value", "value"), ["nothing-here"]);
    let (status, _) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/add"),
        &format!("scope_type=item&scope_value={S321}&frequency=immediate"),
    )
    .await;
    assert_eq!(status, 303);
    let page = app
        .page(&format!("/subscriptions/manage/{manage}"), 200)
        .await;
    assert_eq!(texts(&page, ".subscription strong").len(), 3);
    // Another subscriber's subscription cannot be touched from this link.
    let stranger = confirmed(
        &mut conn,
        "other@example.org",
        Scope::All,
        Frequency::Immediate,
    );
    let (status, _) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/remove"),
        &format!("subscription={stranger}"),
    )
    .await;
    assert_eq!(status, 404);

    // The unsubscribe link: GET shows one button and removes nothing.
    let page = app
        .page(&format!("/subscriptions/unsubscribe/{unsubscribe}"), 200)
        .await;
    assert_eq!(texts(&page, "main form button"), ["Unsubscribe"]);
    assert_eq!(count_subscriptions(&mut conn), 4);
    let (status, page) = post_form(
        &app,
        &format!("/subscriptions/unsubscribe/{unsubscribe}"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("items of kind “Deal”"));
    assert_eq!(count_subscriptions(&mut conn), 3);
    // Used again, or made up: a clear 404, never a 500.
    for path in [
        format!("/subscriptions/unsubscribe/{unsubscribe}"),
        format!("/subscriptions/unsubscribe/{}", "0".repeat(64)),
        "/subscriptions/unsubscribe/short".to_owned(),
        "/subscriptions/confirm/%00%ff".to_owned(),
        format!("/subscriptions/manage/{}", "g".repeat(64)),
    ] {
        assert_eq!(app.get(&path).await.status().as_u16(), 404, "{path}");
        let (status, _) = post_form(&app, &path, "").await;
        // The manage page itself takes no POST, whatever its token.
        let expected = if path.contains("/manage/") { 405 } else { 404 };
        assert_eq!(status, expected, "POST {path}");
    }
    // Unsubscribe from everything forgets the address.
    let (status, page) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/remove-all"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("You will get no more email"));
    assert_eq!(
        count_subscriptions(&mut conn),
        1,
        "only the stranger's is left"
    );
    assert_eq!(
        app.get(&format!("/subscriptions/manage/{manage}"))
            .await
            .status()
            .as_u16(),
        404
    );
}
both_backends!(manage_and_unsubscribe_pages);

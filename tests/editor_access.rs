//! Who may edit: visitors are sent to sign in and back (never off-site),
//! disabled accounts are refused, and repeated failed sign-ins are slowed,
//! then refused.

mod common;

use common::forms::new_item;
use common::{attrs, PASSWORD};
use regwatch::store::users::Role;

const S321: &str = "us-s321-ai-decoupling-act";

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

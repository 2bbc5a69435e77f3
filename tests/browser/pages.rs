//! Journey 5 and the accessibility pass: every page type, signed out and
//! signed in, checked by axe-core (no serious or critical violations) and
//! at phone width (no sideways scrolling); the keyboard alone reaches every
//! control with a visible focus ring.

use regwatch::store::users::Role;

use crate::a11y::{check_page, keyboard_walk};
use crate::support::eventually;

const ITEM: &str = "/items/apple-alibaba-china-ai";
const PASSWORD: &str = "a long enough passphrase";

/// Pages anyone may open.
const READER_PAGES: &[&str] = &[
    "/",
    "/?jurisdiction=CN&kind=deal",
    "/items",
    ITEM,
    "/items/apple-alibaba-china-ai/history",
    "/items/us-s321-ai-decoupling-act",
    "/upcoming",
    "/chart",
    "/overview",
    "/login",
    "/api",
    "/subscriptions/new?scope=all",
    "/no-such-page",
    "/?phase=sideways",
];

/// Pages for signed-in editors (and admins).
const EDITOR_PAGES: &[&str] = &[
    "/",
    ITEM,
    "/items/new",
    "/items/apple-alibaba-china-ai/edit",
    "/items/apple-alibaba-china-ai/events/new",
    "/items/apple-alibaba-china-ai/milestones/new",
    "/items/apple-alibaba-china-ai/links/new",
    "/account",
    "/account/tokens",
    "/admin/deliveries",
    "/review",
    "/review/mapping",
    "/import",
    "/chart",
    "/overview",
];

#[actix_web::test]
async fn every_page_is_accessible_on_a_phone_and_by_keyboard() {
    let Some(run) = crate::start(
        "every_page_is_accessible_on_a_phone_and_by_keyboard",
        |_| {},
    )
    .await
    else {
        return;
    };
    let mut problems = Vec::new();
    let reader = run.driver.session(&run.app.base).await;
    for path in READER_PAGES {
        check_page(&reader, &run.tools.axe, path, &mut problems).await;
    }
    // The check itself can fail: an image without a text alternative is
    // reported.
    reader.goto("/login").await;
    reader
        .js(r#"const i = document.createElement("img"); i.src = "/static/none.png"; document.querySelector("main").append(i);"#)
        .await;
    let caught = crate::a11y::axe(&reader, &run.tools.axe).await;
    assert!(
        caught.iter().any(|v| v.contains("image-alt")),
        "axe-core reports a missing alt: {caught:?}"
    );
    // Phone-width screenshots of the reading pages.
    for (path, name) in [("/items", "items"), ("/upcoming", "upcoming")] {
        reader.goto(path).await;
        reader.screenshots(name).await;
    }

    // Keyboard only: from the top of the page, Tab reaches every control,
    // and each shows where the focus is.
    for path in ["/", ITEM, "/overview", "/login"] {
        reader.goto(path).await;
        let (missed, unringed) = keyboard_walk(&reader).await;
        for m in missed {
            problems.push(format!("{path}: Tab never reaches {m}"));
        }
        for u in unringed {
            problems.push(format!("{path}: no visible focus ring on {u}"));
        }
    }

    run.app
        .create_user("admin@example.org", PASSWORD, Role::Admin);
    let editor = run.driver.session(&run.app.base).await;
    editor.goto("/login").await;
    editor.fill("#login-email", "admin@example.org").await;
    editor.fill("#login-password", PASSWORD).await;
    editor.follow("main form button[type=submit]").await;
    eventually("signed in", || async { editor.path().await == "/" }).await;
    for path in EDITOR_PAGES {
        check_page(&editor, &run.tools.axe, path, &mut problems).await;
    }
    // A form with its errors showing, as an editor sees it.
    editor.goto("/items/new").await;
    editor.follow("main form.form button[type=submit]").await;
    eventually("the errors", || async {
        !editor.all(".form .error").await.is_empty()
    })
    .await;
    for v in crate::a11y::axe(&editor, &run.tools.axe).await {
        problems.push(format!("/items/new with errors: {v}"));
    }
    editor.goto("/items/new").await;
    let (missed, unringed) = keyboard_walk(&editor).await;
    for m in missed {
        problems.push(format!("/items/new: Tab never reaches {m}"));
    }
    for u in unringed {
        problems.push(format!("/items/new: no visible focus ring on {u}"));
    }
    reader.quit().await;
    editor.quit().await;
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

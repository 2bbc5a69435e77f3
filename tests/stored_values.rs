//! Values read back from the database are checked like any input: a name
//! regwatch does not know (written by hand, or by a newer version) makes
//! the page that reads it fail with the error page, instead of showing a
//! guess in its place.

mod common;

use diesel::prelude::*;

const S321: &str = "us-s321-ai-decoupling-act";

/// Runs one statement against the app's database.
fn execute(app: &common::TestApp, sql: &str) {
    let mut conn = app.db();
    let changed = diesel::sql_query(sql).execute(&mut conn).expect(sql);
    assert!(changed > 0, "{sql} changed nothing");
}

both_backends!(an_unknown_revision_action_is_an_error_not_a_guess, |app| {
    let history = format!("/items/{S321}/history");
    app.page(&history, 200).await;
    execute(
        &app,
        &format!(
            "UPDATE revisions SET action = 'merge' WHERE item_id = \
             (SELECT id FROM items WHERE slug = '{S321}')"
        ),
    );
    let page = app.page(&history, 500).await;
    assert!(page.contains("Something went wrong on our side"));
    assert!(!page.contains("merge"));
});

both_backends!(an_unknown_item_kind_is_an_error_not_other, |app| {
    let item = format!("/items/{S321}");
    app.page(&item, 200).await;
    execute(
        &app,
        &format!("UPDATE items SET kind = 'treaty' WHERE slug = '{S321}'"),
    );
    let page = app.page(&item, 500).await;
    assert!(page.contains("Something went wrong on our side"));
    assert!(!page.contains("Other"), "no guessed kind");
});

both_backends!(
    a_revision_diff_that_does_not_parse_is_an_error_not_empty,
    |app| {
        let history = format!("/items/{S321}/history");
        execute(
            &app,
            &format!(
                "UPDATE revisions SET diff = 'not json' WHERE item_id = \
             (SELECT id FROM items WHERE slug = '{S321}')"
            ),
        );
        app.page(&history, 500).await;
    }
);

//! `regwatch gen`: synthetic data that every page can show, of every kind,
//! jurisdiction and date precision, the same for the same seed.

mod common;

use common::{texts, TestApp};
use regwatch::domain::Kind;
use regwatch::store::generate::{generate, Size, JURISDICTIONS};

const SIZE: Size = Size {
    items: 48,
    events_per_item: 6,
    subscribers: 7,
    seed: 42,
};

both_backends!(generated_data_reads_like_real_data, |app| {
    let at = regwatch::clock::Clock::system().now();
    let added = generate(&mut app.db(), SIZE, at).expect("generate");
    assert_eq!((added.items, added.events), (48, 288));
    assert_eq!(added.subscribers, 7);
    assert_eq!(
        app.count("subscriptions WHERE confirmed_at IS NOT NULL AND frequency = 'immediate'"),
        7
    );
    for kind in Kind::ALL {
        let page = app
            .page(&format!("/items?kind={kind}&q=synthetic"), 200)
            .await;
        assert!(!texts(&page, "tbody tr").is_empty(), "no {kind}");
    }
    for j in JURISDICTIONS {
        let page = app
            .page(&format!("/?jurisdiction={j}&q=synthetic"), 200)
            .await;
        assert!(page.contains("/items/generated-"), "nothing in {j}");
    }
    for precision in ["day", "month", "year"] {
        assert!(
            app.count(&format!("status_events WHERE date_precision = '{precision}' AND source_url LIKE 'https://example.org/generated/%'")) > 0,
            "no {precision} dates"
        );
    }
    // Words from the notes are found, tags filter, items show their events.
    assert!(app
        .page("/?q=reported", 200)
        .await
        .contains("/items/generated-"));
    assert!(app
        .page("/?tag=chips", 200)
        .await
        .contains("/items/generated-"));
    let item = app.page("/items/generated-10", 200).await;
    assert!(item.contains("https://example.org/generated/10/0"));
    app.page("/items/generated-10/history", 200).await;
    app.page("/upcoming", 200).await;
    // The same seed gives the same titles.
    let first = texts(
        &app.page("/items?q=synthetic&sort=title", 200).await,
        "tbody tr",
    );
    let again = TestApp::spawn(app_backend(&app))
        .await
        .expect("a second app");
    generate(&mut again.db(), SIZE, at).expect("generate again");
    let second = texts(
        &again.page("/items?q=synthetic&sort=title", 200).await,
        "tbody tr",
    );
    assert_eq!(first, second);
});

fn app_backend(app: &TestApp) -> regwatch::db::Backend {
    regwatch::db::Backend::of_url(&app.database_url)
}

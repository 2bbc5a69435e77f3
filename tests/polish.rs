//! What every page carries: a title naming its item or view, dates as
//! `<time datetime>` in words, the favicon, and a stylesheet with dark mode
//! and print rules.

mod common;

use common::{attrs, texts, TestApp};
use regwatch::db::Backend;
use regwatch::domain::EventDate;

const ITEM: &str = "/items/us-s321-ai-decoupling-act";

/// Every `<time>` of a page has a machine-readable date (a day, month or
/// year, or a moment) and reads as words, not as that code.
fn times_are_readable(path: &str, html: &str) {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("time").unwrap();
    for t in doc.select(&sel) {
        let iso = t
            .value()
            .attr("datetime")
            .unwrap_or_else(|| panic!("{path}: a <time> without datetime"));
        let date_part = iso.split('T').next().unwrap_or(iso);
        assert!(
            date_part.parse::<EventDate>().is_ok(),
            "{path}: datetime {iso} is not a date"
        );
        let shown: String = t.text().collect();
        if date_part.len() > 4 {
            assert!(
                !shown.contains(date_part),
                "{path}: {iso} shown as code: {shown}"
            );
        }
    }
}

async fn pages_name_themselves_and_write_dates_in_words(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let reading = [
        ("/", "Timeline · regwatch"),
        ("/items", "Items · regwatch"),
        (ITEM, "AI Decoupling Act (S.321) · regwatch"),
        (
            "/items/us-s321-ai-decoupling-act/history",
            "History of AI Decoupling Act (S.321) · regwatch",
        ),
        ("/upcoming", "Upcoming · regwatch"),
        ("/chart", "Chart · regwatch"),
        ("/overview", "Overview · regwatch"),
    ];
    for (path, title) in reading {
        let html = app.page(path, 200).await;
        assert_eq!(texts(&html, "head > title"), [title], "{path}");
        assert_eq!(attrs(&html, "link[rel=icon]", "href"), ["/favicon.svg"]);
        times_are_readable(path, &html);
    }
    let editor = app.editor("ed@example.org").await;
    for (path, title) in [
        (
            "/items/us-s321-ai-decoupling-act/edit",
            "Edit item · AI Decoupling Act (S.321) · regwatch",
        ),
        (
            "/items/us-s321-ai-decoupling-act/events/new",
            "Record a status event · AI Decoupling Act (S.321) · regwatch",
        ),
        (
            "/items/us-s321-ai-decoupling-act/milestones/new",
            "Add a milestone · AI Decoupling Act (S.321) · regwatch",
        ),
        (
            "/items/us-s321-ai-decoupling-act/links/new",
            "Link to another item · AI Decoupling Act (S.321) · regwatch",
        ),
        ("/items/new", "New item · regwatch"),
    ] {
        let answer = editor.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(texts(&answer.body, "head > title"), [title], "{path}");
        times_are_readable(path, &answer.body);
    }
}
both_backends!(pages_name_themselves_and_write_dates_in_words);

both_backends!(favicon_and_stylesheet, |app| {
    for path in ["/favicon.svg", "/favicon.ico"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        assert_eq!(res.headers()["cache-control"], "public, max-age=31536000");
        assert!(res.text().await.unwrap().starts_with("<svg"));
    }
    let css = app.get("/static/style.css").await.text().await.unwrap();
    assert!(css.contains("@media (prefers-color-scheme: dark)"));
    assert!(css.contains("@media print"));
});

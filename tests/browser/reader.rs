//! Journey 1: a reader filters the timeline to China and to deals, opens
//! the Apple–Alibaba item, reads its timeline (imprecise dates drawn as
//! spans) and follows a source link.

use regwatch::clock::Clock;
use regwatch::domain::{Confidence, Kind, SourceUrl, Status};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::items;

use crate::support::{eventually, Publisher};

const APPLE: &str = "apple-alibaba-china-ai";

#[actix_web::test]
async fn reader_filters_opens_an_item_and_follows_a_source() {
    let Some(run) = crate::start("reader_filters_opens_an_item_and_follows_a_source", |_| {}).await
    else {
        return;
    };
    let reader = run.driver.session(&run.app.base).await;

    reader.goto("/").await;
    assert_eq!(reader.client.title().await.unwrap(), "Timeline · regwatch");
    reader.screenshots("timeline").await;
    reader.readme_shot("timeline").await;
    reader
        .find("#f-jurisdiction")
        .await
        .select_by_value("CN")
        .await
        .unwrap();
    reader
        .find("#f-kind")
        .await
        .select_by_value("deal")
        .await
        .unwrap();
    reader.follow(".filters button[type=submit]").await;
    eventually("the filtered timeline", || async {
        reader.path().await.contains("jurisdiction=CN")
    })
    .await;
    assert!(
        reader.path().await.contains("kind=deal"),
        "{}",
        reader.path().await
    );
    let items: Vec<String> = {
        let mut out = Vec::new();
        for e in reader.all(".events .event-item a").await {
            out.push(e.text().await.unwrap());
        }
        out
    };
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|t| t == "Apple–Alibaba China AI deal"),
        "only the deal: {items:?}"
    );

    reader.follow(".events .event-item a").await;
    eventually("the item page", || async {
        reader.path().await == format!("/items/{APPLE}")
    })
    .await;
    assert_eq!(
        reader.client.title().await.unwrap(),
        "Apple–Alibaba China AI deal · regwatch"
    );
    // The 2024 report (known to the year) and the October 2025 statement
    // (known to the month) are bars over their periods, not days.
    let mut widths = Vec::new();
    for bar in reader.all("svg.timeline-chart rect.period").await {
        let w = bar.attr("width").await.unwrap().unwrap_or_default();
        widths.push(w.parse::<f64>().unwrap());
    }
    assert_eq!(widths.len(), 2, "two imprecise dates drawn as spans");
    let ratio = widths[0].max(widths[1]) / widths[0].min(widths[1]);
    assert!(
        (10.0..14.0).contains(&ratio),
        "a year is about 12 months: {ratio}"
    );
    let mut dates = Vec::new();
    for t in reader.all(".history .event-date time").await {
        dates.push((
            t.attr("datetime").await.unwrap().unwrap(),
            t.text().await.unwrap(),
        ));
    }
    assert!(
        dates.contains(&("2024".to_owned(), "2024".to_owned())),
        "{dates:?}"
    );
    assert!(dates.contains(&("2025-10".to_owned(), "October 2025".to_owned())));
    reader.screenshots("item").await;
    reader.readme_shot("item").await;

    // The chart and the overview, as the README shows them.
    reader.goto("/chart").await;
    reader.screenshots("chart").await;
    reader.readme_shot("chart").await;
    // The same pages in dark mode, for looking at.
    reader.dark(true).await;
    let dark_mode = reader
        .js("return matchMedia('(prefers-color-scheme: dark)').matches")
        .await;
    assert_eq!(dark_mode, true, "dark mode is emulated");
    reader.desktop_shot("chart-dark").await;
    reader.goto("/overview").await;
    reader.desktop_shot("overview-dark").await;
    reader.goto(&format!("/items/{APPLE}")).await;
    reader.desktop_shot("item-dark").await;
    reader.goto("/").await;
    reader.desktop_shot("timeline-dark").await;
    reader.dark(false).await;
    reader.goto("/overview").await;
    reader.screenshots("overview").await;

    // Every event names its source; the reader follows one, published on
    // this machine so following it stays here.
    let publisher = Publisher::start();
    let source = publisher.url("/reports/apple-intelligence-china");
    {
        let mut conn = run.app.db();
        let item = items::find_by_slug(&mut conn, APPLE).unwrap().unwrap();
        let event = NewEvent {
            date: "2026-11-02".parse().unwrap(),
            status: Status::parse(Kind::Deal, "press-report").unwrap(),
            note: "A local copy of a press report, for the browser test.".to_owned(),
            source: SourceUrl::try_from(source.as_str()).unwrap(),
            confidence: Confidence::Low,
        };
        events::record(&mut conn, item.id, &event, None, Clock::system().now()).unwrap();
    }
    reader.goto(&format!("/items/{APPLE}")).await;
    let link = format!(".history a[href='{source}']");
    reader.follow(&link).await;
    eventually("the source page", || async {
        reader.client.title().await.unwrap_or_default() == "Publisher: the report"
    })
    .await;
    assert_eq!(reader.client.current_url().await.unwrap().as_str(), source);

    reader.quit().await;
}

//! `/chart` and `/overview` as a reader sees them: the swimlanes and bars
//! parsed out of the page's SVG, every marker and number followed to what
//! it points at, on both backends, with today fixed by the clock.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::{attrs, texts, TestApp};
use regwatch::clock::Clock;
use regwatch::db::Backend;
use scraper::{Html, Selector};

fn at(day: &str) -> NaiveDateTime {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

async fn spawn_on(backend: Backend, today: &str) -> Option<TestApp> {
    let clock = Clock::fixed(at(today));
    TestApp::spawn_with(backend, move |s| s.clock = clock).await
}

/// The lanes of the chart: each lane's title and its markers' links.
fn lanes(html: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let doc = Html::parse_document(html);
    let lane = Selector::parse("svg.swimlanes g.lane").unwrap();
    let title = Selector::parse(".lane-title").unwrap();
    let event = Selector::parse("a.event-marker").unwrap();
    let flag = Selector::parse("a.milestone-flag").unwrap();
    doc.select(&lane)
        .map(|g| {
            let name = g.select(&title).flat_map(|t| t.text()).collect::<String>();
            let hrefs = |s: &Selector| {
                g.select(s)
                    .filter_map(|a| a.value().attr("href").map(str::to_owned))
                    .collect::<Vec<_>>()
            };
            (name, hrefs(&event), hrefs(&flag))
        })
        .collect()
}

/// Widths of the period bars in the lane titled `name`.
fn period_widths(html: &str, name: &str) -> Vec<f64> {
    let doc = Html::parse_document(html);
    let lane = Selector::parse("svg.swimlanes g.lane").unwrap();
    let title = Selector::parse(".lane-title").unwrap();
    let period = Selector::parse("a.event-marker rect.period").unwrap();
    doc.select(&lane)
        .filter(|g| g.select(&title).flat_map(|t| t.text()).collect::<String>() == name)
        .flat_map(|g| {
            g.select(&period)
                .filter_map(|r| r.value().attr("width")?.parse().ok())
                .collect::<Vec<f64>>()
        })
        .collect()
}

async fn chart_shows_every_item_on_one_axis(backend: Backend) {
    let Some(app) = spawn_on(backend, "2026-11-24").await else {
        return;
    };
    let html = app.page("/chart", 200).await;
    assert_eq!(
        attrs(&html, "nav a[aria-current=page]", "href"),
        ["/chart"],
        "the Chart tab is current"
    );
    assert_eq!(texts(&html, "head > title"), ["Chart · regwatch"]);
    let lanes = lanes(&html);
    assert_eq!(lanes.len(), 7, "one lane per starter item");
    let deal = lanes
        .iter()
        .find(|(name, _, _)| name == "Apple–Alibaba China AI deal")
        .expect("the Apple–Alibaba lane, titled readably");
    assert_eq!(deal.1.len(), 8, "each of its events is a marker");

    // Every marker links to an event entry that exists on its item page.
    let (slug, anchor) = deal.1[0].split_once('#').unwrap();
    assert_eq!(slug, "/items/apple-alibaba-china-ai");
    let item = app.page(slug, 200).await;
    for href in &deal.1 {
        let id = href.split_once('#').unwrap().1;
        assert_eq!(
            attrs(&item, &format!("li#{id}"), "id").len(),
            1,
            "{href} points at an event on the page"
        );
    }
    assert!(anchor.starts_with("event-"));

    // The year-precision 2024 report and the month-precision October 2025
    // statement are drawn as bars over their periods: a year is about
    // twelve times as wide as a month.
    let widths = period_widths(&html, "Apple–Alibaba China AI deal");
    assert_eq!(widths.len(), 2, "{widths:?}");
    let ratio = widths[0].max(widths[1]) / widths[0].min(widths[1]);
    assert!((11.0..13.5).contains(&ratio), "year/month width {ratio}");

    // Milestones ahead of today are flags linking to the milestone.
    let s321 = lanes
        .iter()
        .find(|(name, _, _)| name == "AI Decoupling Act (S.321)")
        .unwrap();
    assert!(!s321.2.is_empty(), "the end of session ahead is drawn");
    let item = app.page("/items/us-s321-ai-decoupling-act", 200).await;
    for href in &s321.2 {
        let id = href.split_once('#').unwrap().1;
        assert!(id.starts_with("milestone-"), "{href}");
        assert_eq!(attrs(&item, &format!("#{id}"), "id").len(), 1, "{href}");
    }

    // The legend names every phase beside its shape, and the table holds
    // the same events as text, dates at their precision.
    let legend = texts(&html, ".legend li");
    for phase in ["Proposed", "Pending", "In force", "Stalled", "Ended"] {
        assert!(legend.iter().any(|l| l == phase), "{phase} in {legend:?}");
    }
    assert_eq!(attrs(&html, ".legend li svg.legend-icon", "class").len(), 6);
    let rows = texts(&html, "table.chart-data tbody tr");
    assert_eq!(rows.len(), 7);
    let markers: usize = lanes.iter().map(|l| l.1.len()).sum();
    assert_eq!(
        texts(&html, "table.chart-data ol.chart-events li").len(),
        markers
    );
    assert!(attrs(&html, "table.chart-data time", "datetime").contains(&"2024".to_owned()));
    assert!(attrs(&html, "table.chart-data time", "datetime").contains(&"2025-10".to_owned()));
}
both_backends!(chart_shows_every_item_on_one_axis);

async fn chart_follows_the_filter_and_pages(backend: Backend) {
    let Some(app) = spawn_on(backend, "2026-11-24").await else {
        return;
    };
    let china = app.page("/chart?jurisdiction=CN", 200).await;
    assert_eq!(lanes(&china).len(), 4);
    let deals = app.page("/chart?jurisdiction=CN&kind=deal", 200).await;
    assert_eq!(
        lanes(&deals)
            .iter()
            .map(|l| l.0.as_str())
            .collect::<Vec<_>>(),
        ["Apple–Alibaba China AI deal"]
    );
    // A date range keeps the events that overlap it.
    let year = app.page("/chart?kind=deal&from=2025&to=2025", 200).await;
    assert_eq!(lanes(&year)[0].1.len(), 6, "the 2025 events of the deal");

    // Bad filters are refused with the parameter named.
    let bad = app.page("/chart?phase=sideways", 400).await;
    assert!(bad.contains("phase"), "{bad}");

    // More than 50 items page, 50 to a page.
    {
        use regwatch::domain::{Jurisdiction, Kind, Slug};
        use regwatch::store::items::{self, ItemFields};
        let mut conn = app.db();
        for n in 0..50 {
            let fields = ItemFields {
                kind: Kind::Other,
                slug: Slug::try_from(format!("filler-{n:02}").as_str()).unwrap(),
                title: format!("Filler item {n:02}"),
                short_title: None,
                original_title: None,
                jurisdiction: Jurisdiction::try_from("EU").unwrap(),
                summary: String::new(),
                status_summary: None,
                identifiers: vec![],
                parties: vec![],
                tags: vec![],
            };
            items::create(&mut conn, &fields, None, at("2026-11-24")).unwrap();
        }
    }
    let first = app.page("/chart?sort=title", 200).await;
    assert_eq!(texts(&first, "table.chart-data tbody tr").len(), 50);
    let next = attrs(&first, ".pagination a[rel=next]", "href");
    assert_eq!(next, ["/chart?sort=title&page=2"]);
    let second = app.page(&next[0], 200).await;
    assert_eq!(texts(&second, "table.chart-data tbody tr").len(), 7);
    assert!(texts(&second, "figcaption")
        .iter()
        .any(|c| c.starts_with("Items 51 to 57")));
}
both_backends!(chart_follows_the_filter_and_pages);

/// The numbers of a table of the overview: (month, column, count, href).
fn cells(html: &str, table: usize) -> Vec<(String, String, i64, String)> {
    let doc = Html::parse_document(html);
    let tables = Selector::parse("table.counts").unwrap();
    let head = Selector::parse("thead th").unwrap();
    let row = Selector::parse("tbody tr").unwrap();
    let month = Selector::parse("th time").unwrap();
    let link = Selector::parse("td a").unwrap();
    let t = doc.select(&tables).nth(table).expect("table");
    let columns: Vec<String> = t
        .select(&head)
        .skip(1)
        .map(|h| h.text().collect())
        .collect();
    let mut out = Vec::new();
    for r in t.select(&row) {
        let m = r
            .select(&month)
            .next()
            .unwrap()
            .value()
            .attr("datetime")
            .unwrap();
        for (c, a) in r.select(&link).enumerate() {
            let count = a.text().collect::<String>().parse().unwrap();
            let href = a.value().attr("href").unwrap().to_owned();
            out.push((m.to_owned(), columns[c].clone(), count, href));
        }
    }
    out
}

/// Events a timeline page lists as dated inside its range.
fn listed(html: &str) -> usize {
    texts(html, ".events .event")
        .iter()
        .filter(|e| !e.contains("which overlaps the range"))
        .count()
}

async fn overview_numbers_open_the_timeline_they_count(backend: Backend) {
    let Some(app) = spawn_on(backend, "2026-11-24").await else {
        return;
    };
    let html = app.page("/overview", 200).await;
    assert_eq!(
        attrs(&html, "nav a[aria-current=page]", "href"),
        ["/overview"]
    );
    // Today comes from the clock: the 24 months end with November 2026.
    let by_place = cells(&html, 0);
    let months: Vec<&str> = by_place.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(months.first(), Some(&"2026-11"));
    assert_eq!(months.last(), Some(&"2024-12"));
    assert_eq!(texts(&html, "table.counts").len(), 2);
    let mut distinct = months.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 24);

    // Every non-zero number opens a timeline listing exactly that many
    // events, filtered to its jurisdiction (or phase) and month.
    let by_phase = cells(&html, 1);
    let mut followed = 0;
    for (month, column, count, href) in by_place.iter().chain(&by_phase) {
        assert!(href.contains(&format!("from={month}&to={month}")), "{href}");
        if *count == 0 {
            continue;
        }
        let page = app.page(&href.replace("&amp;", "&"), 200).await;
        assert_eq!(listed(&page), *count as usize, "{column} {month}: {href}");
        followed += 1;
    }
    assert!(followed > 10, "the starter data has activity: {followed}");
    let cn_feb = by_place
        .iter()
        .find(|c| c.0 == "2025-02" && c.1 == "CN")
        .unwrap();
    assert_eq!(cn_feb.2, 3, "three Chinese events in February 2025");

    // The small multiples carry the same numbers, each bar a link.
    let doc = Html::parse_document(&html);
    let bars = Selector::parse("svg.bars").unwrap();
    let bar_links = Selector::parse("a").unwrap();
    let charts: Vec<_> = doc.select(&bars).collect();
    assert_eq!(charts.len(), 2 + 5, "CN and US, and the five phases");
    for chart in &charts {
        assert_eq!(chart.select(&bar_links).count(), 24);
    }
    let labels = attrs(&html, "svg.bars a", "aria-label");
    assert!(
        labels.contains(&"CN, February 2025: 3 events".to_owned()),
        "{labels:?}"
    );
    // Totals link to the whole window.
    let totals = attrs(&html, ".multiple a.total", "href");
    assert!(totals.contains(&"/?jurisdiction=CN&from=2024-12&to=2026-11".to_owned()));

    // Items that moved most recently, newest first, and what is coming.
    let recent = texts(&html, "ol.recent li a");
    assert_eq!(
        recent.first().map(String::as_str),
        Some("BIS AI Diffusion Rule")
    );
    assert!(attrs(&html, "ol.recent time", "datetime").contains(&"2026-05-12".to_owned()));
    let coming = texts(&html, "#coming ~ ul li");
    assert!(
        coming.iter().any(|c| c.contains("End of session")),
        "{coming:?}"
    );
}
both_backends!(overview_numbers_open_the_timeline_they_count);

async fn overview_window_moves_with_today(backend: Backend) {
    let Some(app) = spawn_on(backend, "2025-03-10").await else {
        return;
    };
    let html = app.page("/overview", 200).await;
    let months = attrs(&html, "table.counts tbody th time", "datetime");
    assert_eq!(months.first().map(String::as_str), Some("2025-03"));
    assert_eq!(months.get(23).map(String::as_str), Some("2023-04"));
    // The 2024 report known only to its year is counted apart, linked to
    // its year's timeline.
    let year_only = attrs(&html, "a[href='/?from=2024&to=2024']", "href");
    assert_eq!(year_only.len(), 1, "{html}");
}
both_backends!(overview_window_moves_with_today);

async fn overview_counts_a_new_event_at_once(backend: Backend) {
    use regwatch::domain::{Confidence, Kind, SourceUrl, Status};
    use regwatch::store::events::{self, NewEvent};
    let Some(app) = spawn_on(backend, "2026-11-24").await else {
        return;
    };
    let cn_in = |html: &str, month: &str| {
        cells(html, 0)
            .into_iter()
            .find(|c| c.0 == month && c.1 == "CN")
            .map(|c| c.2)
            .unwrap()
    };
    let before = app.page("/overview", 200).await;
    assert_eq!(cn_in(&before, "2026-08"), 0);
    // Shown twice: the second time may reuse the counts, nothing changed.
    assert_eq!(app.page("/overview", 200).await, before);
    {
        let mut conn = app.db();
        let qwen = regwatch::store::items::find_by_slug(&mut conn, "alibaba-qwen2-5-max")
            .unwrap()
            .unwrap();
        let event = NewEvent {
            date: "2026-08-04".parse().unwrap(),
            status: Status::parse(Kind::Product, "press-report").unwrap(),
            note: "A report.".to_owned(),
            source: SourceUrl::try_from("https://example.org/report").unwrap(),
            confidence: Confidence::Medium,
        };
        events::record(&mut conn, qwen.id, &event, None, at("2026-11-24")).unwrap();
    }
    let after = app.page("/overview", 200).await;
    assert_eq!(cn_in(&after, "2026-08"), 1, "the new event is counted");
}
both_backends!(overview_counts_a_new_event_at_once);

//! The starter data as verified, and dates shown, sorted and filtered at
//! the precision they are known to: the item table, item histories, the
//! date filter, and a database loaded from an earlier version of the data.

mod common;

use common::{attrs, texts};
use regwatch::clock::Clock;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{Confidence, EventDate, Jurisdiction, Kind, Slug, SourceUrl, Status, Tag};
use regwatch::seed;
use regwatch::store::events::{self, NewEvent};
use regwatch::store::items::{self, ItemFields};

const APPLE: &str = "apple-alibaba-china-ai";
const CN_MEASURES: &str = "cn-generative-ai-interim-measures";
const LABELLING: &str = "cn-ai-content-labelling-measures";

/// An item tagged `tag` with one "announced" event at each date, created
/// in this order (so ids follow it).
fn add_item(conn: &mut DbConnection, slug: &str, tag: &str, dates: &[&str]) {
    let fields = ItemFields {
        kind: Kind::Other,
        slug: Slug::try_from(slug).unwrap(),
        title: format!("Item {slug}"),
        short_title: None,
        original_title: None,
        jurisdiction: Jurisdiction::try_from("EU").unwrap(),
        summary: String::new(),
        status_summary: None,
        identifiers: vec![],
        parties: vec![],
        tags: vec![Tag::try_from(tag).unwrap()],
    };
    let id = items::create(conn, &fields, None, Clock::system().now()).unwrap();
    for date in dates {
        let event = NewEvent {
            date: date.parse::<EventDate>().unwrap(),
            status: Status::parse(Kind::Other, "announced").unwrap(),
            note: format!("Announced ({date})."),
            source: SourceUrl::try_from("https://example.org/announcement").unwrap(),
            confidence: Confidence::Medium,
        };
        events::record(conn, id, &event, None, Clock::system().now()).unwrap();
    }
}

both_backends!(the_starter_data_holds_the_verified_facts, |app| {
    assert_eq!(app.count("items"), 7);
    assert_eq!(app.count("status_events"), 28);
    assert_eq!(app.count("item_links"), 5);

    // The deal: Apple's 2024 search for a partner, known to the year only;
    // Tim Cook's remark, known to the month; the mistaken activation.
    let html = app.page(&format!("/items/{APPLE}"), 200).await;
    let events = texts(&html, ".history .event");
    assert_eq!(events.len(), 8);
    assert!(
        events[0].contains("2024")
            && events[0].contains("year only")
            && events[0].contains("Baidu")
            && events[0].contains("secondary report only"),
        "{}",
        events[0]
    );
    assert!(!html.contains("January 2024") && !html.contains("2024-01-01"));
    let dates = attrs(&html, ".history time", "datetime");
    assert_eq!(dates[0], "2024");
    assert!(dates.contains(&"2025-10".to_owned()));
    assert_eq!(dates.last().map(String::as_str), Some("2026-03-30"));
    assert!(events[6].contains("October 2025") && events[6].contains("Official statement"));
    assert!(events[7].contains("30 March 2026") && events[7].contains("pulled within hours"));
    assert!(texts(&html, ".current")
        .remove(0)
        .contains("a mistaken brief activation was pulled in March 2026"));

    // The Chinese draft measures: the exact day, from the corrected source.
    let html = app.page(&format!("/items/{CN_MEASURES}"), 200).await;
    let first = texts(&html, ".history .event").remove(0);
    assert!(first.contains("11 April 2023"), "{first}");
    assert!(!first.contains("month only"));
    assert_eq!(attrs(&html, ".history time", "datetime")[0], "2023-04-11");
    assert!(html.contains(
        "https://www.mofo.com/resources/insights/230724-china-interim-measures-governing-generative-ai"
    ));
    assert!(texts(&html, ".links li")
        .iter()
        .any(|l| l.contains("implements this item")
            && l.contains("China AI Content Labelling Measures")));

    // The labelling measures, found by their original title.
    let html = app.page(&format!("/items/{LABELLING}"), 200).await;
    assert_eq!(texts(&html, ".history .event").len(), 3);
    assert!(texts(&html, ".links li")
        .iter()
        .any(|l| l.contains("This item implements")
            && l.contains("China Generative AI Interim Measures")));
    let found = app
        .page("/items?q=%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD%E7%94%9F%E6%88%90%E5%90%88%E6%88%90%E5%86%85%E5%AE%B9%E6%A0%87%E8%AF%86%E5%8A%9E%E6%B3%95", 200)
        .await;
    assert_eq!(
        attrs(&found, "table.items tbody td[data-label=Title] > a", "href"),
        [format!("/items/{LABELLING}")]
    );
});

both_backends!(
    the_item_table_shows_and_sorts_dates_at_their_precision,
    |app| {
        let mut conn = app.db();
        // Created in this order, so an order by date then id would put the day
        // before the month on 1 June.
        add_item(&mut conn, "late-may", "precision", &["2025-05-31"]);
        add_item(&mut conn, "first-of-june", "precision", &["2025-06-01"]);
        add_item(&mut conn, "some-day-in-june", "precision", &["2025-06"]);
        add_item(
            &mut conn,
            "mid-june",
            "precision",
            &["2025-01", "2025-06-15"],
        );
        add_item(&mut conn, "some-day-in-2025", "precision", &["2025"]);
        // The latest of June 2025 and 15 June 2025 is the day.
        add_item(
            &mut conn,
            "june-then-day",
            "other",
            &["2025-06-15", "2025-06"],
        );

        let rows = |html: &str| -> Vec<(String, String, String)> {
            let slugs = attrs(html, "table.items tbody td[data-label=Title] > a", "href");
            let shown = texts(html, "table.items tbody td[data-label='Last event']");
            let iso = attrs(
                html,
                "table.items tbody td[data-label='Last event'] time",
                "datetime",
            );
            assert_eq!((slugs.len(), shown.len()), (iso.len(), iso.len()));
            slugs
                .into_iter()
                .zip(shown)
                .zip(iso)
                .map(|((slug, shown), iso)| {
                    (slug.trim_start_matches("/items/").to_owned(), shown, iso)
                })
                .collect()
        };
        let expected = [
            ("some-day-in-2025", "2025", "2025"),
            ("late-may", "31 May 2025", "2025-05-31"),
            ("some-day-in-june", "June 2025", "2025-06"),
            ("first-of-june", "1 June 2025", "2025-06-01"),
            ("mid-june", "15 June 2025", "2025-06-15"),
        ];
        let asc = rows(
            &app.page("/items?tag=precision&sort=last-event&dir=asc", 200)
                .await,
        );
        let want: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(asc, want, "a period sorts before the days in it");
        let desc = rows(
            &app.page("/items?tag=precision&sort=last-event&dir=desc", 200)
                .await,
        );
        assert_eq!(desc, want.iter().rev().cloned().collect::<Vec<_>>());

        let other = rows(&app.page("/items?tag=other", 200).await);
        assert_eq!(other[0].1, "15 June 2025");
        let html = app.page("/items?sort=last-event", 200).await;
        assert!(
            !html.contains("2025-06-01<") && !html.contains("2025-01-01"),
            "no invented day"
        );
    }
);

both_backends!(
    history_lists_the_starter_events_as_the_starter_datas,
    |app| {
        let html = app
            .page(&format!("/items/{CN_MEASURES}/history"), 200)
            .await;
        let revisions = texts(&html, ".revision");
        let recorded: Vec<&String> = revisions
            .iter()
            .filter(|r| r.contains("Recorded a status event"))
            .collect();
        assert_eq!(recorded.len(), 3, "{revisions:?}");
        assert!(recorded.iter().all(|r| r.contains("starter data")));
        assert!(recorded
            .iter()
            .any(|r| r.contains("2023-04-11") && r.contains("draft")));
        assert!(revisions.last().unwrap().contains("Created the item"));

        let html = app.page(&format!("/items/{APPLE}/history"), 200).await;
        let recorded = texts(&html, ".revision")
            .into_iter()
            .filter(|r| r.contains("Recorded a status event") && r.contains("starter data"))
            .count();
        assert_eq!(recorded, 8);
        let dates = texts(&html, ".revision table.diff tbody tr")
            .into_iter()
            .filter(|r| r.starts_with("Event date"))
            .collect::<Vec<_>>();
        assert!(dates.iter().any(|r| r.ends_with(" 2024")), "{dates:?}");
        assert!(dates.iter().any(|r| r.ends_with(" 2025-10")), "{dates:?}");
    }
);

both_backends!(
    a_date_range_includes_an_imprecise_date_that_overlaps_it,
    |app| {
        let mut conn = app.db();
        add_item(&mut conn, "june-announcement", "overlap", &["2025-06"]);

        let html = app.page("/?from=2025-06-02&to=2025-06-30", 200).await;
        let events = texts(&html, ".events .event");
        let june = events
            .iter()
            .find(|e| e.contains("Item june-announcement"))
            .expect("the June 2025 event overlaps the range");
        assert!(
            june.contains("June 2025") && june.contains("date known only to the month"),
            "{june}"
        );
        let delay = events
            .iter()
            .find(|e| e.contains("4 June 2025"))
            .expect("the day in the range");
        assert!(!delay.contains("known only"), "{delay}");
        assert!(texts(&html, "#f-date-help")
        .remove(0)
        .contains("known only to the month or year is included when that month or year overlaps the range"));

        // A range that ends before June leaves it out; one inside 2024 takes
        // Apple's 2024 report, known to the year.
        let may = app.page("/?from=2025-05-01&to=2025-05-31", 200).await;
        assert!(!may.contains("Item june-announcement"));
        let html = app.page("/?from=2024-06-01&to=2024-06-30", 200).await;
        let events = texts(&html, ".events .event");
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events[0].contains("21 June 2024") && !events[0].contains("known only"));
        assert!(events[1].contains("Baidu") && events[1].contains("date known only to the year"));
        // A range the whole month lies in needs no mark.
        let html = app.page("/?from=2025-06&to=2025-06", 200).await;
        let june = texts(&html, ".events .event")
            .into_iter()
            .find(|e| e.contains("Item june-announcement"))
            .unwrap();
        assert!(
            june.contains("month only") && !june.contains("known only"),
            "{june}"
        );

        // The item table narrows the same way.
        let table = app
            .page("/items?from=2025-06-02&to=2025-06-30&tag=overlap", 200)
            .await;
        assert_eq!(
            attrs(&table, "table.items tbody td[data-label=Title] > a", "href"),
            ["/items/june-announcement"]
        );
    }
);

/// A database loaded from the earlier starter data by a version that wrote
/// no revision for the events it loaded, in which an editor has since
/// corrected one starter event.
async fn upgrade_from_the_earlier_data(backend: Backend) {
    let Some(app) = common::TestApp::spawn_with(backend, |s| s.seed_on_start = false).await else {
        return;
    };
    let mut conn = app.db();
    let earlier = include_str!("data/starter-2026-11-23.yaml");
    seed::load(&mut conn, earlier, Clock::system().now()).unwrap();
    {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "DELETE FROM revisions WHERE action = 'event';
             DELETE FROM settings WHERE key = 'starter_history_recorded_at';",
        )
        .unwrap();
    }
    assert_eq!(app.count("status_events"), 22);
    app.create_user(
        "ed@example.org",
        common::PASSWORD,
        regwatch::store::users::Role::Editor,
    );
    let editor = regwatch::store::users::find_by_email(&mut conn, "ed@example.org")
        .unwrap()
        .unwrap();
    let bis = items::find_by_slug(&mut conn, "us-bis-ai-diffusion-rule")
        .unwrap()
        .unwrap();
    let adopted = events::for_item(&mut conn, bis.id).unwrap().remove(0);
    let mut edited = NewEvent {
        date: adopted.date(),
        status: Status::parse(Kind::Regulation, &adopted.status).unwrap(),
        note: "Issued as an interim final rule (editor's wording).".to_owned(),
        source: SourceUrl::try_from(adopted.source_url.as_str()).unwrap(),
        confidence: adopted.confidence(),
    };
    events::correct(
        &mut conn,
        bis.id,
        adopted.id,
        &edited,
        Some(editor.id),
        Clock::system().now(),
        false,
    )
    .unwrap();

    let report = seed::load(&mut conn, seed::STARTER_DATA, Clock::system().now()).unwrap();
    assert_eq!(
        report,
        seed::SeedReport {
            items_added: 1,
            events_added: 6,
            links_added: 1,
            items_corrected: 2,
            events_corrected: 4,
            events_kept: 1,
            history_written: 22,
            milestones_added: 4,
            milestones_corrected: 0,
        }
    );
    assert_eq!(app.count("status_events"), 28);

    // The draft is corrected in place: the day, its note and source.
    let html = app.page(&format!("/items/{CN_MEASURES}"), 200).await;
    assert_eq!(texts(&html, ".history .event").len(), 3);
    assert_eq!(attrs(&html, ".history time", "datetime")[0], "2023-04-11");
    assert!(!html.contains("day not confirmed"));
    let history = app
        .page(&format!("/items/{CN_MEASURES}/history"), 200)
        .await;
    let revisions = texts(&history, ".revision");
    assert!(
        revisions[0].contains("Corrected a status event")
            && revisions[0].contains("starter data")
            && revisions[0].contains("2023-04")
            && revisions[0].contains("2023-04-11"),
        "{}",
        revisions[0]
    );
    assert_eq!(
        revisions
            .iter()
            .filter(|r| r.contains("Recorded a status event"))
            .count(),
        3,
        "the events loaded earlier are in the history"
    );
    assert!(revisions.last().unwrap().contains("Created the item"));

    // The item's status note follows the data; the editor's note stays.
    let html = app.page(&format!("/items/{APPLE}"), 200).await;
    assert!(html.contains("CAC approval still pending"));
    let html = app.page("/items/us-bis-ai-diffusion-rule", 200).await;
    assert!(html.contains("(editor&#x27;s wording)") || html.contains("(editor's wording)"));
    assert!(!html.contains("compliance required from 2025-05-15"));

    // Loading again changes nothing.
    assert_eq!(
        seed::load(&mut conn, seed::STARTER_DATA, Clock::system().now()).unwrap(),
        seed::SeedReport {
            events_kept: 1,
            ..Default::default()
        }
    );
    // An editor's later correction of a starter event is kept too.
    let measures = items::find_by_slug(&mut conn, CN_MEASURES)
        .unwrap()
        .unwrap();
    let draft = events::for_item(&mut conn, measures.id).unwrap().remove(0);
    edited.date = draft.date();
    edited.status = Status::parse(Kind::Regulation, "draft").unwrap();
    edited.source = SourceUrl::try_from(draft.source_url.as_str()).unwrap();
    edited.note = "Draft released (editor's note).".to_owned();
    events::correct(
        &mut conn,
        draft.item_id,
        draft.id,
        &edited,
        Some(editor.id),
        Clock::system().now(),
        false,
    )
    .unwrap();
    assert_eq!(
        seed::load(&mut conn, seed::STARTER_DATA, Clock::system().now())
            .unwrap()
            .events_kept,
        2
    );
}

#[actix_web::test]
async fn an_earlier_database_is_brought_up_to_date_on_sqlite() {
    upgrade_from_the_earlier_data(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_earlier_database_is_brought_up_to_date_on_postgres() {
    upgrade_from_the_earlier_data(Backend::Postgres).await;
}

//! Calendar feeds as a calendar app reads them: fetched from the running
//! app and parsed with an independent iCalendar parser; UIDs that survive
//! edits, SEQUENCE raised on change, removals sent as cancelled, all-day
//! spans at each precision, and the timeline's filters.

mod common;

use common::{form_fields, with, TestApp};
use diesel::prelude::*;
use ical::parser::ical::component::IcalEvent;
use regwatch::clock::Clock;
use regwatch::db::Backend;

const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";
const BASE: &str = "https://regwatch.example";

/// GETs a calendar, checking its content type, and parses its events.
async fn events(app: &TestApp, path: &str) -> Vec<IcalEvent> {
    let res = app.get(path).await;
    assert_eq!(res.status().as_u16(), 200, "{path}");
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/calendar; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    let mut calendars = ical::IcalParser::new(text.as_bytes());
    let calendar = calendars.next().expect("a calendar").expect("it parses");
    calendar.events
}

fn value<'a>(event: &'a IcalEvent, name: &str) -> &'a str {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
        .unwrap_or_else(|| panic!("no {name}"))
}

fn by_summary<'a>(events: &'a [IcalEvent], words: &str) -> &'a IcalEvent {
    events
        .iter()
        .find(|e| value(e, "SUMMARY").contains(words))
        .unwrap_or_else(|| panic!("no event says {words}"))
}

/// The app on a fixed clock, before the starter data's milestones ahead.
async fn app(backend: Backend) -> Option<TestApp> {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .unwrap();
    TestApp::spawn_with(backend, |s| {
        s.base_url = BASE.to_owned();
        s.clock = Clock::fixed(now);
    })
    .await
}

fn milestone_id(app: &TestApp, kind: &str) -> i32 {
    use regwatch::schema::milestones as m;
    m::table
        .filter(m::kind.eq(kind))
        .select(m::id)
        .first(&mut app.db())
        .unwrap()
}

async fn the_calendars_follow_edits_and_removals(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let all = events(&app, "/calendar.ics").await;
    assert_eq!(all.len(), 4, "every starter milestone, past ones too");
    let session = by_summary(&all, "End of session");
    let summary = value(session, "SUMMARY");
    assert!(
        summary.starts_with("End of session: ") && summary.contains("S.321"),
        "{summary}"
    );
    assert_eq!(value(session, "DTSTART"), "20270103");
    assert_eq!(value(session, "DTEND"), "20270104", "one whole day");
    assert_eq!(value(session, "URL"), format!("{BASE}/items/{S321}"));
    assert_eq!(value(session, "STATUS"), "CONFIRMED");
    assert_eq!(value(session, "SEQUENCE"), "0");
    let uid = value(session, "UID").to_owned();
    assert!(uid.ends_with("@regwatch.example"), "{uid}");

    // An editor moves it to a month: same UID, SEQUENCE raised, a span of
    // the whole month with the precision said in the summary.
    let editor = app.editor("ed@example.org").await;
    let id = milestone_id(&app, "session-end");
    let edit = format!("/items/{S321}/milestones/{id}/edit");
    let fields = form_fields(&editor.get(&edit).await.body, &edit);
    let moved = editor
        .post_fields(
            &edit,
            &with(with(fields, "date", "2027-01"), "precision", "month"),
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let item = events(&app, &format!("/items/{S321}/calendar.ics")).await;
    assert_eq!(item.len(), 1, "only the item's own");
    let session = &item[0];
    assert_eq!(value(session, "UID"), uid);
    assert_eq!(value(session, "SEQUENCE"), "1");
    assert_eq!(
        (value(session, "DTSTART"), value(session, "DTEND")),
        ("20270101", "20270201")
    );
    assert!(
        value(session, "SUMMARY").contains("date known only to the month: January 2027"),
        "{}",
        value(session, "SUMMARY")
    );

    // Removed: still there, cancelled, so subscribed calendars drop it.
    let removed = editor
        .submit(
            &format!("/items/{S321}/milestones/{id}/remove"),
            &[("reason", "Entered on the wrong bill.")],
        )
        .await;
    assert_eq!(removed.status, 303);
    let item = events(&app, &format!("/items/{S321}/calendar.ics")).await;
    assert_eq!(value(&item[0], "UID"), uid);
    assert_eq!(value(&item[0], "STATUS"), "CANCELLED");
    assert_eq!(value(&item[0], "SEQUENCE"), "2");
}

both_backends!(the_calendars_follow_edits_and_removals);

async fn a_year_spans_the_year_and_filters_narrow_the_calendar(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let editor = app.editor("ed@example.org").await;
    let added = editor
        .submit(
            &format!("/items/{OUTBOUND}/milestones/new"),
            &[
                ("kind", "expiry"),
                ("date", "2030"),
                ("precision", "year"),
                ("note", "Sunset clause."),
                ("source_url", "https://home.treasury.gov/"),
                ("confidence", "medium"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let calendar = events(&app, "/calendar.ics?kind=regulation&jurisdiction=US").await;
    let summaries: Vec<&str> = calendar.iter().map(|e| value(e, "SUMMARY")).collect();
    assert_eq!(calendar.len(), 3, "{summaries:?}");
    assert!(summaries.iter().all(|s| !s.contains("End of session")));
    let expiry = by_summary(&calendar, "Expiry");
    assert_eq!(
        (value(expiry, "DTSTART"), value(expiry, "DTEND")),
        ("20300101", "20310101")
    );
    assert!(value(expiry, "SUMMARY").contains("date known only to the year: 2030"));
    assert!(value(expiry, "DESCRIPTION").contains("Sunset clause."));

    assert!(events(&app, "/calendar.ics?jurisdiction=EU")
        .await
        .is_empty());
    assert_eq!(app.get("/calendar.ics?kind=treaty").await.status(), 400);
    assert_eq!(
        app.get("/items/no-such-item/calendar.ics").await.status(),
        404
    );
}

both_backends!(a_year_spans_the_year_and_filters_narrow_the_calendar);

/// Milestones filtered by kind or jurisdiction follow their item when it
/// is edited, through the form or by any other writer.
async fn kind_and_jurisdiction_filters_follow_the_item(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let has_session = |calendar: &[IcalEvent]| {
        calendar
            .iter()
            .any(|e| value(e, "SUMMARY").starts_with("End of session"))
    };
    assert!(has_session(
        &events(&app, "/calendar.ics?kind=bill&jurisdiction=US").await
    ));
    assert!(!has_session(
        &events(&app, "/calendar.ics?jurisdiction=EU").await
    ));

    let editor = app.editor("ed@example.org").await;
    let edit = format!("/items/{S321}/edit");
    let fields = form_fields(&editor.get(&edit).await.body, &edit);
    let saved = editor
        .post_fields(&edit, &with(fields, "jurisdiction", "EU"))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(!has_session(
        &events(&app, "/calendar.ics?jurisdiction=US").await
    ));
    assert!(has_session(
        &events(&app, "/calendar.ics?kind=bill&jurisdiction=EU").await
    ));
    let upcoming = app.page("/upcoming?jurisdiction=EU", 200).await;
    assert!(upcoming.contains("End of session"));

    diesel::sql_query(format!(
        "UPDATE items SET kind = 'other' WHERE slug = '{S321}'"
    ))
    .execute(&mut app.db())
    .unwrap();
    assert!(!has_session(&events(&app, "/calendar.ics?kind=bill").await));
    assert!(has_session(
        &events(&app, "/calendar.ics?kind=other&jurisdiction=EU").await
    ));
    let upcoming = app.page("/upcoming?kind=other", 200).await;
    assert!(upcoming.contains("End of session"));
    assert!(!app
        .page("/upcoming?kind=bill", 200)
        .await
        .contains("End of session"));
}

both_backends!(kind_and_jurisdiction_filters_follow_the_item);

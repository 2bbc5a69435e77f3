//! Every write path queues what its changes owe subscribers, in the same
//! transaction: each change an editor can make reaches a subscriber to
//! everything as exactly one alert.

mod common;

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::domain::{
    ChangeId, Confidence, EmailAddress, EventDate, Frequency, Jurisdiction, Kind, Scope, Slug,
    SourceUrl, Status,
};
use regwatch::schema::{changes, deliveries, digest_entries};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::items::{self, ItemFields, UpdateOutcome};
use regwatch::store::links;
use regwatch::store::subscriptions;

const S321: &str = "us-s321-ai-decoupling-act";

fn fields(title: &str) -> ItemFields {
    ItemFields {
        kind: Kind::Other,
        slug: Slug::try_from("chip-export-review").unwrap(),
        title: title.to_owned(),
        short_title: None,
        original_title: None,
        jurisdiction: Jurisdiction::try_from("EU").unwrap(),
        summary: "A review of chip exports.".to_owned(),
        status_summary: None,
        identifiers: vec![],
        parties: vec![],
        tags: vec![],
    }
}

fn event(note: &str) -> NewEvent {
    NewEvent {
        date: "2025-04".parse::<EventDate>().unwrap(),
        status: Status::parse(Kind::Other, "announced").unwrap(),
        note: note.to_owned(),
        source: SourceUrl::try_from("https://example.org/review").unwrap(),
        confidence: Confidence::Medium,
    }
}

both_backends!(every_write_path_queues_one_alert_per_change, |app| {
    let mut conn = app.db();
    let now = Clock::system().now();
    subscriptions::subscribe_confirmed(
        &mut conn,
        &EmailAddress::try_from("ana@example.org").unwrap(),
        &Scope::All,
        Frequency::Immediate,
        now,
    )
    .unwrap();
    let c = &mut conn;

    let item = items::create(c, &fields("Chip export review"), None, now).unwrap();
    let outcome = items::update(c, item, 1, &fields("Chip export review 2025"), None, now);
    assert!(matches!(outcome.unwrap(), UpdateOutcome::Saved { .. }));
    let event_id = events::record(c, item, &event("Announced."), None, now).unwrap();
    let corrected = events::correct(
        c,
        item,
        event_id,
        &event("Announced in April."),
        None,
        now,
        false,
    );
    assert!(!corrected.unwrap().unwrap().is_empty());
    assert!(events::retract(c, item, event_id, "A different review.", None, now).unwrap());
    let s321 = items::find_by_slug(c, S321).unwrap().unwrap().id;
    assert!(links::insert(c, item, s321, "could restrict", None, now).unwrap());
    let link = links::for_item(c, item).unwrap()[0].id;
    assert!(links::remove(c, item, link, None, now).unwrap());

    // Created, edited, an event recorded, corrected and retracted: five
    // changes to the item; a link added and removed: a change to each of
    // its two items, twice.
    let recorded: Vec<ChangeId> = changes::table
        .filter(changes::created_at.ge(now))
        .order(changes::id.asc())
        .select(changes::id)
        .load(c)
        .unwrap();
    assert_eq!(recorded.len(), 9);
    let mut alerts: BTreeMap<ChangeId, usize> = BTreeMap::new();
    for change in deliveries::table
        .filter(deliveries::kind.eq("alert"))
        .select(deliveries::change_id.assume_not_null())
        .load::<ChangeId>(c)
        .unwrap()
    {
        *alerts.entry(change).or_default() += 1;
    }
    assert_eq!(
        alerts,
        recorded.iter().map(|&c| (c, 1)).collect::<BTreeMap<_, _>>()
    );
});

both_backends!(
    a_change_matching_thousands_queues_each_subscriber_once,
    |app| {
        let mut conn = app.db();
        let now = Clock::system().now();
        // 12,000 confirmed subscriptions to everything, every third a daily
        // digest: more than one statement's worth of each.
        conn.batch_execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
         INSERT INTO subscribers (email, created_at)
         SELECT 'bulk' || i || '@example.org', CURRENT_TIMESTAMP FROM n;
         INSERT INTO subscriptions (subscriber_id, scope_type, scope_value, frequency, confirmed_at, created_at)
         SELECT id, 'all', '', CASE WHEN id % 3 = 0 THEN 'daily' ELSE 'immediate' END,
                CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
         FROM subscribers WHERE email LIKE 'bulk%';",
    )
    .unwrap();
        let s321 = items::find_by_slug(&mut conn, S321).unwrap().unwrap().id;
        events::record(&mut conn, s321, &event("Seen by thousands."), None, now).unwrap();
        let change: ChangeId = changes::table
            .order(changes::id.desc())
            .select(changes::id)
            .first(&mut conn)
            .unwrap();
        let alerted: Vec<i32> = deliveries::table
            .filter(deliveries::change_id.eq(change))
            .filter(deliveries::kind.eq("alert"))
            .select(deliveries::subscription_id)
            .load(&mut conn)
            .unwrap();
        let digested: Vec<i32> = digest_entries::table
            .filter(digest_entries::change_id.eq(change))
            .select(digest_entries::subscription_id)
            .load(&mut conn)
            .unwrap();
        let distinct = |ids: &[i32]| ids.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert_eq!((alerted.len(), distinct(&alerted)), (8000, 8000));
        assert_eq!((digested.len(), distinct(&digested)), (4000, 4000));
    }
);

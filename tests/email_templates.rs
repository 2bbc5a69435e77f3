//! Snapshot tests of every email as it goes over the wire (decoded), with
//! times, MIME boundaries and tokens redacted. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` and `git diff`).

mod common;

use chrono::{Duration, NaiveDateTime};
use common::TestApp;
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{
    Confidence, EmailAddress, Frequency, ItemId, Kind, LeadTimes, Scope, SourceUrl, Status,
};
use regwatch::mail::{compose, transport, Email};
use regwatch::store::changes::{self, ChangePayload};
use regwatch::store::deliveries::{DeliveryKind, DeliveryRow};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::reminders;
use regwatch::store::revisions::FieldChange;
use regwatch::store::subscriptions;

const BASE: &str = "https://regwatch.example";
const S321: &str = "us-s321-ai-decoupling-act";
const APPLE: &str = "apple-alibaba-china-ai";

/// The message as a reader's mail program gets it: the headers that
/// matter, then each part decoded.
fn wire(email: &Email) -> String {
    let from = "regwatch <alerts@regwatch.example>".parse().unwrap();
    let id_domain = transport::message_id_domain(BASE, &from);
    let message = transport::build_message(&from, &id_domain, email).unwrap();
    let raw = message.formatted();
    let parsed = mailparse::parse_mail(&raw).unwrap();
    let mut out = String::new();
    for name in [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "MIME-Version",
        "Content-Type",
    ] {
        if let Some(h) = parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
        {
            out.push_str(&format!("{name}: {}\n", h.get_value()));
        }
    }
    for part in &parsed.subparts {
        out.push_str(&format!(
            "\n----- {} ({}) -----\n",
            part.ctype.mimetype, part.ctype.charset
        ));
        out.push_str(&part.get_body().unwrap().replace("\r\n", "\n"));
    }
    out
}

fn snapshot(name: &str, email: &Email) {
    insta::with_settings!({
        filters => vec![
            (r"[0-9a-f]{64}", "[token]"),
            (r"boundary=.*", "boundary=[boundary]"),
            (r"(?m)^Date: [A-Z][a-z]{2}, .*", "Date: [date]"),
            (r"(?m)^(Message-ID: <[a-z]+-\d+)\.\d+@", "$1.[time]@"),
            (r"\d{1,2} [A-Z][a-z]+ \d{4} \d{2}:\d{2} UTC", "[time]"),
        ],
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, wire(email));
    });
}

fn last_delivery(conn: &mut DbConnection) -> DeliveryRow {
    use regwatch::schema::deliveries as d;
    d::table
        .order(d::id.desc())
        .select(DeliveryRow::as_select())
        .first(conn)
        .unwrap()
}

/// When the emails are written: a week before the 119th Congress ends
/// (3 January 2027), so the digest and the reminder have a milestone ahead
/// whatever day the tests run on.
fn now() -> NaiveDateTime {
    Clock::fixed("2026-12-27T09:00:00".parse().unwrap()).now()
}

/// The email the newest delivery owes.
fn composed(conn: &mut DbConnection) -> Email {
    let delivery = last_delivery(conn);
    conn.transaction(|c| compose(c, &delivery, BASE, &LeadTimes::default(), now()))
        .unwrap()
}

/// Records a change with the alerts and digest entries it owes, as a
/// save does.
fn record_change(conn: &mut DbConnection, item: ItemId, payload: ChangePayload, at: NaiveDateTime) {
    conn.transaction(|c| {
        let change = changes::record(c, item, None, &payload, at)?;
        subscriptions::fan_out(c, change, item, at)
    })
    .unwrap();
}

fn item(conn: &mut DbConnection, slug: &str) -> ItemId {
    regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap()
        .id
}

#[actix_web::test]
async fn every_email_template() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s: &mut Settings| {
        s.base_url = BASE.to_owned();
    })
    .await
    .unwrap();
    let mut conn = app.db();
    let now = now();
    let jane = EmailAddress::try_from("jane@example.org").unwrap();

    // Confirmation.
    subscriptions::subscribe(
        &mut conn,
        &jane,
        &Scope::Tag("export-controls".try_into().unwrap()),
        Frequency::Weekly,
        "127.0.0.1",
        Default::default(),
        now,
    )
    .unwrap();
    let email = composed(&mut conn);
    assert!(email.unsubscribe_url.is_none());
    snapshot("confirmation", &email);

    // An alert for a new status event, known to the month.
    let s321 = item(&mut conn, S321);
    subscriptions::subscribe_confirmed(
        &mut conn,
        &jane,
        &Scope::Item(s321),
        Frequency::Immediate,
        now,
    )
    .unwrap();
    events::record(
        &mut conn,
        s321,
        &NewEvent {
            date: "2025-03".parse().unwrap(),
            status: Status::parse(Kind::Bill, "reported").unwrap(),
            note: "Reported favourably by the Senate Committee on Commerce.".to_owned(),
            source: SourceUrl::try_from(
                "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
            )
            .unwrap(),
            confidence: Confidence::High,
        },
        None,
        now,
    )
    .unwrap();
    snapshot("alert_event", &composed(&mut conn));

    // An alert for edited fields.
    record_change(
        &mut conn,
        s321,
        ChangePayload::FieldsEdited {
            changes: vec![
                FieldChange {
                    field: "short_title".into(),
                    old: Some("S.321".into()),
                    new: Some("Decoupling Act".into()),
                },
                FieldChange {
                    field: "status_summary".into(),
                    old: None,
                    new: Some("In committee.".into()),
                },
            ],
        },
        now,
    );
    snapshot("alert_fields", &composed(&mut conn));

    // An alert for a retracted event.
    record_change(
        &mut conn,
        s321,
        ChangePayload::EventRetracted {
            event_id: 1,
            date_human: "March 2025".into(),
            status_label: "Reported by committee".into(),
            reason: "The report was about a different bill.".into(),
        },
        now,
    );
    snapshot("alert_retracted", &composed(&mut conn));

    // An alert for a correction, which says it was marked material.
    let reported = events::for_item(&mut conn, s321).unwrap().pop().unwrap();
    let deliveries = app.count("deliveries");
    events::correct(
        &mut conn,
        s321,
        reported.id,
        &NewEvent {
            date: "2025-03-12".parse().unwrap(),
            status: Status::parse(Kind::Bill, "reported").unwrap(),
            note: "Reported favourably by the Senate Committee on Commerce.".to_owned(),
            source: SourceUrl::try_from(
                "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
            )
            .unwrap(),
            confidence: Confidence::High,
        },
        None,
        now,
        false,
    )
    .unwrap();
    assert_eq!(app.count("deliveries"), deliveries + 1);
    snapshot("alert_corrected", &composed(&mut conn));

    // A daily digest with changes to two items.
    let ana = EmailAddress::try_from("ana@example.org").unwrap();
    subscriptions::subscribe_confirmed(&mut conn, &ana, &Scope::All, Frequency::Daily, now)
        .unwrap();
    let apple = item(&mut conn, APPLE);
    events::record(
        &mut conn,
        apple,
        &NewEvent {
            date: "2025-02-13".parse().unwrap(),
            status: Status::parse(Kind::Deal, "confirmed").unwrap(),
            note: "Alibaba's chair confirms the partnership.".to_owned(),
            source: SourceUrl::try_from("https://www.pymnts.com/").unwrap(),
            confidence: Confidence::Medium,
        },
        None,
        now,
    )
    .unwrap();
    // A minor correction: no alert for Jane, who follows S.321 at once;
    // the digest tells it, marked minor.
    let deliveries = app.count("deliveries");
    let reported_again = events::for_item(&mut conn, s321).unwrap().pop().unwrap();
    events::correct(
        &mut conn,
        s321,
        reported_again.id,
        &NewEvent {
            date: "2025-03-12".parse().unwrap(),
            status: Status::parse(Kind::Bill, "reported").unwrap(),
            note: "Reported favourably by the Senate Committee on Commerce and Transportation."
                .to_owned(),
            source: SourceUrl::try_from(
                "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
            )
            .unwrap(),
            confidence: Confidence::High,
        },
        None,
        now,
        true,
    )
    .unwrap();
    assert_eq!(
        app.count("deliveries"),
        deliveries,
        "a minor correction alerts no one"
    );
    record_change(
        &mut conn,
        s321,
        ChangePayload::LinkAdded {
            relation: "could restrict".into(),
            other_slug: APPLE.into(),
            other_title: "Apple–Alibaba AI partnership in China".into(),
            outgoing: true,
        },
        now,
    );
    let leads = LeadTimes::default();
    let queued =
        subscriptions::close_due_digests(&mut conn, now + Duration::days(1), &leads).unwrap();
    assert_eq!(queued, 1);
    assert_eq!(last_delivery(&mut conn).kind, DeliveryKind::Digest);
    snapshot("digest", &composed(&mut conn));

    // The week-ahead reminder of the end of the 119th Congress, to the
    // immediate subscriber of S.321 (the daily one has it in the digest).
    let queued = reminders::queue_owed(&mut conn, &leads, now).unwrap();
    assert_eq!((queued.reminders, queued.deliveries), (1, 1));
    assert_eq!(last_delivery(&mut conn).kind, DeliveryKind::Reminder);
    snapshot("reminder", &composed(&mut conn));
}

//! Milestone reminders as subscribers get them: the real app on a fixed
//! clock that the tests move on, a delivery worker run at the clock's time,
//! and a real SMTP server on loopback. The starter data's end of the 119th
//! Congress (S.321, 3 January 2027) is the milestone most of them watch.

mod common;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::smtp::{Mail, SmtpServer};
use common::{form_fields, with, TestApp};
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::Backend;
use regwatch::domain::{EmailAddress, Frequency, Scope};
use regwatch::mail::worker::Round;
use regwatch::mail::Worker;
use regwatch::store::{reminders, subscriptions};

const BASE: &str = "https://regwatch.example";
const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";

/// The app on a fixed clock (9:00 UTC on `day`), sending to its own SMTP
/// server; the test runs the worker itself, at the clock's time.
struct Setup {
    app: TestApp,
    smtp: SmtpServer,
    clock: Clock,
}

fn morning(day: &str) -> NaiveDateTime {
    day.parse::<NaiveDate>()
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
}

async fn setup(backend: Backend, day: &str) -> Option<Setup> {
    let smtp = SmtpServer::start();
    let clock = Clock::fixed(morning(day));
    let (app_clock, url) = (clock.clone(), smtp.url());
    let app = TestApp::spawn_with(backend, move |s| {
        s.clock = app_clock;
        s.base_url = BASE.to_owned();
        s.smtp_url = Some(url);
    })
    .await?;
    Some(Setup { app, smtp, clock })
}

impl Setup {
    /// A delivery worker, as a `regwatch worker` process started now.
    fn worker(&self) -> Worker {
        let mut settings = Settings::for_database(&self.app.database_url);
        settings.base_url = BASE.to_owned();
        settings.smtp_url = Some(self.smtp.url());
        settings.clock = self.clock.clone();
        let pool = regwatch::db::connect(&self.app.database_url).expect("pool");
        Worker::new(pool, &settings).expect("worker")
    }

    /// Runs the worker until nothing is left to do at the clock's time.
    fn run(&self, worker: &Worker) -> Round {
        worker.drain(self.clock.now()).expect("worker rounds")
    }

    /// Moves the clock on to 9:00 UTC on `day`.
    fn move_to(&self, day: &str) {
        let by = morning(day) - self.clock.now();
        assert!(by >= Duration::zero(), "the clock only moves on");
        self.clock.advance(by);
    }

    fn subscribe(&self, email: &str, scope: Scope, frequency: Frequency) {
        subscriptions::subscribe_confirmed(
            &mut self.app.db(),
            &EmailAddress::try_from(email).unwrap(),
            &scope,
            frequency,
            self.clock.now(),
        )
        .unwrap();
    }

    /// The reminders `email` has received, oldest first.
    fn reminders(&self, email: &str) -> Vec<Mail> {
        self.smtp
            .to(email)
            .into_iter()
            .filter(|m| m.subject.starts_with("Reminder: "))
            .collect()
    }

    fn item_scope(&self, slug: &str) -> Scope {
        let item = regwatch::store::items::find_by_slug(&mut self.app.db(), slug)
            .unwrap()
            .unwrap();
        Scope::Item(item.id)
    }

    fn milestone_id(&self, kind: &str) -> i32 {
        use regwatch::schema::milestones as m;
        m::table
            .filter(m::kind.eq(kind))
            .select(m::id)
            .first(&mut self.app.db())
            .unwrap()
    }
}

/// The week-ahead reminder goes out when the clock reaches it, once; then
/// the day-before one; a restarted worker sends neither again; an
/// unconfirmed subscriber gets only the confirmation request.
async fn a_subscriber_is_reminded_a_week_and_a_day_ahead_once_each(backend: Backend) {
    let Some(t) = setup(backend, "2026-12-20").await else {
        return;
    };
    t.subscribe("jane@example.org", t.item_scope(S321), Frequency::Immediate);
    subscriptions::subscribe(
        &mut t.app.db(),
        &EmailAddress::try_from("bob@example.org").unwrap(),
        &t.item_scope(S321),
        Frequency::Immediate,
        "127.0.0.1",
        Default::default(),
        t.clock.now(),
    )
    .unwrap();
    let worker = t.worker();
    t.run(&worker);
    assert!(t.reminders("jane@example.org").is_empty(), "14 days ahead");

    t.move_to("2026-12-26");
    t.run(&worker);
    assert!(t.reminders("jane@example.org").is_empty(), "8 days ahead");

    t.move_to("2026-12-27");
    let round = t.run(&worker);
    assert_eq!((round.reminders, round.sent), (1, 1), "{round:?}");
    let mail = t.reminders("jane@example.org");
    assert_eq!(mail.len(), 1);
    assert_eq!(
        mail[0].subject,
        "Reminder: AI Decoupling Act (S.321): End of session in 7 days: 3 January 2027"
    );
    assert!(mail[0].text.contains("Days left: 7"), "{}", mail[0].text);
    assert!(mail[0]
        .text
        .contains(&format!("See the item: {BASE}/items/{S321}")));
    assert!(
        mail[0]
            .link(&format!("{BASE}/subscriptions/unsubscribe/"))
            .len()
            > 60
    );
    assert!(mail[0].header("List-Unsubscribe").is_some());

    // The same day, later, and the days after: nothing more.
    t.clock.advance(Duration::hours(6));
    t.run(&worker);
    t.move_to("2027-01-01");
    t.run(&worker);
    assert_eq!(t.reminders("jane@example.org").len(), 1);

    t.move_to("2027-01-02");
    t.run(&worker);
    let mail = t.reminders("jane@example.org");
    assert_eq!(mail.len(), 2);
    assert_eq!(
        mail[1].subject,
        "Reminder: AI Decoupling Act (S.321): End of session tomorrow: 3 January 2027"
    );
    assert!(mail[1].text.contains("Days left: 1"), "{}", mail[1].text);

    // A worker started afresh the same day finds nothing owed.
    drop(worker);
    let restarted = t.worker();
    let round = t.run(&restarted);
    assert_eq!((round.reminders, round.claimed), (0, 0), "{round:?}");
    t.move_to("2027-01-03");
    t.run(&restarted);
    assert_eq!(t.reminders("jane@example.org").len(), 2);
    assert_eq!(t.app.count("milestone_reminders"), 2);

    let bob = t.smtp.to("bob@example.org");
    assert_eq!(bob.len(), 1, "only the confirmation request");
    assert!(bob[0].subject.starts_with("Confirm"), "{}", bob[0].subject);
}

both_backends!(a_subscriber_is_reminded_a_week_and_a_day_ahead_once_each);

/// Correcting the date arms the reminders again for the new date; removing
/// the milestone cancels what is queued and owes nothing more; a queued
/// reminder whose milestone moved behind the store's back is dropped, not
/// sent.
async fn a_corrected_date_rearms_and_a_removed_milestone_sends_none(backend: Backend) {
    let Some(t) = setup(backend, "2026-12-27").await else {
        return;
    };
    t.subscribe("jane@example.org", t.item_scope(S321), Frequency::Immediate);
    let worker = t.worker();
    t.run(&worker);
    assert_eq!(t.reminders("jane@example.org").len(), 1);

    // On 29 December an editor moves the end of session a week on.
    t.move_to("2026-12-29");
    let id = t.milestone_id("session-end");
    let editor = t.app.editor("ed@example.org").await;
    let edit = format!("/items/{S321}/milestones/{id}/edit");
    let fields = form_fields(&editor.get(&edit).await.body, &edit);
    let moved = editor
        .post_fields(&edit, &with(fields, "date", "2027-01-10"))
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    t.run(&worker);
    assert_eq!(t.reminders("jane@example.org").len(), 1, "not due yet");

    t.move_to("2027-01-03");
    t.run(&worker);
    let mail = t.reminders("jane@example.org");
    assert_eq!(mail.len(), 2, "the week-ahead reminder for the new date");
    assert!(
        mail[1]
            .subject
            .ends_with("End of session in 7 days: 10 January 2027"),
        "{}",
        mail[1].subject
    );

    // The day-before reminder is queued, then the milestone is removed
    // before the worker sends it.
    t.move_to("2027-01-09");
    let queued =
        reminders::queue_owed(&mut t.app.db(), &Default::default(), t.clock.now()).unwrap();
    assert_eq!((queued.reminders, queued.deliveries), (1, 1));
    let editor = t.app.editor("ed2@example.org").await;
    let removed = editor
        .submit(
            &format!("/items/{S321}/milestones/{id}/remove"),
            &[("reason", "Entered on the wrong bill.")],
        )
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(
        t.app
            .count("deliveries WHERE kind = 'reminder' AND status = 'pending'"),
        0,
        "the queued reminder is cancelled with the milestone"
    );
    t.run(&worker);
    t.move_to("2027-01-10");
    t.run(&worker);
    assert_eq!(
        t.reminders("jane@example.org").len(),
        2,
        "none after removal"
    );

    // A reminder queued for a date that then changes without the store
    // knowing (as when the claim races the correction) is dropped.
    let added = editor
        .submit(
            &format!("/items/{S321}/milestones/new"),
            &[
                ("kind", "vote"),
                ("date", "2027-01-11"),
                ("precision", "day"),
                ("note", "Floor vote scheduled."),
                ("source_url", "https://www.congress.gov/"),
                ("confidence", "medium"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let queued =
        reminders::queue_owed(&mut t.app.db(), &Default::default(), t.clock.now()).unwrap();
    assert_eq!(queued.deliveries, 1);
    {
        use regwatch::schema::milestones as m;
        diesel::update(m::table.filter(m::kind.eq("vote")))
            .set(m::milestone_date.eq("2027-02-11".parse::<NaiveDate>().unwrap()))
            .execute(&mut t.app.db())
            .unwrap();
    }
    let round = t.run(&worker);
    assert_eq!(round.dropped, 1, "{round:?}");
    assert_eq!(t.reminders("jane@example.org").len(), 2);
    let alerts = t.smtp.to("jane@example.org");
    assert!(
        alerts.last().unwrap().subject.contains("Vote"),
        "the vote's own alert went out: {}",
        alerts.last().unwrap().subject
    );
}

both_backends!(a_corrected_date_rearms_and_a_removed_milestone_sends_none);

/// A milestone known only to its month is reminded of before the month
/// begins, and the email says so; scopes other than the item match as
/// alerts do.
async fn a_month_milestone_reminds_before_its_first_day_to_matching_scopes(backend: Backend) {
    let Some(t) = setup(backend, "2027-02-15").await else {
        return;
    };
    t.subscribe(
        "quantum@example.org",
        Scope::Tag("quantum".try_into().unwrap()),
        Frequency::Immediate,
    );
    t.subscribe(
        "export@example.org",
        Scope::Tag("export-controls".try_into().unwrap()),
        Frequency::Immediate,
    );
    t.subscribe("all@example.org", Scope::All, Frequency::Immediate);
    t.subscribe(
        "eu@example.org",
        Scope::Jurisdiction("EU".try_into().unwrap()),
        Frequency::Immediate,
    );
    let editor = t.app.editor("ed@example.org").await;
    let added = editor
        .submit(
            &format!("/items/{OUTBOUND}/milestones/new"),
            &[
                ("kind", "comment-deadline"),
                ("date", "2027-03"),
                ("precision", "month"),
                ("note", "Comments due in March; the day is not set yet."),
                ("source_url", "https://home.treasury.gov/"),
                ("confidence", "medium"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let worker = t.worker();
    t.run(&worker);

    t.move_to("2027-02-21");
    t.run(&worker);
    assert!(
        t.reminders("quantum@example.org").is_empty(),
        "8 days ahead"
    );

    t.move_to("2027-02-22");
    t.run(&worker);
    let mail = t.reminders("quantum@example.org");
    assert_eq!(mail.len(), 1);
    assert_eq!(
        mail[0].subject,
        "Reminder: Treasury Outbound Investment Rule: Comment deadline in March 2027, which begins in 7 days"
    );
    assert!(
        mail[0].text.contains(
            "Comment deadline: March 2027 (date known only to the month: reminding before 1 March 2027)"
        ),
        "{}",
        mail[0].text
    );
    assert!(mail[0].html.contains("reminding before 1 March 2027"));
    assert_eq!(t.reminders("all@example.org").len(), 1);
    assert!(t.reminders("export@example.org").is_empty(), "S.321's tag");
    assert!(t.reminders("eu@example.org").is_empty());

    t.move_to("2027-02-28");
    t.run(&worker);
    let mail = t.reminders("quantum@example.org");
    assert_eq!(mail.len(), 2);
    assert!(
        mail[1]
            .subject
            .ends_with("Comment deadline in March 2027, which begins tomorrow"),
        "{}",
        mail[1].subject
    );
    t.move_to("2027-03-02");
    t.run(&worker);
    assert_eq!(t.reminders("quantum@example.org").len(), 2);
}

both_backends!(a_month_milestone_reminds_before_its_first_day_to_matching_scopes);

/// Digest subscribers get the milestones coming up in their digest, on the
/// days a reminder falls due, and no reminder of their own; a quiet day with
/// nothing newly coming up sends nothing.
async fn digest_subscribers_get_milestones_in_their_digest(backend: Backend) {
    let Some(t) = setup(backend, "2026-12-26").await else {
        return;
    };
    t.subscribe("ana@example.org", Scope::All, Frequency::Daily);
    t.subscribe("jane@example.org", t.item_scope(S321), Frequency::Immediate);
    let worker = t.worker();
    t.run(&worker);
    assert!(t.smtp.to("ana@example.org").is_empty());

    // 27 December: the week-ahead reminder day.
    t.move_to("2026-12-27");
    t.run(&worker);
    let digests = t.smtp.to("ana@example.org");
    assert_eq!(digests.len(), 1);
    assert_eq!(
        digests[0].subject,
        "Your daily regwatch digest: 1 milestone coming up"
    );
    let text = &digests[0].text;
    assert!(text.contains("no changes from"), "{text}");
    assert!(text.contains("== Coming up =="), "{text}");
    assert!(
        text.contains("End of session in 7 days: 3 January 2027"),
        "{text}"
    );
    assert!(text.contains(&format!("{BASE}/items/{S321}")), "{text}");
    assert!(t.reminders("ana@example.org").is_empty());
    assert_eq!(t.reminders("jane@example.org").len(), 1);

    // Quiet days in between send nothing.
    t.move_to("2026-12-28");
    t.run(&worker);
    t.move_to("2026-12-29");
    t.run(&worker);
    assert_eq!(t.smtp.to("ana@example.org").len(), 1);

    // A day with a change lists what is coming up beside it.
    let editor = t.app.editor("ed@example.org").await;
    let recorded = editor
        .submit(
            &format!("/items/{OUTBOUND}/events/new"),
            &[
                ("date", "2026-12-29"),
                ("precision", "day"),
                ("status", "amended"),
                ("note", "Technical corrections published."),
                ("source_url", "https://www.federalregister.gov/"),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    t.move_to("2026-12-30");
    t.run(&worker);
    let digests = t.smtp.to("ana@example.org");
    assert_eq!(digests.len(), 2);
    assert_eq!(
        digests[1].subject,
        "Your daily regwatch digest: 1 change to 1 item"
    );
    assert!(
        digests[1]
            .text
            .contains("End of session in 4 days: 3 January 2027"),
        "{}",
        digests[1].text
    );

    // The day before: the digest says so.
    t.move_to("2027-01-02");
    t.run(&worker);
    let digests = t.smtp.to("ana@example.org");
    assert_eq!(digests.len(), 3);
    assert!(
        digests[2]
            .text
            .contains("End of session tomorrow: 3 January 2027"),
        "{}",
        digests[2].text
    );
    assert!(t.reminders("ana@example.org").is_empty());
}

both_backends!(digest_subscribers_get_milestones_in_their_digest);

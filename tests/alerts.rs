//! Email alerts end to end: subscribing through the forms, the mail a real
//! SMTP server on loopback receives, scopes, digests, unsubscribing.

mod common;

use chrono::Duration;
use common::smtp::{Mail, SmtpServer};
use common::{attrs, form_fields, texts, with, TestApp};
use diesel::prelude::*;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::{Backend, DbConnection};
use regwatch::domain::{
    Confidence, EmailAddress, Frequency, ItemId, Kind, Scope, SourceUrl, Status, SubscriberId,
    SubscriptionId,
};
use regwatch::mail::Worker;
use regwatch::store::events::{self, NewEvent};
use regwatch::store::subscriptions;

const BASE: &str = "https://regwatch.example";
const S321: &str = "us-s321-ai-decoupling-act";
const OUTBOUND: &str = "us-outbound-investment-rule";
const APPLE: &str = "apple-alibaba-china-ai";

fn configure(s: &mut Settings, smtp_url: Option<String>) {
    s.base_url = BASE.to_owned();
    s.smtp_url = smtp_url;
    s.worker.poll = std::time::Duration::from_millis(20);
    s.worker.retry.base = Duration::milliseconds(200);
    s.worker.retry.max = Duration::seconds(1);
}

/// The app with its delivery worker running, sending to `smtp`.
async fn app_with_worker(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let url = smtp.url();
    TestApp::spawn_with(backend, |s| {
        configure(s, Some(url));
        s.run_worker = true;
    })
    .await
}

/// The app without a worker; tests drive a [`Worker`] themselves, at the
/// times they choose.
async fn app_without_worker(backend: Backend, smtp_url: String) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| configure(s, Some(smtp_url))).await
}

fn worker(app: &TestApp, smtp_url: String, adjust: impl FnOnce(&mut Settings)) -> Worker {
    let mut settings = Settings::for_database(&app.database_url);
    configure(&mut settings, Some(smtp_url));
    adjust(&mut settings);
    let pool = regwatch::db::connect(&app.database_url).expect("pool");
    Worker::new(pool, &settings).expect("worker")
}

fn item_id(conn: &mut DbConnection, slug: &str) -> ItemId {
    regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap_or_else(|| panic!("{slug} exists"))
        .id
}

fn record_event(
    conn: &mut DbConnection,
    slug: &str,
    kind: Kind,
    date: &str,
    status: &str,
    note: &str,
) {
    let id = item_id(conn, slug);
    events::record(
        conn,
        id,
        &NewEvent {
            date: date.parse().unwrap(),
            status: Status::parse(kind, status).unwrap(),
            note: note.to_owned(),
            source: SourceUrl::try_from(
                "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
            )
            .unwrap(),
            confidence: Confidence::High,
        },
        None,
        Clock::system().now(),
    )
    .unwrap();
}

/// Edits an item's title the way the edit form does.
fn edit_title(conn: &mut DbConnection, slug: &str, new_title: &str) {
    use regwatch::store::items;
    let item = items::find_by_slug(conn, slug).unwrap().unwrap();
    let mut fields = items::load_fields(conn, item.id).unwrap();
    fields.title = new_title.to_owned();
    let outcome = items::update(
        conn,
        item.id,
        item.version,
        &fields,
        None,
        Clock::system().now(),
    )
    .unwrap();
    assert!(
        matches!(outcome, items::UpdateOutcome::Saved { .. }),
        "{outcome:?}"
    );
}

fn confirmed(
    conn: &mut DbConnection,
    email: &str,
    scope: Scope,
    frequency: Frequency,
) -> SubscriptionId {
    subscriptions::subscribe_confirmed(
        conn,
        &EmailAddress::try_from(email).unwrap(),
        &scope,
        frequency,
        Clock::system().now(),
    )
    .unwrap()
}

fn path_of(url: &str) -> String {
    url.strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is an absolute link to {BASE}"))
        .to_owned()
}

async fn post_form(app: &TestApp, path: &str, body: &str) -> (u16, String) {
    let res = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Waits (up to 15 s) until the outbox holds no delivery that is not sent.
async fn everything_sent(conn: &mut DbConnection) {
    use regwatch::schema::deliveries as d;
    let start = std::time::Instant::now();
    loop {
        let unsent: i64 = d::table
            .filter(d::status.ne("sent"))
            .count()
            .get_result(conn)
            .unwrap();
        if unsent == 0 {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "{unsent} deliveries still unsent"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

fn count_subscriptions(conn: &mut DbConnection) -> i64 {
    use regwatch::schema::subscriptions;
    subscriptions::table.count().get_result(conn).unwrap()
}

// ------------------------------------------------------------ the journey

async fn subscribe_confirm_alert_edit_unsubscribe(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with_worker(backend, &smtp).await else {
        return;
    };
    let mut conn = app.db();
    // Someone else follows everything: their mail shows when the worker has
    // caught up.
    confirmed(
        &mut conn,
        "control@example.org",
        Scope::All,
        Frequency::Immediate,
    );

    // The item page offers the subscribe box; subscribe to this item.
    let page = app.page(&format!("/items/{S321}"), 200).await;
    let scopes = attrs(&page, ".subscribe input[name=scope]", "value");
    assert!(scopes.contains(&format!("item:{S321}")), "{scopes:?}");
    assert!(scopes.contains(&"tag:export-controls".to_owned()));
    assert!(scopes.contains(&"jurisdiction:US".to_owned()));
    assert!(scopes.contains(&"kind:bill".to_owned()));
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        &format!("email=jane%40example.org&scope=item%3A{S321}&frequency=immediate"),
    )
    .await;
    assert_eq!(status, 303);
    app.page("/subscriptions/pending", 200).await;

    // The confirmation email arrives; following its link shows a button
    // and confirms nothing by itself.
    let mail = smtp.wait_for("jane@example.org", 1).await.remove(0);
    assert!(
        mail.subject.starts_with("Confirm your regwatch alerts"),
        "{}",
        mail.subject
    );
    assert_eq!(mail.content_type, "multipart/alternative");
    // It also links to the address's subscriptions (to remove an unwanted one).
    let manage = path_of(&mail.link(&format!("{BASE}/subscriptions/manage/")));
    let page = app.page(&manage, 200).await;
    assert_eq!(
        texts(&page, ".subscription p"),
        [format!(
            "the item “{}” (waiting for confirmation)",
            full_title(&mut conn, S321)
        )]
    );
    let confirm = path_of(&mail.link(&format!("{BASE}/subscriptions/confirm/")));
    let page = app.page(&confirm, 200).await;
    assert_eq!(texts(&page, "form button"), ["Confirm my subscription"]);
    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-02-03",
        "referred",
        "Before confirming.",
    );
    smtp.wait_for("control@example.org", 1).await;
    let (status, page) = post_form(&app, &confirm, "").await;
    assert_eq!(status, 200);
    assert!(page.contains("Subscription confirmed"));

    // An editor records a status event through the form: the alert shows
    // its date, status and source.
    let editor = app.editor("ed@example.org").await;
    let answer = editor
        .submit(
            &format!("/items/{S321}/events/new"),
            &[
                ("date", "2025-03"),
                ("precision", "month"),
                ("status", "reported"),
                ("note", "Reported favourably by the committee."),
                (
                    "source_url",
                    "https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions",
                ),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let mails = smtp.wait_for("jane@example.org", 2).await;
    let alert = &mails[1];
    assert_eq!(
        alert.subject,
        format!(
            "{}: Reported by committee (March 2025)",
            short_name(&mut conn, S321)
        )
    );
    for body in [&alert.text, &alert.html] {
        assert!(body.contains("March 2025"), "{body}");
        assert!(body.contains("Reported by committee"), "{body}");
        assert!(
            body.contains("Reported favourably by the committee."),
            "{body}"
        );
        assert!(body
            .contains("https://www.congress.gov/bill/119th-congress/senate-bill/321/all-actions"));
        assert!(body.contains("Bill"));
        assert!(body.contains("US"));
    }
    assert!(alert.text.contains("known to the month"));
    assert!(alert.text.contains(&format!("{BASE}/items/{S321}")));
    assert!(alert
        .text
        .contains(&format!("{BASE}/subscriptions/manage/")));
    let unsubscribe = alert.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        alert.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = unsubscribe
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(unsubscribe.starts_with(&format!("{BASE}/subscriptions/unsubscribe/")));

    // The editor edits a field through the edit form: the alert shows
    // old → new.
    let old_title = regwatch::store::items::find_by_slug(&mut conn, S321)
        .unwrap()
        .unwrap()
        .title;
    let path = format!("/items/{S321}/edit");
    let form = editor.get(&path).await;
    let fields = with(
        form_fields(&form.body, &path),
        "title",
        "Decoupling Act (as amended)",
    );
    let answer = editor.post_fields(&path, &fields).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let mails = smtp.wait_for("jane@example.org", 3).await;
    let edit = &mails[2];
    assert!(edit.subject.ends_with("title edited"), "{}", edit.subject);
    assert!(
        edit.text.contains(&format!(
            "Title:\n  was: {old_title}\n  now: Decoupling Act (as amended)"
        )),
        "{}",
        edit.text
    );
    assert!(edit.html.contains("<del>") && edit.html.contains("Decoupling Act (as amended)"));

    // The manage link shows the subscription.
    let manage = path_of(&edit.link(&format!("{BASE}/subscriptions/manage/")));
    let page = app.page(&manage, 200).await;
    assert!(page.contains("jane@example.org"));
    assert_eq!(
        texts(&page, ".subscription strong"),
        ["the item “Decoupling Act (as amended)”"]
    );

    // One-click unsubscribe: a POST with only the token.
    let res = app
        .client
        .post(app.url(&path_of(&unsubscribe)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // No more mail: the control subscriber gets the next change, Jane not.
    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-04-01",
        "stalled",
        "No floor time.",
    );
    let control = smtp.wait_for("control@example.org", 4).await;
    assert!(control[3].text.contains("No floor time."));
    // Once the worker has sent all it owes, a straggler would be in.
    everything_sent(&mut conn).await;
    assert_eq!(
        smtp.to("jane@example.org").len(),
        3,
        "no mail after unsubscribing"
    );
    assert_eq!(count_subscriptions(&mut conn), 1);
}
both_backends!(subscribe_confirm_alert_edit_unsubscribe);

fn full_title(conn: &mut DbConnection, slug: &str) -> String {
    regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap()
        .title
}

fn short_name(conn: &mut DbConnection, slug: &str) -> String {
    let item = regwatch::store::items::find_by_slug(conn, slug)
        .unwrap()
        .unwrap();
    item.short_title.unwrap_or(item.title)
}

// ---------------------------------------------------------- scope matching

async fn scopes_decide_who_is_mailed(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_without_worker(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    let apple = item_id(&mut conn, APPLE);
    confirmed(
        &mut conn,
        "tag@example.org",
        Scope::Tag("export-controls".try_into().unwrap()),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "cn@example.org",
        Scope::Jurisdiction("CN".try_into().unwrap()),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "deals@example.org",
        Scope::Kind(Kind::Deal),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "apple@example.org",
        Scope::Item(apple),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "filter@example.org",
        Scope::filter("?kind=regulation&jurisdiction=US").unwrap(),
        Frequency::Immediate,
    );
    // Saved filters that depend on what the change itself derives: the
    // item's new phase, and its search document (event notes are indexed).
    confirmed(
        &mut conn,
        "inforce@example.org",
        Scope::filter("?kind=bill&phase=in-force").unwrap(),
        Frequency::Immediate,
    );
    confirmed(
        &mut conn,
        "search@example.org",
        Scope::filter("?q=moved").unwrap(),
        Frequency::Immediate,
    );
    // Asked through the form, never confirmed.
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        "email=shy%40example.org&scope=all&frequency=immediate",
    )
    .await;
    assert_eq!(status, 303);

    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-05-01",
        "referred",
        "S321 moved.",
    );
    record_event(
        &mut conn,
        OUTBOUND,
        Kind::Regulation,
        "2025-05-02",
        "effective",
        "Outbound moved.",
    );
    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-05-03",
        "under-review",
        "Apple deal moved.",
    );
    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2026-11-20",
        "enacted",
        "S321 enacted.",
    );
    worker.drain(Clock::system().now()).unwrap();

    let notes = |who: &str| -> Vec<String> {
        let mut notes: Vec<String> = smtp
            .to(who)
            .iter()
            .filter(|m| !m.subject.starts_with("Confirm"))
            .map(|m| {
                [
                    "S321 moved.",
                    "Outbound moved.",
                    "Apple deal moved.",
                    "S321 enacted.",
                ]
                .into_iter()
                .find(|n| m.text.contains(n))
                .unwrap_or("?")
                .to_owned()
            })
            .collect();
        notes.sort();
        notes
    };
    // S321 is tagged export-controls, the outbound rule is not.
    assert_eq!(notes("tag@example.org"), ["S321 enacted.", "S321 moved."]);
    assert_eq!(notes("cn@example.org"), ["Apple deal moved."]);
    assert_eq!(notes("deals@example.org"), ["Apple deal moved."]);
    assert_eq!(notes("apple@example.org"), ["Apple deal moved."]);
    assert_eq!(notes("filter@example.org"), ["Outbound moved."]);
    // Only the enactment puts the bill in force.
    assert_eq!(notes("inforce@example.org"), ["S321 enacted."]);
    // Each note is searchable as soon as its change is announced.
    assert_eq!(
        notes("search@example.org"),
        [
            "Apple deal moved.",
            "Outbound moved.",
            "S321 enacted.",
            "S321 moved."
        ]
    );
    // The unconfirmed address got its confirmation and nothing else.
    let shy = smtp.to("shy@example.org");
    assert_eq!(shy.len(), 1);
    assert!(shy[0].subject.starts_with("Confirm"));
}
both_backends!(scopes_decide_who_is_mailed);

// ----------------------------------------------------------------- digests

async fn a_digest_holds_each_change_of_its_period_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_without_worker(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    let start = Clock::system().now();
    confirmed(
        &mut conn,
        "daily@example.org",
        Scope::Tag("ai".try_into().unwrap()),
        Frequency::Daily,
    );
    confirmed(
        &mut conn,
        "weekly@example.org",
        Scope::Jurisdiction("CN".try_into().unwrap()),
        Frequency::Weekly,
    );

    record_event(
        &mut conn,
        S321,
        Kind::Bill,
        "2025-06-01",
        "referred",
        "First change.",
    );
    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-06-02",
        "under-review",
        "Second change.",
    );
    edit_title(&mut conn, S321, "Third change title");
    // Before the period ends, nothing is sent.
    worker.drain(start + Duration::hours(23)).unwrap();
    assert!(smtp.to("daily@example.org").is_empty());

    worker
        .drain(start + Duration::days(1) + Duration::seconds(1))
        .unwrap();
    let first = smtp.to("daily@example.org");
    assert_eq!(first.len(), 1, "one digest for the first day");
    let digest = &first[0];
    assert_eq!(
        digest.subject,
        "Your daily regwatch digest: 3 changes to 2 items"
    );
    // The edited title also heads its item's section, so count the change
    // itself.
    for note in ["First change.", "Second change.", "now: Third change title"] {
        assert_eq!(
            digest.text.matches(note).count(),
            1,
            "{note} once in:\n{}",
            digest.text
        );
    }
    for note in [
        "First change.",
        "Second change.",
        "<ins>Third change title</ins>",
    ] {
        assert_eq!(
            digest.html.matches(note).count(),
            1,
            "{note} once in the HTML"
        );
    }
    assert!(digest.header("List-Unsubscribe").is_some());

    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-06-03",
        "announced",
        "Fourth change.",
    );
    worker
        .drain(start + Duration::days(2) + Duration::seconds(2))
        .unwrap();
    let second = smtp.to("daily@example.org");
    assert_eq!(second.len(), 2, "one digest for the second day");
    assert_eq!(
        second[1].subject,
        "Your daily regwatch digest: 1 change to 1 item"
    );
    assert!(second[1].text.contains("Fourth change."));
    for note in ["First change.", "Second change.", "now: Third change title"] {
        assert!(
            !second[1].text.contains(note),
            "{note} was in the first digest already"
        );
    }
    // A day without changes sends nothing.
    worker
        .drain(start + Duration::days(3) + Duration::seconds(3))
        .unwrap();
    assert_eq!(smtp.to("daily@example.org").len(), 2);

    // The weekly subscriber gets its week at once: the Apple changes only.
    assert!(smtp.to("weekly@example.org").is_empty());
    worker
        .drain(start + Duration::days(7) + Duration::seconds(4))
        .unwrap();
    let weekly = smtp.to("weekly@example.org");
    assert_eq!(weekly.len(), 1);
    assert_eq!(
        weekly[0].subject,
        "Your weekly regwatch digest: 2 changes to 1 item"
    );
    assert!(weekly[0].text.contains("Second change.") && weekly[0].text.contains("Fourth change."));
    assert!(!weekly[0].text.contains("First change."));
}
both_backends!(a_digest_holds_each_change_of_its_period_once);

// --------------------------------------------------- forms and bad input

async fn the_subscribe_form_refuses_bad_input_and_floods(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        configure(s, None);
        s.subscribe_limits.per_address = 3;
        s.subscribe_limits.per_client = 6;
    })
    .await
    else {
        return;
    };
    let mut conn = app.db();
    // The timeline and a filtered view offer the box; the filtered view
    // offers its own filter.
    let page = app.page("/", 200).await;
    assert_eq!(
        attrs(&page, ".subscribe input[name=scope]", "value"),
        ["all"]
    );
    let page = app.page("/?kind=bill&tag=ai&page=2", 200).await;
    assert_eq!(
        attrs(&page, ".subscribe input[name=scope]", "value"),
        ["all", "filter:kind=bill&tag=ai"]
    );
    let page = app.page("/items?jurisdiction=CN", 200).await;
    assert!(attrs(&page, ".subscribe input[name=scope]", "value")
        .contains(&"filter:jurisdiction=CN".to_owned()));

    // Bad input: a message beside each field, the input kept, 422, nothing stored.
    for (body, field, message) in [
        (
            "email=not-an-address&scope=all&frequency=daily",
            "email",
            "is not an email address",
        ),
        ("email=&scope=all&frequency=daily", "email", "required"),
        (
            "email=a%40example.org&scope=all&frequency=hourly",
            "frequency",
            "choose immediate, daily or weekly",
        ),
        (
            "email=a%40example.org&scope=item%3Ano-such-item&frequency=daily",
            "scope",
            "no item has the address",
        ),
        (
            "email=a%40example.org&scope=tag%3A%3Cb%3E&frequency=daily",
            "scope",
            "is not a tag",
        ),
        (
            "email=a%40example.org&scope=filter%3Akind%3Dtreaty&frequency=daily",
            "scope",
            "not valid",
        ),
        (
            "email=a%40example.org&scope=planet%3Amars&frequency=daily",
            "scope",
            "choose what to follow",
        ),
        ("email=a%40example.org", "frequency", "choose"),
        ("", "email", "required"),
    ] {
        let (status, page) = post_form(&app, "/subscriptions", body).await;
        assert_eq!(status, 422, "{body}: {page}");
        let error = texts(&page, &format!("#{field}-error"));
        assert_eq!(error.len(), 1, "{body}: a message beside {field}");
        assert!(error[0].contains(message), "{body}: {error:?}");
    }
    let (_, page) = post_form(
        &app,
        "/subscriptions",
        "email=not-an-address&scope=all&frequency=daily",
    )
    .await;
    assert_eq!(
        attrs(&page, "input[name=email]", "value"),
        ["not-an-address"]
    );
    assert_eq!(
        attrs(&page, "input[name=frequency][checked]", "value"),
        ["daily"]
    );
    // Broken encodings are refused like any bad address; a body that is not
    // a form is a 400. Never a 500.
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        "email=%ZZ%FF&scope=all&frequency=daily",
    )
    .await;
    assert_eq!(status, 422);
    let res = app
        .client
        .post(app.url("/subscriptions"))
        .header("Content-Type", "application/json")
        .body("{\"email\": \"a@example.org\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let huge = format!(
        "email={}%40example.org&scope=all&frequency=daily",
        "a".repeat(70_000)
    );
    let (status, _) = post_form(&app, "/subscriptions", &huge).await;
    assert_eq!(status, 413);
    assert_eq!(count_subscriptions(&mut conn), 0, "nothing stored");

    // Subscribing again to the same scope creates nothing new.
    for _ in 0..2 {
        let (status, _) = post_form(
            &app,
            "/subscriptions",
            "email=Jo%40Example.org&scope=tag%3Aai&frequency=daily",
        )
        .await;
        assert_eq!(status, 303);
    }
    assert_eq!(count_subscriptions(&mut conn), 1);

    // Per address: the third request in the hour passes, the fourth not.
    let (status, _) = post_form(
        &app,
        "/subscriptions",
        "email=jo%40example.org&scope=kind%3Abill&frequency=daily",
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = post_form(
        &app,
        "/subscriptions",
        "email=jo%40example.org&scope=kind%3Adeal&frequency=daily",
    )
    .await;
    assert_eq!(status, 429);
    assert!(texts(&page, "[role=alert]")[0]
        .contains("This address has asked for too many subscriptions"));
    assert_eq!(count_subscriptions(&mut conn), 2);

    // Per client: other addresses from the same client, up to its limit.
    let mut statuses = Vec::new();
    for n in 0..4 {
        let (status, _) = post_form(
            &app,
            "/subscriptions",
            &format!("email=x{n}%40example.org&scope=all&frequency=weekly"),
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(statuses, [303, 303, 303, 429]);
}
both_backends!(the_subscribe_form_refuses_bad_input_and_floods);

// ------------------------------------------------- manage and unsubscribe

async fn manage_and_unsubscribe_pages(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| configure(s, None)).await else {
        return;
    };
    let mut conn = app.db();
    let now = Clock::system().now();
    let first = confirmed(
        &mut conn,
        "kim@example.org",
        Scope::Tag("ai".try_into().unwrap()),
        Frequency::Immediate,
    );
    let second = confirmed(
        &mut conn,
        "kim@example.org",
        Scope::Kind(Kind::Deal),
        Frequency::Daily,
    );
    use regwatch::schema::subscriptions as s;
    let subscriber: SubscriberId = s::table
        .find(first)
        .select(s::subscriber_id)
        .first(&mut conn)
        .unwrap();
    let manage = subscriptions::issue_token(
        &mut conn,
        subscriptions::TokenPurpose::Manage,
        subscriber,
        None,
        now,
    )
    .unwrap();
    let unsubscribe = subscriptions::issue_token(
        &mut conn,
        subscriptions::TokenPurpose::Unsubscribe,
        subscriber,
        Some(second),
        now,
    )
    .unwrap();

    // Only hashes are stored.
    use regwatch::schema::subscription_tokens as t;
    let stored: Vec<String> = t::table.select(t::token_hash).load(&mut conn).unwrap();
    assert!(!stored.contains(&manage) && stored.contains(&subscriptions::hash_token(&manage)));

    let page = app
        .page(&format!("/subscriptions/manage/{manage}"), 200)
        .await;
    assert_eq!(
        texts(&page, ".subscription strong"),
        ["items tagged “ai”", "items of kind “Deal”"]
    );
    // Change a frequency.
    let (status, _) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/frequency"),
        &format!("subscription={first}&frequency=weekly"),
    )
    .await;
    assert_eq!(status, 303);
    let page = app
        .page(
            &format!("/subscriptions/manage/{manage}?done=frequency"),
            200,
        )
        .await;
    assert_eq!(
        attrs(&page, &format!("#freq-{first} option[selected]"), "value"),
        ["weekly"]
    );
    // Add a scope, with a bad one first.
    let (status, page) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/add"),
        "scope_type=item&scope_value=nothing-here&frequency=daily",
    )
    .await;
    assert_eq!(status, 422);
    assert!(texts(&page, "#scope-error")[0].contains("no item has the address"));
    assert_eq!(attrs(&page, "#scope-value", "value"), ["nothing-here"]);
    let (status, _) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/add"),
        &format!("scope_type=item&scope_value={S321}&frequency=immediate"),
    )
    .await;
    assert_eq!(status, 303);
    let page = app
        .page(&format!("/subscriptions/manage/{manage}"), 200)
        .await;
    assert_eq!(texts(&page, ".subscription strong").len(), 3);
    // Another subscriber's subscription cannot be touched from this link.
    let stranger = confirmed(
        &mut conn,
        "other@example.org",
        Scope::All,
        Frequency::Immediate,
    );
    let (status, _) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/remove"),
        &format!("subscription={stranger}"),
    )
    .await;
    assert_eq!(status, 404);

    // The unsubscribe link: GET shows one button and removes nothing.
    let page = app
        .page(&format!("/subscriptions/unsubscribe/{unsubscribe}"), 200)
        .await;
    assert_eq!(texts(&page, "main form button"), ["Unsubscribe"]);
    assert_eq!(count_subscriptions(&mut conn), 4);
    let (status, page) = post_form(
        &app,
        &format!("/subscriptions/unsubscribe/{unsubscribe}"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("items of kind “Deal”"));
    assert_eq!(count_subscriptions(&mut conn), 3);
    // Used again, or made up: a clear 404, never a 500.
    for path in [
        format!("/subscriptions/unsubscribe/{unsubscribe}"),
        format!("/subscriptions/unsubscribe/{}", "0".repeat(64)),
        "/subscriptions/unsubscribe/short".to_owned(),
        "/subscriptions/confirm/%00%ff".to_owned(),
        format!("/subscriptions/manage/{}", "g".repeat(64)),
    ] {
        assert_eq!(app.get(&path).await.status().as_u16(), 404, "{path}");
        let (status, _) = post_form(&app, &path, "").await;
        // The manage page itself takes no POST, whatever its token.
        let expected = if path.contains("/manage/") { 405 } else { 404 };
        assert_eq!(status, expected, "POST {path}");
    }
    // Unsubscribe from everything forgets the address.
    let (status, page) = post_form(
        &app,
        &format!("/subscriptions/manage/{manage}/remove-all"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("You will get no more email"));
    assert_eq!(
        count_subscriptions(&mut conn),
        1,
        "only the stranger's is left"
    );
    assert_eq!(
        app.get(&format!("/subscriptions/manage/{manage}"))
            .await
            .status()
            .as_u16(),
        404
    );
}
both_backends!(manage_and_unsubscribe_pages);

// ----------------------------------------------------------- HTML escaping

async fn item_fields_are_escaped_in_html_mail(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = app_without_worker(backend, smtp.url()).await else {
        return;
    };
    let worker = worker(&app, smtp.url(), |_| {});
    let mut conn = app.db();
    confirmed(
        &mut conn,
        "esc@example.org",
        Scope::All,
        Frequency::Immediate,
    );
    let hostile = "<script>alert('x')</script> & <b>bold</b>";
    edit_title(&mut conn, APPLE, hostile);
    record_event(
        &mut conn,
        APPLE,
        Kind::Deal,
        "2025-07-01",
        "announced",
        "<img src=x onerror=alert(1)>",
    );
    worker.drain(Clock::system().now()).unwrap();
    let mails: Vec<Mail> = smtp.to("esc@example.org");
    assert_eq!(mails.len(), 2);
    for m in &mails {
        assert!(!m.html.contains("<script>"), "{}", m.html);
        assert!(!m.html.contains("<b>bold"), "{}", m.html);
        assert!(!m.html.contains("<img"), "{}", m.html);
        assert!(m.html.contains("&lt;script&gt;"));
        // The text body is not HTML: it shows the characters as typed.
        assert!(m.text.contains(hostile), "{}", m.text);
    }
    assert!(mails[1].html.contains("&lt;img src"), "{}", mails[1].html);
    assert!(mails[1].text.contains("<img src=x onerror=alert(1)>"));
}
both_backends!(item_fields_are_escaped_in_html_mail);

//! States stored by name read back as what they name on both backends, and
//! a name this version does not know is an error, never a default.

mod common;

use diesel::prelude::*;
use diesel::sql_types::Text;
use regwatch::clock::Clock;
use regwatch::config::Settings;
use regwatch::db::DbConnection;
use regwatch::domain::{
    Confidence, DatePrecision, EmailAddress, Frequency, Kind, Phase, Scope, ScopeKind, SourceUrl,
    Status,
};
use regwatch::mail::Worker;
use regwatch::store::changes::ChangePayload;
use regwatch::store::deliveries::{DeliveryKind, DeliveryRow, DeliveryStatus};
use regwatch::store::events::{self, NewEvent};
use regwatch::store::items;
use regwatch::store::json::Json;
use regwatch::store::revisions::{FieldChange, RevisionAction};
use regwatch::store::subscriptions::{self, TokenPurpose};
use regwatch::store::users::Role;

/// Reads `name` as the database hands back a stored `TEXT` value.
fn read<T>(conn: &mut DbConnection, name: &str) -> QueryResult<T>
where
    T: diesel::deserialize::FromSqlRow<Text, regwatch::db::Db> + 'static,
{
    diesel::select(name.into_sql::<Text>()).get_result(conn)
}

/// The error reading `name` as a `T`, which must be one, with its causes.
fn refused<T>(conn: &mut DbConnection, name: &str) -> String
where
    T: diesel::deserialize::FromSqlRow<Text, regwatch::db::Db> + std::fmt::Debug + 'static,
{
    let e = match read::<T>(conn, name) {
        Ok(v) => panic!("{name:?} was read as {v:?}"),
        Err(e) => e,
    };
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    message
}

both_backends!(
    delivery_states_read_back_and_unknown_ones_are_errors,
    |app| {
        let mut conn = app.db();
        for &status in DeliveryStatus::ALL {
            assert_eq!(read(&mut conn, status.as_str()), Ok(status));
        }
        for &kind in DeliveryKind::ALL {
            assert_eq!(read(&mut conn, kind.as_str()), Ok(kind));
        }
        let e = refused::<DeliveryStatus>(&mut conn, "bounced");
        assert!(e.contains("\"bounced\" is not a DeliveryStatus"), "{e}");
        let e = refused::<DeliveryKind>(&mut conn, "Alert");
        assert!(e.contains("\"Alert\" is not a DeliveryKind"), "{e}");
    }
);

both_backends!(
    subscription_states_read_back_and_unknown_ones_are_errors,
    |app| {
        let mut conn = app.db();
        for &frequency in Frequency::ALL {
            assert_eq!(read(&mut conn, frequency.as_str()), Ok(frequency));
        }
        for &purpose in TokenPurpose::ALL {
            assert_eq!(read(&mut conn, purpose.as_str()), Ok(purpose));
        }
        for &kind in ScopeKind::ALL {
            assert_eq!(read(&mut conn, kind.as_str()), Ok(kind));
        }
        // Read as immediate before: every change mailed at once.
        let e = refused::<Frequency>(&mut conn, "hourly");
        assert!(e.contains("\"hourly\" is not a Frequency"), "{e}");
        let e = refused::<TokenPurpose>(&mut conn, "");
        assert!(e.contains("\"\" is not a TokenPurpose"), "{e}");
        let e = refused::<ScopeKind>(&mut conn, "everything");
        assert!(e.contains("\"everything\" is not a ScopeKind"), "{e}");
    }
);

both_backends!(
    revisions_and_changes_read_back_and_unreadable_ones_are_errors,
    |app| {
        let mut conn = app.db();
        for &action in RevisionAction::ALL {
            assert_eq!(read(&mut conn, action.as_str()), Ok(action));
        }
        let e = refused::<RevisionAction>(&mut conn, "merge");
        assert!(e.contains("\"merge\" is not a RevisionAction"), "{e}");

        let diff = r#"[{"field":"title","old":"A","new":"B"}]"#;
        let Json(changes): Json<Vec<FieldChange>> = read(&mut conn, diff).unwrap();
        assert_eq!(changes[0].field, "title");
        // Read as "no changes" before: a revision that showed nothing.
        let e = refused::<Json<Vec<FieldChange>>>(&mut conn, r#"{"field":"title"}"#);
        assert!(e.contains("invalid type: map, expected a sequence"), "{e}");

        let created = r#"{"type":"item-created","title":"A bill"}"#;
        let Json(payload): Json<ChangePayload> = read(&mut conn, created).unwrap();
        assert_eq!(
            payload,
            ChangePayload::ItemCreated {
                title: "A bill".into()
            }
        );
        let e = refused::<Json<ChangePayload>>(&mut conn, r#"{"type":"item-merged"}"#);
        assert!(e.contains("unknown variant `item-merged`"), "{e}");
    }
);

// An item of a kind this version does not know (one a newer version
// wrote) is not mailed as "Other": its alert waits for another attempt,
// and the operator's page says why, down to the stored value.
both_backends!(
    an_alert_about_an_item_of_an_unknown_kind_waits_and_says_why,
    |app| {
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
        let item = items::find_by_slug(&mut conn, "us-s321-ai-decoupling-act")
            .unwrap()
            .unwrap();
        let event = NewEvent {
            date: "2025-08-01".parse().unwrap(),
            status: Status::parse(Kind::Bill, "referred").unwrap(),
            note: "Referred to committee.".to_owned(),
            source: SourceUrl::try_from("https://www.congress.gov/").unwrap(),
            confidence: Confidence::High,
        };
        events::record(&mut conn, item.id, &event, None, now).unwrap();
        {
            use regwatch::schema::items as i;
            diesel::update(i::table.find(item.id))
                .set(i::kind.eq("treaty"))
                .execute(&mut conn)
                .unwrap();
        }

        let mut settings = Settings::for_database(&app.database_url);
        // Nothing listens there: nothing is sent.
        settings.smtp_url = Some("smtp://127.0.0.1:9?tls=none".to_owned());
        let pool = regwatch::db::connect(&app.database_url).unwrap();
        let round = Worker::new(pool, &settings).unwrap().drain(now).unwrap();
        assert_eq!((round.sent, round.retrying), (0, 1));

        let alert: DeliveryRow = {
            use regwatch::schema::deliveries as d;
            d::table
                .filter(d::kind.eq(DeliveryKind::Alert))
                .select(DeliveryRow::as_select())
                .first(&mut conn)
                .unwrap()
        };
        assert_eq!(alert.status, DeliveryStatus::Pending);
        app.create_user("root@example.org", common::PASSWORD, Role::Admin);
        let admin = app.browser();
        admin.sign_in("root@example.org", common::PASSWORD).await;
        let page = admin.get("/admin/deliveries").await;
        let shown = common::texts(&page.body, ".last-error");
        assert_eq!(shown.len(), 1, "{}", page.body);
        assert!(
            shown[0].starts_with("the database could not be read: ")
                && shown[0].contains("\"treaty\" is not a Kind this version knows"),
            "{shown:?}"
        );
        assert_eq!(shown[0].matches("deserializing field 'kind'").count(), 1);
    }
);

both_backends!(
    item_event_and_account_values_read_back_and_unknown_ones_are_errors,
    |app| {
        let mut conn = app.db();
        for kind in Kind::ALL {
            assert_eq!(read(&mut conn, kind.as_str()), Ok(kind));
        }
        for precision in DatePrecision::ALL {
            assert_eq!(read(&mut conn, precision.as_str()), Ok(precision));
        }
        for confidence in Confidence::ALL {
            assert_eq!(read(&mut conn, confidence.as_str()), Ok(confidence));
        }
        assert_eq!(read(&mut conn, "ended"), Ok(Phase::Ended));
        assert_eq!(read(&mut conn, "admin"), Ok(Role::Admin));
        // Each was read as a default before: other, day, low, no phase, editor.
        for e in [
            refused::<Kind>(&mut conn, "treaty"),
            refused::<DatePrecision>(&mut conn, "week"),
            refused::<Confidence>(&mut conn, "certain"),
            refused::<Phase>(&mut conn, "dormant"),
            refused::<Role>(&mut conn, "owner"),
        ] {
            assert!(e.contains("this version knows"), "{e}");
        }
    }
);

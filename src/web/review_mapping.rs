//! `/review/mapping` (editors): the mapping table the connectors use, as a
//! policy analyst reads it: which official texts become which status, and
//! the table file itself (`src/connectors/mapping.toml`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::Editor;
use super::error::AppError;
use super::view::{Layout, Page, Tab};
use super::AppState;
use crate::connectors::mapping::{mapping, MAPPING_TOML};
use crate::domain::{Kind, Status};

#[derive(Debug, Serialize)]
struct RuleRow {
    /// What the official text must say.
    matches: String,
    /// For which kinds of item.
    kinds: String,
    status: String,
    /// The status's label and effect, e.g. "Referred to committee (moves the status: pending)".
    becomes: String,
}

#[derive(Debug, Serialize)]
struct MappingView {
    actions: Vec<RuleRow>,
    committee: Vec<RuleRow>,
    documents: Vec<RuleRow>,
    congress_fallbacks: Vec<RuleRow>,
    federal_register_unmapped: String,
    table: &'static str,
}

fn becomes(kind: Kind, word: &str) -> String {
    match Status::parse(kind, word) {
        Ok(s) => match s.phase() {
            Some(p) => format!("{} (moves the status; phase {})", s.label(), p.as_str()),
            None => format!("{} (a development; the status stays)", s.label()),
        },
        Err(_) => format!("{word} (not a word of this kind: proposed as unmapped)"),
    }
}

fn row(matches: String, kind: Kind, kinds: &str, word: &str) -> RuleRow {
    RuleRow {
        matches,
        kinds: kinds.to_owned(),
        status: word.to_owned(),
        becomes: becomes(kind, word),
    }
}

/// `GET /review/mapping`.
pub async fn mapping_page(
    user: Editor,
    session: Session,
    _state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let m = mapping();
    let c = &m.congress;
    let actions = c
        .actions
        .iter()
        .map(|r| {
            let matches = match (&r.text, &r.code) {
                (Some(t), Some(code)) => format!("text contains “{t}”, or action code {code}"),
                (Some(t), None) => format!("text contains “{t}”"),
                (None, Some(code)) => format!("action code {code}"),
                (None, None) => "nothing".to_owned(),
            };
            row(matches, Kind::Bill, "bill", &r.status)
        })
        .collect();
    let committee = c
        .committee
        .iter()
        .map(|r| {
            row(
                format!("activity “{}”", r.activity),
                Kind::Bill,
                "bill",
                &r.status,
            )
        })
        .collect();
    let congress_fallbacks = vec![
        row(
            "a change in the cosponsor count".to_owned(),
            Kind::Bill,
            "bill",
            &c.cosponsors,
        ),
        row(
            "each related bill".to_owned(),
            Kind::Bill,
            "bill",
            &c.related_bill,
        ),
        row(
            "any action or activity no rule matches".to_owned(),
            Kind::Bill,
            "bill",
            &c.unmapped,
        ),
    ];
    let documents = m
        .federal_register
        .documents
        .iter()
        .map(|r| {
            let kind = r
                .kinds
                .first()
                .and_then(|k| k.parse().ok())
                .unwrap_or(Kind::Regulation);
            row(
                format!("type “{}”", r.doc_type),
                kind,
                &r.kinds.join(", "),
                &r.status,
            )
        })
        .collect();
    let view = MappingView {
        actions,
        committee,
        documents,
        congress_fallbacks,
        federal_register_unmapped: becomes(Kind::Regulation, &m.federal_register.unmapped),
        table: MAPPING_TOML,
    };
    Page::new(
        Layout::new("How official texts are mapped", Some(&user.0), &session).tab(Tab::Review),
        view,
    )
    .respond(StatusCode::OK, "review_mapping")
}

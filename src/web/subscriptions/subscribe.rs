//! Subscribing: the subscribe box other pages embed, the subscribe page, the
//! form's POST (double opt-in, rate-limited) and the "check your inbox" page.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{
    frequencies, noted, page, parse_frequency, parse_scope_value, resolve, Choice, Chrome,
    FieldErrors,
};
use crate::domain::{EmailAddress, Kind, RawQuery};
use crate::store::subscriptions::{self as subs, Limited, SubscribeOutcome};
use crate::web::client::client_ip;
use crate::web::error::AppError;
use crate::web::AppState;

/// The subscribe box of the timeline, the item table and item pages: what
/// to follow and how often. Embedded in those pages' views as `subscribe`.
#[derive(Debug, Serialize)]
pub struct SubscribeBox {
    scopes: Vec<Choice>,
    frequencies: Vec<Choice>,
}

/// The subscribe box of the timeline and item table: everything, or the
/// current filtered view.
pub fn subscribe_box_for_filter(raw: &RawQuery) -> SubscribeBox {
    let filter = raw.filter_only();
    let mut scopes = vec![Choice::new(
        "all",
        "Every change to every item",
        filter.is_empty(),
    )];
    if !filter.is_empty() {
        scopes.push(Choice::new(
            format!("filter:{}", filter.trim_start_matches('?')),
            "Items matching the filters of this view",
            true,
        ));
    }
    SubscribeBox {
        scopes,
        frequencies: frequencies(None),
    }
}

/// The subscribe box of an item page: the item, its tags, jurisdiction and
/// kind.
pub fn subscribe_box_for_item(
    slug: &str,
    kind: Kind,
    jurisdiction: &str,
    tags: &[String],
) -> SubscribeBox {
    let mut scopes = vec![Choice::new(format!("item:{slug}"), "This item", true)];
    scopes.extend(tags.iter().map(|t| {
        Choice::new(
            format!("tag:{t}"),
            format!("Every item tagged “{t}”"),
            false,
        )
    }));
    scopes.push(Choice::new(
        format!("jurisdiction:{jurisdiction}"),
        format!("Every item of jurisdiction {jurisdiction}"),
        false,
    ));
    scopes.push(Choice::new(
        format!("kind:{}", kind.as_str()),
        format!("Every item of kind “{}”", kind.label()),
        false,
    ));
    SubscribeBox {
        scopes,
        frequencies: frequencies(None),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubscribeForm {
    email: Option<String>,
    scope: Option<String>,
    frequency: Option<String>,
}

/// The subscribe page: the form with its values kept and a message beside
/// each field that was refused.
#[derive(Debug, Serialize)]
struct SubscribePage<'a> {
    title: &'static str,
    email: Option<&'a str>,
    scope: Option<&'a str>,
    /// What the scope follows, in words.
    scope_label: Option<String>,
    frequencies: Vec<Choice>,
    errors: FieldErrors,
    /// Why nothing was done (too many requests).
    refused: Option<&'static str>,
}

impl<'a> SubscribePage<'a> {
    fn new(form: &'a SubscribeForm, scope_label: Option<String>, errors: FieldErrors) -> Self {
        SubscribePage {
            title: "Subscribe to email alerts",
            email: form.email.as_deref(),
            scope: form.scope.as_deref(),
            scope_label,
            frequencies: frequencies(form.frequency.as_deref().and_then(|f| f.parse().ok())),
            errors,
            refused: None,
        }
    }
}

/// `GET /subscriptions/new?scope=…`: the subscribe form on its own page.
pub async fn new_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    query: web::Query<SubscribeForm>,
) -> Result<HttpResponse, AppError> {
    let form = query.into_inner();
    let scope = form.scope.clone().unwrap_or_else(|| "all".to_owned());
    let described = match parse_scope_value(&scope) {
        Err(e) => Err(e),
        Ok(input) => {
            state
                .db(move |conn| match resolve(conn, input)? {
                    Ok(s) => Ok(Ok(subs::describe(conn, &s)?)),
                    Err(e) => Ok(Err(e)),
                })
                .await?
        }
    };
    let form = SubscribeForm {
        scope: Some(scope),
        ..form
    };
    let (status, label, errors) = match described {
        Ok(label) => (StatusCode::OK, Some(label), FieldErrors::default()),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            FieldErrors {
                scope: Some(e),
                ..FieldErrors::default()
            },
        ),
    };
    page(
        status,
        "subscriptions/new",
        &SubscribePage::new(&form, label, errors),
        &chrome,
    )
}

/// `POST /subscriptions`: subscribe (double opt-in).
pub async fn subscribe(
    chrome: Chrome,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SubscribeForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let email = noted(
        EmailAddress::try_from(form.email.as_deref().unwrap_or("")),
        &mut errors.email,
    );
    let frequency = noted(
        parse_frequency(form.frequency.as_deref()),
        &mut errors.frequency,
    );
    let scope_input = noted(
        parse_scope_value(form.scope.as_deref().unwrap_or("")),
        &mut errors.scope,
    );
    let client = client_ip(&req, &state.settings);
    let limits = state.settings.subscribe_limits;
    let now = state.now();
    let (outcome, label, errors) = state
        .db(move |conn| {
            let scope = match scope_input {
                Some(input) => noted(resolve(conn, input)?, &mut errors.scope),
                None => None,
            };
            let label = scope.as_ref().map(|s| subs::describe(conn, s)).transpose()?;
            let outcome = match (email, scope, frequency) {
                (Some(email), Some(scope), Some(frequency)) if errors.is_empty() => {
                    let outcome = subs::subscribe(
                        conn,
                        &email,
                        &scope,
                        frequency,
                        &client,
                        limits,
                        now,
                    )?;
                    if matches!(
                        outcome,
                        SubscribeOutcome::Created | SubscribeOutcome::ConfirmationResent
                    ) {
                        tracing::info!(to = %email.masked(), "subscription requested; confirmation queued");
                    }
                    Some(outcome)
                }
                _ => None,
            };
            Ok((outcome, label, errors))
        })
        .await?;
    match outcome {
        Some(SubscribeOutcome::RateLimited(which)) => {
            let mut view = SubscribePage::new(&form, label, FieldErrors::default());
            view.refused = Some(match which {
                Limited::Address => "This address has asked for too many subscriptions in the last hour. Please try again later.",
                Limited::Client => "Too many subscription requests have come from your network in the last hour. Please try again later.",
            });
            let mut res = page(
                StatusCode::TOO_MANY_REQUESTS,
                "subscriptions/new",
                &view,
                &chrome,
            )?;
            res.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static("3600"),
            );
            Ok(res)
        }
        // Created, resent or already confirmed: the same answer, so the
        // form does not tell anyone who is subscribed.
        Some(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/subscriptions/pending"))
            .finish()),
        None => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "subscriptions/new",
            &SubscribePage::new(&form, label, errors),
            &chrome,
        ),
    }
}

/// A page with nothing but its title.
#[derive(Debug, Serialize)]
struct Titled {
    title: &'static str,
}

pub async fn pending_page(chrome: Chrome) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        "subscriptions/pending",
        &Titled {
            title: "Check your inbox",
        },
        &chrome,
    )
}

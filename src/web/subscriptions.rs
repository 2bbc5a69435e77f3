//! Subscribing to email alerts, confirming, managing and unsubscribing.
//!
//! Every page under `/subscriptions/` that changes something is reached
//! through a secret token in its path (64 hex characters, only its hash
//! stored), except the subscribe form itself, which only ever creates an
//! unconfirmed subscription and is rate-limited. The token is what protects
//! these POSTs, so they need no session and no CSRF token (RFC 8058 one-click
//! unsubscribe requires exactly that); the CSRF middleware exempts
//! `/subscriptions/`.

use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use std::future::Future;
use std::pin::Pin;

use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{with_chrome, CurrentUser, MaybeUser};
use super::client::client_ip;
use super::error::AppError;
use super::filters::RawQuery;
use super::AppState;
use crate::domain::{EmailAddress, Jurisdiction, Kind, Slug, Tag};
use crate::store::items;
use crate::store::subscriptions::{
    self as subs, Frequency, Limited, Scope, SubscribeOutcome, SubscriptionView,
};
use crate::templates;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/subscriptions")
            .route("", web::post().to(subscribe))
            .route("/new", web::get().to(new_page))
            .route("/pending", web::get().to(pending_page))
            .route("/confirm/{token}", web::get().to(confirm_page))
            .route("/confirm/{token}", web::post().to(confirm))
            .route("/unsubscribe/{token}", web::get().to(unsubscribe_page))
            .route("/unsubscribe/{token}", web::post().to(unsubscribe))
            .route("/manage/{token}", web::get().to(manage_page))
            .route(
                "/manage/{token}/frequency",
                web::post().to(manage_frequency),
            )
            .route("/manage/{token}/remove", web::post().to(manage_remove))
            .route(
                "/manage/{token}/remove-all",
                web::post().to(manage_remove_all),
            )
            .route("/manage/{token}/add", web::post().to(manage_add)),
    );
}

/// What the shared layout shows (who is signed in, one-time messages).
/// Subscribers need no account; an editor who subscribes still sees the
/// usual header.
pub struct Chrome(Option<CurrentUser>, Session);

impl FromRequest for Chrome {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = MaybeUser::from_request(req, payload);
        let session = Session::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?.0;
            Ok(Chrome(user, session.await?))
        })
    }
}

/// A page of these flows: never cached, never sent as a referrer (the
/// address holds a secret token).
fn page(
    status: StatusCode,
    name: &str,
    context: &Value,
    chrome: &Chrome,
) -> Result<HttpResponse, AppError> {
    let context = with_chrome(context.clone(), &chrome.0, &chrome.1);
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(templates::render(name, &context)?))
}

fn invalid_link() -> AppError {
    AppError::not_found(
        "This link is not valid: it may have been mistyped, or the subscription it belonged to was removed.",
    )
}

fn frequencies(selected: Option<Frequency>) -> Vec<Value> {
    Frequency::ALL
        .iter()
        .map(|f| {
            json!({
                "value": f.as_str(),
                "label": f.label(),
                "checked": Some(*f) == selected || (selected.is_none() && *f == Frequency::Immediate),
            })
        })
        .collect()
}

// ------------------------------------------------------- the subscribe box

/// The subscribe box of the timeline and item table: everything, or the
/// current filtered view.
pub fn subscribe_box_for_filter(raw: &RawQuery) -> Value {
    let filter = raw.filter_only();
    let mut scopes = vec![
        json!({"value": "all", "label": "Every change to every item", "checked": filter.is_empty()}),
    ];
    if !filter.is_empty() {
        scopes.push(json!({
            "value": format!("filter:{}", filter.trim_start_matches('?')),
            "label": "Items matching the filters of this view",
            "checked": true,
        }));
    }
    json!({"scopes": scopes, "frequencies": frequencies(None)})
}

/// The subscribe box of an item page: the item, its tags, jurisdiction and
/// kind.
pub fn subscribe_box_for_item(
    slug: &str,
    kind: Kind,
    jurisdiction: &str,
    tags: &[String],
) -> Value {
    let mut scopes =
        vec![json!({"value": format!("item:{slug}"), "label": "This item", "checked": true})];
    for t in tags {
        scopes.push(
            json!({"value": format!("tag:{t}"), "label": format!("Every item tagged “{t}”")}),
        );
    }
    scopes.push(json!({
        "value": format!("jurisdiction:{jurisdiction}"),
        "label": format!("Every item of jurisdiction {jurisdiction}"),
    }));
    scopes.push(json!({
        "value": format!("kind:{}", kind.as_str()),
        "label": format!("Every item of kind “{}”", kind.label()),
    }));
    json!({"scopes": scopes, "frequencies": frequencies(None)})
}

/// A scope as typed, before an item slug is looked up.
enum ScopeInput {
    Ready(Scope),
    Item(Slug),
}

fn parse_scope(scope_type: &str, value: &str) -> Result<ScopeInput, String> {
    let value = value.trim();
    let need = |what: &str| format!("enter the {what} to follow");
    Ok(match scope_type.trim() {
        "all" => ScopeInput::Ready(Scope::All),
        "item" if value.is_empty() => return Err(need("item's address (its slug)")),
        "item" => ScopeInput::Item(
            Slug::try_from(value.trim_start_matches("/items/")).map_err(|e| e.to_string())?,
        ),
        "tag" if value.is_empty() => return Err(need("tag")),
        "tag" => ScopeInput::Ready(Scope::Tag(Tag::try_from(value).map_err(|e| e.to_string())?)),
        "jurisdiction" if value.is_empty() => return Err(need("jurisdiction")),
        "jurisdiction" => ScopeInput::Ready(Scope::Jurisdiction(
            Jurisdiction::try_from(value).map_err(|e| e.to_string())?,
        )),
        "kind" => ScopeInput::Ready(Scope::Kind(
            value.parse::<Kind>().map_err(|e| e.to_string())?,
        )),
        "filter" => ScopeInput::Ready(Scope::filter(value).map_err(|e| e.to_string())?),
        _ => return Err("choose what to follow".to_owned()),
    })
}

/// `item:slug`, `tag:ai`, `all`, ... as the subscribe box sends it.
fn parse_scope_value(s: &str) -> Result<ScopeInput, String> {
    let (t, v) = s.split_once(':').unwrap_or((s, ""));
    parse_scope(t, v)
}

/// Looks an item scope up; `Err` is the message for the form.
fn resolve(
    conn: &mut crate::db::DbConnection,
    input: ScopeInput,
) -> Result<Result<Scope, String>, crate::db::DbError> {
    Ok(match input {
        ScopeInput::Ready(s) => Ok(s),
        ScopeInput::Item(slug) => match items::find_by_slug(conn, slug.as_str())? {
            Some(item) => Ok(Scope::Item(item.id)),
            None => Err(format!("no item has the address /items/{slug}")),
        },
    })
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
fn form_context(form: &SubscribeForm, scope_label: Option<String>, errors: &Value) -> Value {
    let frequency = form.frequency.as_deref().and_then(|f| f.parse().ok());
    json!({
        "title": "Subscribe to email alerts",
        "email": form.email,
        "scope": form.scope,
        "scope_label": scope_label,
        "frequencies": frequencies(frequency),
        "errors": errors,
    })
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
                    Ok(s) => Ok(Ok(s.describe(conn)?)),
                    Err(e) => Ok(Err(e)),
                })
                .await?
        }
    };
    let form = SubscribeForm {
        scope: Some(scope),
        ..form
    };
    match described {
        Ok(label) => page(
            StatusCode::OK,
            "subscriptions/new",
            &form_context(&form, Some(label), &json!({})),
            &chrome,
        ),
        Err(e) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "subscriptions/new",
            &form_context(&form, None, &json!({"scope": e})),
            &chrome,
        ),
    }
}

/// `POST /subscriptions`: subscribe (double opt-in).
pub async fn subscribe(
    chrome: Chrome,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SubscribeForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = serde_json::Map::new();
    let email = match EmailAddress::try_from(form.email.as_deref().unwrap_or("")) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.insert("email".into(), json!(e.to_string()));
            None
        }
    };
    let frequency = match form.frequency.as_deref().unwrap_or("").parse::<Frequency>() {
        Ok(f) => Some(f),
        Err(e) => {
            errors.insert("frequency".into(), json!(e.to_string()));
            None
        }
    };
    let scope_input = match parse_scope_value(form.scope.as_deref().unwrap_or("")) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.insert("scope".into(), json!(e));
            None
        }
    };
    let client = client_ip(&req, &state.settings);
    let limits = state.settings.subscribe_limits;
    let now = state.now();
    let result = state
        .db(move |conn| {
            let (scope, label) = match scope_input {
                None => (None, None),
                Some(input) => match resolve(conn, input)? {
                    Ok(s) => {
                        let label = s.describe(conn)?;
                        (Some(s), Some(label))
                    }
                    Err(e) => {
                        errors.insert("scope".into(), json!(e));
                        (None, None)
                    }
                },
            };
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
                    if outcome != SubscribeOutcome::AlreadyConfirmed
                        && !matches!(outcome, SubscribeOutcome::RateLimited(_))
                    {
                        tracing::info!(to = %email.masked(), "subscription requested; confirmation queued");
                    }
                    Some(outcome)
                }
                _ => None,
            };
            Ok((outcome, label, errors))
        })
        .await?;
    let (outcome, label, errors) = result;
    match outcome {
        Some(SubscribeOutcome::RateLimited(which)) => {
            let message = match which {
                Limited::Address => "This address has asked for too many subscriptions in the last hour. Please try again later.",
                Limited::Client => "Too many subscription requests have come from your network in the last hour. Please try again later.",
            };
            let mut context = form_context(&form, label, &json!({}));
            context["refused"] = json!(message);
            let mut res = page(
                StatusCode::TOO_MANY_REQUESTS,
                "subscriptions/new",
                &context,
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
            &form_context(&form, label, &Value::Object(errors)),
            &chrome,
        ),
    }
}

pub async fn pending_page(chrome: Chrome) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        "subscriptions/pending",
        &json!({"title": "Check your inbox"}),
        &chrome,
    )
}

fn subscription_json(v: &SubscriptionView) -> Value {
    json!({
        "id": v.id,
        "email": v.email,
        "scope": v.scope,
        "frequency": v.frequency.as_str(),
        "frequency_label": v.frequency.label(),
        "confirmed": v.confirmed,
        "frequencies": frequencies(Some(v.frequency)),
    })
}

// --------------------------------------------------------- confirmation

/// `GET /subscriptions/confirm/{token}`: a page with one button; following
/// the link alone (as mail scanners do) confirms nothing.
pub async fn confirm_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let found = state
        .db(move |conn| subs::by_confirm_token(conn, &token))
        .await?
        .ok_or_else(invalid_link)?;
    page(
        StatusCode::OK,
        "subscriptions/confirm",
        &json!({"title": "Confirm your subscription", "subscription": subscription_json(&found)}),
        &chrome,
    )
}

pub async fn confirm(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let now = state.now();
    let confirmed = state
        .db(move |conn| subs::confirm(conn, &token, now))
        .await?
        .ok_or_else(invalid_link)?;
    page(
        StatusCode::OK,
        "subscriptions/confirmed",
        &json!({"title": "Subscription confirmed", "subscription": subscription_json(&confirmed)}),
        &chrome,
    )
}

// --------------------------------------------------------- unsubscribing

/// `GET /subscriptions/unsubscribe/{token}`: one button, nothing done yet.
pub async fn unsubscribe_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let found = state
        .db(move |conn| subs::by_unsubscribe_token(conn, &token))
        .await?
        .ok_or_else(invalid_link)?;
    page(
        StatusCode::OK,
        "subscriptions/unsubscribe",
        &json!({"title": "Unsubscribe", "subscription": subscription_json(&found)}),
        &chrome,
    )
}

/// `POST /subscriptions/unsubscribe/{token}`: the button of the page above
/// and RFC 8058 one-click unsubscribe (body `List-Unsubscribe=One-Click`,
/// which is accepted but not required).
pub async fn unsubscribe(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let removed = state
        .db(move |conn| subs::unsubscribe(conn, &token))
        .await?
        .ok_or_else(invalid_link)?;
    tracing::info!(to = %crate::domain::mask_address(&removed.email), "unsubscribed");
    page(
        StatusCode::OK,
        "subscriptions/unsubscribed",
        &json!({"title": "Unsubscribed", "subscription": subscription_json(&removed)}),
        &chrome,
    )
}

// ------------------------------------------------------------- managing

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManageForm {
    subscription: Option<String>,
    frequency: Option<String>,
    scope_type: Option<String>,
    scope_value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManageQuery {
    done: Option<String>,
}

async fn manage_context(
    state: &AppState,
    token: String,
    errors: Value,
    kept: Option<&ManageForm>,
    done: Option<&str>,
) -> Result<Value, AppError> {
    let page_token = token.clone();
    let (email, list) = state
        .db(move |conn| {
            let Some((subscriber_id, email)) = subs::by_manage_token(conn, &token)? else {
                return Ok(None);
            };
            Ok(Some((email, subs::of_subscriber(conn, subscriber_id)?)))
        })
        .await?
        .ok_or_else(invalid_link)?;
    let notice = match done {
        Some("frequency") => Some("The frequency is changed."),
        Some("removed") => Some("You are unsubscribed from that subscription."),
        Some("added") => Some("The subscription is added."),
        _ => None,
    };
    let scope_type = kept.and_then(|k| k.scope_type.clone());
    let scope_types = ["all", "item", "tag", "jurisdiction", "kind", "filter"]
        .iter()
        .map(|t| {
            json!({
                "value": t,
                "label": match *t {
                    "all" => "Everything",
                    "item" => "One item (its address, e.g. us-s321-ai-decoupling-act)",
                    "tag" => "A tag",
                    "jurisdiction" => "A jurisdiction (e.g. US, CN)",
                    "kind" => "A kind (bill, regulation, executive-action, deal, product, other)",
                    _ => "A filter (a query string, e.g. kind=bill&tag=ai)",
                },
                "selected": scope_type.as_deref() == Some(t),
            })
        })
        .collect::<Vec<_>>();
    let add_frequency = kept.and_then(|k| k.frequency.as_deref().and_then(|f| f.parse().ok()));
    Ok(json!({
        "title": "Your email alerts",
        "token": page_token,
        "email": email,
        "subscriptions": list.iter().map(subscription_json).collect::<Vec<_>>(),
        "empty": list.is_empty(),
        "notice": notice,
        "errors": errors,
        "add": {
            "scope_types": scope_types,
            "scope_value": kept.and_then(|k| k.scope_value.clone()),
            "frequencies": frequencies(add_frequency),
        },
    }))
}

/// `GET /subscriptions/manage/{token}`: every subscription of the address.
pub async fn manage_page(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ManageQuery>,
) -> Result<HttpResponse, AppError> {
    let context = manage_context(
        &state,
        path.into_inner(),
        json!({}),
        None,
        query.done.as_deref(),
    )
    .await?;
    page(StatusCode::OK, "subscriptions/manage", &context, &chrome)
}

fn back_to_manage(token: &str, done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/subscriptions/manage/{token}?done={done}"),
        ))
        .finish()
}

fn subscription_id(form: &ManageForm) -> Result<i32, AppError> {
    form.subscription
        .as_deref()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| AppError::BadRequest("The form names no subscription.".into()))
}

/// The subscriber of a manage token, or a 404.
async fn subscriber(state: &AppState, token: &str) -> Result<i32, AppError> {
    let token = token.to_owned();
    state
        .db(move |conn| subs::by_manage_token(conn, &token))
        .await?
        .map(|(id, _)| id)
        .ok_or_else(invalid_link)
}

pub async fn manage_frequency(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let form = form.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    let id = subscription_id(&form)?;
    let frequency = match form.frequency.as_deref().unwrap_or("").parse::<Frequency>() {
        Ok(f) => f,
        Err(e) => {
            let context = manage_context(
                &state,
                token,
                json!({"frequency": e.to_string()}),
                None,
                None,
            )
            .await?;
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "subscriptions/manage",
                &context,
                &chrome,
            );
        }
    };
    let now = state.now();
    let found = state
        .db(move |conn| subs::set_frequency(conn, subscriber_id, id, frequency, now))
        .await?;
    if !found {
        return Err(AppError::not_found("You have no such subscription."));
    }
    Ok(back_to_manage(&token, "frequency"))
}

pub async fn manage_remove(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    let id = subscription_id(&form)?;
    let found = state
        .db(move |conn| subs::remove(conn, subscriber_id, id))
        .await?;
    if !found {
        return Err(AppError::not_found("You have no such subscription."));
    }
    Ok(back_to_manage(&token, "removed"))
}

pub async fn manage_remove_all(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    state
        .db(move |conn| subs::remove_all(conn, subscriber_id))
        .await?;
    page(
        StatusCode::OK,
        "subscriptions/unsubscribed",
        &json!({"title": "Unsubscribed", "all": true}),
        &chrome,
    )
}

pub async fn manage_add(
    chrome: Chrome,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ManageForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let form = form.into_inner();
    let subscriber_id = subscriber(&state, &token).await?;
    let mut errors = serde_json::Map::new();
    let frequency = match form.frequency.as_deref().unwrap_or("").parse::<Frequency>() {
        Ok(f) => Some(f),
        Err(e) => {
            errors.insert("frequency".into(), json!(e.to_string()));
            None
        }
    };
    let input = match parse_scope(
        form.scope_type.as_deref().unwrap_or(""),
        form.scope_value.as_deref().unwrap_or(""),
    ) {
        Ok(i) => Some(i),
        Err(e) => {
            errors.insert("scope".into(), json!(e));
            None
        }
    };
    let now = state.now();
    let (added, errors) = state
        .db(move |conn| {
            let scope = match input {
                None => None,
                Some(i) => match resolve(conn, i)? {
                    Ok(s) => Some(s),
                    Err(e) => {
                        errors.insert("scope".into(), json!(e));
                        None
                    }
                },
            };
            let added = match (scope, frequency) {
                (Some(scope), Some(frequency)) if errors.is_empty() => {
                    subs::add_confirmed(conn, subscriber_id, &scope, frequency, now)?;
                    true
                }
                _ => false,
            };
            Ok((added, errors))
        })
        .await?;
    if added {
        return Ok(back_to_manage(&token, "added"));
    }
    let context = manage_context(&state, token, Value::Object(errors), Some(&form), None).await?;
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "subscriptions/manage",
        &context,
        &chrome,
    )
}

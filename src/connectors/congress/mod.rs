//! Congress.gov API v3, for bills: an item whose identifiers name a bill
//! ("S.321") and a Congress ("119th Congress") gets its actions, committee
//! activities, cosponsor count and related bills read, and each becomes a
//! proposed event (`mapping.toml` says which status). Its titles are read
//! and counted. The key goes in the `X-Api-Key` header, never in URLs.

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

mod bill;

use bill::ordinal_suffix;
pub use bill::BillRef;

use super::http::{Http, RateLimit, SourceError};
use super::mapping::mapping;
use super::{text_key, Draft, Harvest, SyncItem};
use crate::domain::SourceName;
use crate::store::source_fetches::Validators;

#[derive(Debug, Deserialize)]
struct Pagination {
    #[serde(default)]
    count: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct ActionsPage {
    actions: Vec<Action>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    action_date: String,
    text: String,
    #[serde(default)]
    action_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CommitteesPage {
    committees: Vec<Committee>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Committee {
    name: String,
    #[serde(default)]
    system_code: Option<String>,
    #[serde(default)]
    activities: Vec<Activity>,
}

#[derive(Debug, Deserialize)]
struct Activity {
    name: String,
    date: String,
}

#[derive(Debug, Deserialize)]
struct CosponsorsPage {
    cosponsors: Vec<Cosponsor>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cosponsor {
    #[serde(default)]
    sponsorship_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelatedPage {
    related_bills: Vec<RelatedBill>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelatedBill {
    congress: u32,
    number: serde_json::Value,
    #[serde(rename = "type")]
    bill_type: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    latest_action: Option<LatestAction>,
    #[serde(default)]
    relationship_details: Vec<Relationship>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LatestAction {
    action_date: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    identified_by: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TitlesPage {
    titles: Vec<serde_json::Value>,
}

pub struct Congress<'a> {
    pub base_url: &'a str,
    pub api_key: &'a str,
    pub limit: &'a RateLimit,
}

impl Congress<'_> {
    /// Reads what Congress.gov knows of the item's bill; `None` when its
    /// identifiers name no bill. `remembered` gives a resource's last
    /// validators (real runs), or is `None` (dry runs).
    pub async fn harvest(
        &self,
        http: &Http,
        item: &SyncItem,
        remembered: &dyn Fn(&str) -> Option<Validators>,
    ) -> Result<Option<Harvest>, SourceError> {
        let Some(bill) = BillRef::from_identifiers(&item.identifiers) else {
            return Ok(None);
        };
        let mut headers = HeaderMap::new();
        let key = HeaderValue::from_str(self.api_key).map_err(|_| SourceError::Network {
            url: self.base_url.to_owned(),
            message: "REGWATCH_CONGRESS_API_KEY is not a valid header value".to_owned(),
        })?;
        headers.insert("X-Api-Key", key);
        let base = self.base_url.trim_end_matches('/');
        let url = |part: &str| format!("{base}/{}/{part}?format=json&limit=250", bill.api_path());
        let mut h = Harvest::default();
        let m = &mapping().congress;

        let actions_url = url("actions");
        if let Some(page) = h
            .fetch::<ActionsPage>(
                http,
                &actions_url,
                &headers,
                remembered(&actions_url).as_ref(),
                self.limit,
            )
            .await?
        {
            let listed = page.pagination.and_then(|p| p.count).unwrap_or(0);
            h.fetched
                .push(format!("{} of {listed} actions", page.actions.len()));
            let web = bill.web_url("all-actions");
            for a in &page.actions {
                let mapped = m.action(item.kind, &a.text, a.action_code.as_deref());
                let key = format!(
                    "{}/action/{}/{}",
                    bill.key(),
                    a.action_date,
                    text_key(&a.text)
                );
                h.proposals.push(
                    Draft::new(
                        SourceName::Congress,
                        item,
                        key,
                        &a.action_date,
                        &web,
                        a.text.clone(),
                    )
                    .event(mapped, a.text.clone())?,
                );
            }
        }

        let committees_url = url("committees");
        if let Some(page) = h
            .fetch::<CommitteesPage>(
                http,
                &committees_url,
                &headers,
                remembered(&committees_url).as_ref(),
                self.limit,
            )
            .await?
        {
            h.fetched
                .push(format!("{} committees", page.committees.len()));
            let web = bill.web_url("committees");
            for c in &page.committees {
                for a in &c.activities {
                    let mapped = m.committee_activity(item.kind, &a.name);
                    let day = a.date.get(..10).unwrap_or(&a.date);
                    let code = c.system_code.as_deref().unwrap_or(&c.name);
                    let key = format!(
                        "{}/committee/{code}/{}/{day}",
                        bill.key(),
                        text_key(&a.name)
                    );
                    let text = format!("{}: {}", a.name, c.name);
                    h.proposals.push(
                        Draft::new(SourceName::Congress, item, key, &a.date, &web, text.clone())
                            .event(mapped, text)?,
                    );
                }
            }
        }

        let cosponsors_url = url("cosponsors");
        if let Some(page) = h
            .fetch::<CosponsorsPage>(
                http,
                &cosponsors_url,
                &headers,
                remembered(&cosponsors_url).as_ref(),
                self.limit,
            )
            .await?
        {
            let count = page
                .pagination
                .and_then(|p| p.count)
                .unwrap_or(page.cosponsors.len() as u64);
            h.fetched.push(format!("{count} cosponsors"));
            let latest = page
                .cosponsors
                .iter()
                .filter_map(|c| c.sponsorship_date.clone())
                .max();
            if let (true, Some(date)) = (count > 0, latest.as_deref()) {
                let web = bill.web_url("cosponsors");
                let text = format!("Cosponsors: {count}");
                let note = format!(
                    "{count} cosponsors on Congress.gov, the latest joining on {}.",
                    &date[..date.len().min(10)]
                );
                let key = format!("{}/cosponsors/{count}", bill.key());
                h.proposals.push(
                    Draft::new(SourceName::Congress, item, key, date, &web, text)
                        .event(m.cosponsors(item.kind), note)?,
                );
            }
        }

        let related_url = url("relatedbills");
        if let Some(page) = h
            .fetch::<RelatedPage>(
                http,
                &related_url,
                &headers,
                remembered(&related_url).as_ref(),
                self.limit,
            )
            .await?
        {
            h.fetched
                .push(format!("{} related bills", page.related_bills.len()));
            let web = bill.web_url("related-bills");
            for r in &page.related_bills {
                let Some(latest) = &r.latest_action else {
                    continue;
                };
                let number = match &r.number {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let how = r
                    .relationship_details
                    .iter()
                    .map(|d| match &d.identified_by {
                        Some(by) => format!("{} (identified by {by})", d.kind),
                        None => d.kind.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let text = format!(
                    "Related bill {} {number}, {}{} Congress: {how}. {}",
                    r.bill_type,
                    r.congress,
                    ordinal_suffix(r.congress),
                    r.title.as_deref().unwrap_or("")
                );
                let key = format!(
                    "{}/related/{}/{}/{number}",
                    bill.key(),
                    r.congress,
                    r.bill_type.to_lowercase()
                );
                h.proposals.push(
                    Draft::new(
                        SourceName::Congress,
                        item,
                        key,
                        &latest.action_date,
                        &web,
                        text.clone(),
                    )
                    .event(m.related_bill(item.kind), text)?,
                );
            }
        }

        let titles_url = url("titles");
        if let Some(page) = h
            .fetch::<TitlesPage>(
                http,
                &titles_url,
                &headers,
                remembered(&titles_url).as_ref(),
                self.limit,
            )
            .await?
        {
            h.fetched.push(format!("{} titles", page.titles.len()));
        }
        Ok(Some(h))
    }
}

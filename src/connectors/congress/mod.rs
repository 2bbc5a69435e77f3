//! Congress.gov API v3, for bills: an item whose identifiers name a bill
//! ("S.321") and a Congress ("119th Congress") gets its actions, committee
//! activities, cosponsor count and related bills read, and each becomes a
//! proposed event (`mapping.toml` says which status). Its titles are read
//! and counted. The key goes in the `X-Api-Key` header, never in URLs.

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

use super::http::{Http, RateLimit, SourceError};
use super::mapping::mapping;
use super::{text_key, Draft, Harvest, SyncItem};
use crate::domain::SourceName;
use crate::store::source_fetches::Validators;

/// A bill as Congress.gov addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRef {
    pub congress: u32,
    /// The API's lower-case type: `s`, `hr`, `sjres`…
    pub bill_type: &'static str,
    pub number: u32,
}

/// The API's bill types, with the words congress.gov's pages use.
const TYPES: &[(&str, &str)] = &[
    ("s", "senate-bill"),
    ("hr", "house-bill"),
    ("sres", "senate-resolution"),
    ("hres", "house-resolution"),
    ("sjres", "senate-joint-resolution"),
    ("hjres", "house-joint-resolution"),
    ("sconres", "senate-concurrent-resolution"),
    ("hconres", "house-concurrent-resolution"),
];

impl BillRef {
    /// The bill an item's identifiers name, if they name one and its
    /// Congress: "S.321" (or "H.R. 1234", "S.J.Res.12") and "119th Congress".
    pub fn from_identifiers(identifiers: &[String]) -> Option<BillRef> {
        let congress = identifiers.iter().find_map(|i| parse_congress(i))?;
        let (bill_type, number) = identifiers.iter().find_map(|i| parse_bill(i))?;
        Some(BillRef {
            congress,
            bill_type,
            number,
        })
    }

    fn api_path(&self) -> String {
        format!("bill/{}/{}/{}", self.congress, self.bill_type, self.number)
    }

    /// The bill's page on congress.gov, under `tab` (e.g. `all-actions`).
    pub fn web_url(&self, tab: &str) -> String {
        let words = TYPES
            .iter()
            .find(|(t, _)| *t == self.bill_type)
            .map_or("bill", |(_, w)| w);
        format!(
            "https://www.congress.gov/bill/{}{}-congress/{words}/{}/{tab}",
            self.congress,
            ordinal_suffix(self.congress),
            self.number
        )
    }

    fn key(&self) -> String {
        format!("{}/{}/{}", self.congress, self.bill_type, self.number)
    }
}

fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// "119th Congress" → 119.
fn parse_congress(identifier: &str) -> Option<u32> {
    let lower = identifier.trim().to_lowercase();
    let ordinal = lower.strip_suffix("congress")?.trim();
    let digits: String = ordinal.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &ordinal[digits.len()..];
    let n: u32 = digits.parse().ok()?;
    (suffix == ordinal_suffix(n)).then_some(n)
}

/// "S.321", "H.R. 1234", "S.J.Res.12" → (type, number).
fn parse_bill(identifier: &str) -> Option<(&'static str, u32)> {
    let compact: String = identifier
        .chars()
        .filter(|c| !matches!(c, '.' | ' '))
        .collect::<String>()
        .to_lowercase();
    let letters: String = compact
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let number: u32 = compact[letters.len()..].parse().ok()?;
    let (bill_type, _) = TYPES.iter().find(|(t, _)| *t == letters)?;
    Some((bill_type, number))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_name_a_bill_and_its_congress() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            BillRef::from_identifiers(&ids(&["S.321", "119th Congress"])),
            Some(BillRef {
                congress: 119,
                bill_type: "s",
                number: 321
            })
        );
        let hr = BillRef::from_identifiers(&ids(&["H.R. 1234", "118th Congress"])).unwrap();
        assert_eq!((hr.bill_type, hr.number), ("hr", 1234));
        assert_eq!(
            hr.web_url("all-actions"),
            "https://www.congress.gov/bill/118th-congress/house-bill/1234/all-actions"
        );
        assert!(BillRef::from_identifiers(&ids(&["S.321"])).is_none());
        assert!(BillRef::from_identifiers(&ids(&["31 CFR Part 850", "119th Congress"])).is_none());
        assert!(BillRef::from_identifiers(&ids(&["EO 14105", "112nd Congress"])).is_none());
        assert_eq!(ordinal_suffix(111), "th");
        assert_eq!(ordinal_suffix(101), "st");
    }
}

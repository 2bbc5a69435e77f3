//! Sending: SMTP (sessions kept open, see [`super::smtp`]) when an SMTP URL
//! is configured, otherwise `.eml` files in the outbox folder.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use super::smtp::Relay;
use super::Email;
use crate::config::Settings;
use crate::domain::mask_address;

/// How long the relay may take to answer one SMTP command.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub enum Mailer {
    Smtp {
        relay: Relay,
        from: Mailbox,
        /// The right part of Message-IDs (see [`message_id_domain`]).
        id_domain: String,
        /// The server, without credentials, for logs.
        server: String,
    },
    Outbox {
        dir: PathBuf,
        from: Mailbox,
        id_domain: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("REGWATCH_SMTP_URL is not valid: {0}")]
    SmtpUrl(String),
    #[error("REGWATCH_MAIL_FROM is not a valid sender: {0}")]
    From(String),
}

/// Why a send failed; permanent failures (5xx answers, unusable messages)
/// are not retried.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

/// Turns the configured URL into the form lettre reads: `smtp://` uses
/// STARTTLS and requires it unless `?tls=opportunistic` is given;
/// `?tls=none` sends in plain text (only for a relay on the same machine);
/// `smtps://` is TLS from the first byte.
pub fn lettre_url(url: &str) -> Result<String, MailError> {
    let mut parsed = url::Url::parse(url).map_err(|e| MailError::SmtpUrl(e.to_string()))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(MailError::SmtpUrl("it names no host".into()));
    }
    match parsed.scheme() {
        "smtps" => Ok(parsed.to_string()),
        "smtp" => {
            let tls = parsed
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            let others: Vec<(String, String)> = parsed
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let tls = match tls.as_deref() {
                None | Some("required") => Some("required"),
                Some("opportunistic") => Some("opportunistic"),
                Some("none") => None,
                Some(other) => {
                    return Err(MailError::SmtpUrl(format!(
                        "tls={other}: use required, opportunistic or none"
                    )))
                }
            };
            {
                let mut q = parsed.query_pairs_mut();
                q.clear();
                q.extend_pairs(others);
                if let Some(t) = tls {
                    q.append_pair("tls", t);
                }
            }
            if parsed.query() == Some("") {
                parsed.set_query(None);
            }
            Ok(parsed.to_string())
        }
        other => Err(MailError::SmtpUrl(format!(
            "the scheme {other}:// is not smtp:// or smtps://"
        ))),
    }
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        let id_domain = message_id_domain(&settings.base_url, &from);
        match &settings.smtp_url {
            Some(url) => {
                let relay = Relay::from_url(&lettre_url(url)?)?;
                let server = url::Url::parse(url)
                    .ok()
                    .map(|u| {
                        format!(
                            "{}://{}:{}",
                            u.scheme(),
                            u.host_str().unwrap_or_default(),
                            u.port().map(|p| p.to_string()).unwrap_or_default()
                        )
                    })
                    .unwrap_or_default();
                Ok(Mailer::Smtp {
                    relay,
                    from,
                    id_domain,
                    server,
                })
            }
            None => Ok(Mailer::Outbox {
                dir: settings.outbox_dir.clone(),
                from,
                id_domain,
            }),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { server, .. } => format!("SMTP server {server}"),
            Mailer::Outbox { dir, .. } => format!("outbox folder {}", dir.display()),
        }
    }

    /// The sender, and the right part of its Message-IDs.
    fn sender(&self) -> (&Mailbox, &str) {
        match self {
            Mailer::Smtp {
                from, id_domain, ..
            }
            | Mailer::Outbox {
                from, id_domain, ..
            } => (from, id_domain),
        }
    }

    /// Sends one email (blocking).
    pub fn send(&self, email: &Email) -> Result<(), SendError> {
        let (from, id_domain) = self.sender();
        let message = build_message(from, id_domain, email)?;
        match self {
            Mailer::Smtp { relay, .. } => {
                relay.send(message.envelope(), &message.formatted())?;
                tracing::info!(
                    to = %mask_address(&email.to),
                    email = %email.label,
                    "email sent"
                );
                Ok(())
            }
            Mailer::Outbox { dir, .. } => {
                let transient = |e: std::io::Error| SendError {
                    message: format!("outbox {}: {e}", dir.display()),
                    permanent: false,
                };
                std::fs::create_dir_all(dir).map_err(transient)?;
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
                let name = format!("{stamp}-{}.eml", email.label);
                let tmp = dir.join(format!(".{name}.tmp"));
                std::fs::write(&tmp, message.formatted()).map_err(transient)?;
                let path = dir.join(&name);
                std::fs::rename(&tmp, &path).map_err(transient)?;
                tracing::info!(
                    to = %mask_address(&email.to),
                    subject = %email.subject,
                    file = %path.display(),
                    "email written to the outbox (REGWATCH_SMTP_URL is not set)"
                );
                Ok(())
            }
        }
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .into(),
        ))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// The right part of Message-IDs: the host of the public base URL when it is
/// a domain name, otherwise the sender's domain.
pub fn message_id_domain(base_url: &str, from: &Mailbox) -> String {
    match url::Url::parse(base_url)
        .ok()
        .as_ref()
        .and_then(url::Url::host)
    {
        Some(url::Host::Domain(domain)) => domain.to_owned(),
        _ => from.email.domain().to_owned(),
    }
}

/// The MIME message: multipart/alternative with the text body first, dated
/// now, its Message-ID `<key@id_domain>`.
pub fn build_message(from: &Mailbox, id_domain: &str, email: &Email) -> Result<Message, SendError> {
    let permanent = |message: String| SendError {
        message,
        permanent: true,
    };
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| permanent(format!("recipient address: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{}@{id_domain}>", email.key)))
        .date_now();
    if let Some(url) = &email.unsubscribe_url {
        builder = builder
            .header(ListUnsubscribe(url.clone()))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| permanent(format!("message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_require_starttls_unless_told_otherwise() {
        assert_eq!(
            lettre_url("smtp://u:p@mail.example.org:587").unwrap(),
            "smtp://u:p@mail.example.org:587?tls=required"
        );
        assert_eq!(
            lettre_url("smtp://127.0.0.1:2525?tls=none").unwrap(),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            lettre_url("smtp://mail.example.org?tls=opportunistic").unwrap(),
            "smtp://mail.example.org?tls=opportunistic"
        );
        assert_eq!(
            lettre_url("smtps://u:p@mail.example.org").unwrap(),
            "smtps://u:p@mail.example.org"
        );
        assert!(lettre_url("http://mail.example.org").is_err());
        assert!(lettre_url("smtp://mail.example.org?tls=maybe").is_err());
        assert!(lettre_url("not a url").is_err());
    }

    #[test]
    fn message_ids_name_the_site_or_else_the_sender() {
        let from: Mailbox = "regwatch <alerts@mail.example.org>".parse().unwrap();
        let domain = |base: &str| message_id_domain(base, &from);
        assert_eq!(domain("https://regwatch.example"), "regwatch.example");
        assert_eq!(domain("https://news.example:8443/base"), "news.example");
        assert_eq!(domain("http://127.0.0.1:8080"), "mail.example.org");
        assert_eq!(domain("http://[::1]:8080"), "mail.example.org");
        assert_eq!(domain("not a url"), "mail.example.org");
    }
}

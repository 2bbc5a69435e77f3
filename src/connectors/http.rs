//! The connectors' HTTP client: a timeout on every request, retries with
//! exponential backoff and jitter (honouring a 429's or 503's
//! `Retry-After`), a token bucket per source that keeps to its published
//! rate limit, and conditional requests (`If-None-Match`,
//! `If-Modified-Since`) from what a resource answered last.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, ETAG, LAST_MODIFIED, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::store::source_fetches::Validators;

/// Timing of requests to the official sources.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    /// For one request, connecting to the last byte.
    pub timeout: Duration,
    /// Tries per request (the first included) before the source is
    /// reported as failing.
    pub attempts: u32,
    /// The first retry waits about this long, doubling after each.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A `Retry-After` longer than this is not waited for: the source is
    /// reported as failing for this run.
    pub retry_after_max: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(20),
            attempts: 4,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(120),
        }
    }
}

/// Why a source could not be read. Nothing is stored from a source that
/// failed: the next run tries again.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{url}: no answer within {seconds} s (tried {attempts} times)")]
    Timeout {
        url: String,
        seconds: u64,
        attempts: u32,
    },
    #[error("{url}: answered {status} (tried {attempts} times)")]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    #[error("{url}: the answer is not what the API documents: {message}")]
    Malformed { url: String, message: String },
}

/// A source's rate limit as a token bucket: `burst` requests at once, then
/// one every `interval`.
#[derive(Debug)]
pub struct RateLimit {
    burst: f64,
    interval: Duration,
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    pub fn per_hour(requests: u32, burst: u32) -> Self {
        RateLimit {
            burst: f64::from(burst),
            interval: Duration::from_secs(3600) / requests.max(1),
            state: Mutex::new((f64::from(burst), Instant::now())),
        }
    }

    /// Waits until a request may go.
    async fn acquire(&self) {
        let wait = {
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (tokens, last) = &mut *guard;
            let now = Instant::now();
            let refill = now.duration_since(*last).as_secs_f64() / self.interval.as_secs_f64();
            *tokens = (*tokens + refill).min(self.burst);
            *last = now;
            *tokens -= 1.0;
            if *tokens >= 0.0 {
                Duration::ZERO
            } else {
                self.interval.mul_f64(-*tokens)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// What a GET answered.
#[derive(Debug)]
pub enum Fetched<T> {
    /// The resource, with the validators to send next time.
    Fresh(T, Validators),
    /// 304: unchanged since the validators sent.
    NotModified,
}

pub struct Http {
    client: reqwest::Client,
    config: HttpConfig,
}

impl Http {
    pub fn new(config: HttpConfig) -> Result<Http, SourceError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("regwatch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SourceError::Network {
                url: String::new(),
                message: e.to_string(),
            })?;
        Ok(Http { client, config })
    }

    /// GETs `url` as JSON of type `T`, conditional on `validators` when
    /// there are any, retrying what may pass (timeouts, connection errors,
    /// 429, 5xx). `shown` is the URL as logs and errors show it.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        headers: &HeaderMap,
        validators: &Validators,
        limit: &RateLimit,
    ) -> Result<Fetched<T>, SourceError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            limit.acquire().await;
            let mut request = self.client.get(url).headers(headers.clone());
            if let Some(etag) = &validators.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(since) = &validators.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, since);
            }
            let retry_in = match request.send().await {
                Ok(res) if res.status() == StatusCode::NOT_MODIFIED => {
                    return Ok(Fetched::NotModified)
                }
                Ok(res) if res.status().is_success() => {
                    let fresh = Validators {
                        etag: header_text(res.headers().get(ETAG)),
                        last_modified: header_text(res.headers().get(LAST_MODIFIED)),
                    };
                    match res.bytes().await {
                        Ok(body) => {
                            let value = serde_json::from_slice(&body).map_err(|e| {
                                SourceError::Malformed {
                                    url: url.to_owned(),
                                    message: e.to_string(),
                                }
                            })?;
                            return Ok(Fetched::Fresh(value, fresh));
                        }
                        Err(e) if attempt < self.config.attempts => {
                            tracing::debug!(url, error = %e, "reading the answer failed; retrying");
                            None
                        }
                        Err(e) => return Err(self.transport_error(url, e, attempt)),
                    }
                }
                Ok(res) => {
                    let status = res.status();
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::REQUEST_TIMEOUT
                        || status.is_server_error();
                    if !retryable || attempt >= self.config.attempts {
                        return Err(SourceError::Status {
                            url: url.to_owned(),
                            status: status.as_u16(),
                            attempts: attempt,
                        });
                    }
                    let after = retry_after(res.headers().get(RETRY_AFTER));
                    if after.is_some_and(|a| a > self.config.retry_after_max) {
                        return Err(SourceError::Status {
                            url: url.to_owned(),
                            status: status.as_u16(),
                            attempts: attempt,
                        });
                    }
                    tracing::info!(
                        url,
                        status = status.as_u16(),
                        attempt,
                        "source asked to wait; retrying"
                    );
                    after
                }
                Err(e)
                    if attempt < self.config.attempts
                        && (e.is_timeout() || e.is_connect() || e.is_request()) =>
                {
                    tracing::info!(url, error = %e, attempt, "request failed; retrying");
                    None
                }
                Err(e) => return Err(self.transport_error(url, e, attempt)),
            };
            let wait = retry_in.unwrap_or_else(|| self.backoff(attempt));
            tokio::time::sleep(wait).await;
        }
    }

    fn transport_error(&self, url: &str, e: reqwest::Error, attempts: u32) -> SourceError {
        if e.is_timeout() {
            SourceError::Timeout {
                url: url.to_owned(),
                seconds: self.config.timeout.as_secs().max(1),
                attempts,
            }
        } else {
            SourceError::Network {
                url: url.to_owned(),
                message: e.to_string(),
            }
        }
    }

    /// Exponential backoff with full jitter: a random wait up to
    /// base × 2^(attempt−1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .config
            .backoff_base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.config.backoff_max);
        ceiling.mul_f64(rand::random::<f64>().max(0.1))
    }
}

fn header_text(v: Option<&HeaderValue>) -> Option<String> {
    v.and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// A `Retry-After` in seconds (the form the sources use); an HTTP date is
/// read as "soon", left to the backoff.
fn retry_after(v: Option<&HeaderValue>) -> Option<Duration> {
    let secs: u64 = v?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

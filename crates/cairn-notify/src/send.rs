//! Delivering a notification to webhooks: redaction, retries, results.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use cairn_http::{Client, HttpError};

use crate::{EventKind, Notification, NotifyError};

/// One webhook from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// `http` or `https`. Often holds a token (Slack's do): shown only
    /// through [`display_url`] in messages.
    pub url: String,
    /// Events to send; empty means all.
    #[serde(default)]
    pub events: Vec<EventKind>,
    /// Extra request headers, e.g. `Authorization`. A `Content-Type` here
    /// replaces `application/json`.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

impl Webhook {
    /// A webhook for every event, with no extra headers.
    pub fn new(url: impl Into<String>) -> Webhook {
        Webhook {
            url: url.into(),
            events: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Whether this webhook takes events of this kind.
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.is_empty() || self.events.contains(&kind)
    }

    /// Check the URL and headers without sending anything, to report a
    /// bad configuration when it is loaded rather than when an apply fails.
    pub fn validate(&self) -> Result<(), NotifyError> {
        cairn_http::check_request("POST", &self.url, &self.headers).map_err(|source| {
            NotifyError::Invalid {
                url: display_url(&self.url),
                source,
            }
        })
    }
}

/// A URL without its path and query, which often carry tokens:
/// `https://hooks.example.com/…`. Unparsable input gives `(invalid URL)`.
pub fn display_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(invalid URL)".to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Drop any `user:password@`.
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() {
        return "(invalid URL)".to_string();
    }
    if authority.len() < rest.len() {
        format!("{scheme}://{host}/…")
    } else {
        format!("{scheme}://{host}")
    }
}

/// What happened to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The webhook's URL as configured (see [`display_url`] before showing
    /// it).
    pub url: String,
    /// A 2xx answer was received.
    pub ok: bool,
    /// Requests sent: 0 when the URL or headers were unusable.
    pub attempts: u32,
    /// The last HTTP status received, if any.
    pub status: Option<u16>,
    /// Why it failed, passed through the caller's `redact`; `None` when ok.
    pub error: Option<String>,
}

/// Retry and timeout policy for [`send_all_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOptions {
    /// Requests per webhook at most (0 is taken as 1).
    pub attempts: u32,
    /// Pause before the 2nd, 3rd, ... request; the last entry repeats.
    pub backoff: Vec<Duration>,
    /// Limit for one request, connection included.
    pub timeout: Duration,
}

impl Default for SendOptions {
    /// 3 attempts, 0.5s then 1s apart, 5s each: at most about 16.5s for
    /// a webhook that never answers, and hooks are sent in parallel.
    fn default() -> Self {
        SendOptions {
            attempts: 3,
            backoff: vec![Duration::from_millis(500), Duration::from_secs(1)],
            timeout: Duration::from_secs(5),
        }
    }
}

/// The JSON body exactly as it will be sent: [`Notification::body`] with
/// `redact` applied.
///
/// `redact` is applied twice: to every string in the JSON (keys
/// included) before serializing, which catches secrets containing
/// characters JSON escapes (quotes, backslashes, control characters), and
/// to the serialized text, which catches anything else. If the second pass
/// breaks the JSON (a "secret" such as `":"`), the first pass's result is
/// sent.
pub fn render_body(n: &Notification, redact: &dyn Fn(&str) -> String) -> String {
    let mut body = n.body();
    redact_value(&mut body, redact);
    // Serializing a Value with string keys cannot fail; fall back to a
    // minimal body rather than panic if it ever did.
    let first = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_string());
    let second = redact(&first);
    if serde_json::from_str::<Value>(&second).is_ok() {
        second
    } else {
        first
    }
}

fn redact_value(value: &mut Value, redact: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = redact(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, redact)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                redact_value(&mut v, redact);
                map.insert(redact(&k), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Send `n` to every webhook that wants its kind, with the default
/// [`SendOptions`]. See [`send_all_with`].
pub async fn send_all(
    hooks: &[Webhook],
    n: &Notification,
    redact: &dyn Fn(&str) -> String,
) -> Vec<Delivery> {
    send_all_with(hooks, n, redact, &SendOptions::default()).await
}

/// Send `n` to every webhook that wants its kind, all in parallel.
///
/// Each gets a `POST` with `Content-Type: application/json` and the body
/// of [`render_body`]: `redact` — the caller's redactor, e.g.
/// `&|s| redactor.redact(s).into_owned()` — runs over the body before it
/// leaves the process, so no known secret is sent. Connection errors,
/// timeouts, 5xx and 429 are retried with backoff; other answers are
/// final (redirects are not followed).
///
/// Never fails and never panics: one [`Delivery`] per webhook that wants
/// the event, in the order of `hooks`, says how it went. A failing webhook
/// is the caller's to report, not a reason to fail the command. Must run
/// inside a tokio runtime.
pub async fn send_all_with(
    hooks: &[Webhook],
    n: &Notification,
    redact: &dyn Fn(&str) -> String,
    opts: &SendOptions,
) -> Vec<Delivery> {
    let targets: Vec<&Webhook> = hooks.iter().filter(|h| h.wants(n.kind)).collect();
    if targets.is_empty() {
        return Vec::new();
    }
    let body: Arc<[u8]> = Arc::from(render_body(n, redact).into_bytes());

    let client = match Client::new(false) {
        Ok(c) => c,
        Err(e) => {
            let error = redact(&format!("HTTP client setup failed: {e}"));
            return targets
                .iter()
                .map(|h| Delivery {
                    url: h.url.clone(),
                    ok: false,
                    attempts: 0,
                    status: None,
                    error: Some(error.clone()),
                })
                .collect();
        }
    };

    let handles: Vec<_> = targets
        .iter()
        .map(|hook| {
            let hook = (*hook).clone();
            let client = client.clone();
            let body = body.clone();
            let opts = opts.clone();
            tokio::spawn(async move { deliver(&client, &hook, &body, &opts).await })
        })
        .collect();

    let mut out = Vec::with_capacity(handles.len());
    for (handle, hook) in handles.into_iter().zip(&targets) {
        let mut delivery = match handle.await {
            Ok(d) => d,
            Err(e) => Delivery {
                url: hook.url.clone(),
                ok: false,
                attempts: 0,
                status: None,
                error: Some(format!("delivery task failed: {e}")),
            },
        };
        // Errors can quote server text; keep secrets out of logs too.
        delivery.error = delivery.error.map(|e| redact(&e));
        out.push(delivery);
    }
    out
}

/// One webhook, with retries.
async fn deliver(client: &Client, hook: &Webhook, body: &[u8], opts: &SendOptions) -> Delivery {
    let mut headers = Vec::with_capacity(hook.headers.len() + 1);
    if !hook
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    headers.extend(hook.headers.iter().cloned());

    let max = opts.attempts.max(1);
    let mut delivery = Delivery {
        url: hook.url.clone(),
        ok: false,
        attempts: 0,
        status: None,
        error: None,
    };
    loop {
        let result = client
            .request(
                "POST",
                &hook.url,
                &headers,
                Some(body.to_vec()),
                opts.timeout,
            )
            .await;
        let retry = match result {
            Err(e) if e.is_invalid_request() => {
                delivery.error = Some(describe_error(hook, &e));
                return delivery;
            }
            Err(e) => {
                delivery.attempts += 1;
                delivery.error = Some(describe_error(hook, &e));
                true
            }
            Ok(resp) => {
                delivery.attempts += 1;
                delivery.status = Some(resp.status);
                if (200..300).contains(&resp.status) {
                    delivery.ok = true;
                    delivery.error = None;
                    return delivery;
                }
                delivery.error = Some(describe_status(&resp));
                resp.status == 429 || resp.status >= 500
            }
        };
        if !retry || delivery.attempts >= max {
            return delivery;
        }
        let pause = opts
            .backoff
            .get(delivery.attempts as usize - 1)
            .or(opts.backoff.last())
            .copied()
            .unwrap_or_default();
        tokio::time::sleep(pause).await;
    }
}

fn describe_error(hook: &Webhook, e: &HttpError) -> String {
    format!("{}: {e}", display_url(&hook.url))
}

/// `HTTP 404: no_team` — the status and the start of the answer, which is
/// often the only explanation a webhook gives.
fn describe_status(resp: &cairn_http::Response) -> String {
    let mut msg = format!("HTTP {}", resp.status);
    if (300..400).contains(&resp.status) {
        msg.push_str(" (redirects are not followed)");
    }
    let text: String = resp
        .text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    if !text.is_empty() {
        msg.push_str(": ");
        msg.push_str(&text);
    }
    msg
}

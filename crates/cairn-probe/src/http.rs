//! HTTP probe: status and, optionally, a body pattern.

use std::time::Duration;

use cairn_http::Client;

use crate::run::Attempt;

pub(crate) struct HttpCheck<'a> {
    pub url: &'a str,
    pub method: &'a str,
    pub expect_status: &'a [u16],
    pub body_pattern: Option<&'a regex::bytes::Regex>,
    pub headers: &'a [(String, String)],
}

impl HttpCheck<'_> {
    pub async fn attempt(&self, client: &Client, timeout: Duration) -> Attempt {
        let what = format!("{} {}", self.method.to_ascii_uppercase(), self.url);
        let resp = match client
            .request(self.method, self.url, self.headers, None, timeout)
            .await
        {
            Ok(r) => r,
            Err(e) => return Attempt::fail(format!("{what}: {e}")),
        };
        let status_ok = if self.expect_status.is_empty() {
            (200..400).contains(&resp.status)
        } else {
            self.expect_status.contains(&resp.status)
        };
        if !status_ok {
            return Attempt::fail(format!(
                "{what}: status {}, expected {}",
                resp.status,
                self.expected_status()
            ));
        }
        match self.body_pattern {
            None => Attempt::pass(format!("{what}: status {}", resp.status)),
            Some(re) if re.is_match(&resp.body) => Attempt::pass(format!(
                "{what}: status {}, body matched /{}/",
                resp.status,
                re.as_str()
            )),
            Some(re) => {
                let scope = if resp.truncated {
                    format!(" (in the first {} bytes)", resp.body.len())
                } else {
                    String::new()
                };
                Attempt::fail(format!(
                    "{what}: status {}, body did not match /{}/{scope}",
                    resp.status,
                    re.as_str()
                ))
            }
        }
    }

    fn expected_status(&self) -> String {
        match self.expect_status {
            [] => "2xx or 3xx".to_string(),
            [one] => one.to_string(),
            many => {
                let list: Vec<String> = many.iter().map(u16::to_string).collect();
                format!("one of {}", list.join(", "))
            }
        }
    }
}

//! Usage files: the figures a plan cannot tell (how many GB a bucket
//! holds, how much traffic a NAT gateway carries), keyed by resource
//! address.
//!
//! ```yaml
//! aws_nat_gateway.main:
//!   monthly_data_processed_gb: 500
//! aws_s3_bucket.logs:            # every instance of the resource
//!   storage_gb: 2000
//! 'aws_s3_bucket.assets["eu"]':  # one instance
//!   storage_gb: 10
//! ```
//!
//! An entry keyed by an instance address wins over one keyed by its
//! resource address.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

/// The usage figures of one resource. Every figure is per month unless its
/// name says otherwise; all are optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageEntry {
    /// GB stored: S3 bucket, DynamoDB table, CloudWatch log group.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_gb: Option<f64>,
    /// GB through a NAT gateway.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_data_processed_gb: Option<f64>,
    /// GB written to a CloudWatch log group.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_ingestion_gb: Option<f64>,
    /// Write request units of an on-demand DynamoDB table.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_write_request_units: Option<f64>,
    /// Read request units of an on-demand DynamoDB table.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_read_request_units: Option<f64>,
    /// API requests: KMS key, Secrets Manager secret, SNS topic (publishes).
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_requests: Option<f64>,
    /// S3 PUT, COPY, POST and LIST requests.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_put_requests: Option<f64>,
    /// S3 GET, SELECT and all other requests.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_get_requests: Option<f64>,
    /// SNS deliveries to HTTP/S endpoints.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_http_notifications: Option<f64>,
    /// SNS deliveries to email addresses.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_email_notifications: Option<f64>,
    /// I/O requests of a magnetic (`standard`) EBS volume.
    #[serde(
        default,
        deserialize_with = "figure",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthly_io_requests: Option<f64>,
}

/// A usage figure: a number of zero or more. Checked in the visitor, so
/// the YAML library reports the figure's own line.
fn figure<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    struct Figure;
    impl serde::de::Visitor<'_> for Figure {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a number of zero or more")
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
            if v >= 0 {
                Ok(v as f64)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
    }
    d.deserialize_f64(Figure).map(Some)
}

impl UsageEntry {
    /// The names of the figures this entry sets.
    pub fn keys(&self) -> Vec<&'static str> {
        let all = [
            ("storage_gb", self.storage_gb),
            ("monthly_data_processed_gb", self.monthly_data_processed_gb),
            ("monthly_ingestion_gb", self.monthly_ingestion_gb),
            (
                "monthly_write_request_units",
                self.monthly_write_request_units,
            ),
            (
                "monthly_read_request_units",
                self.monthly_read_request_units,
            ),
            ("monthly_requests", self.monthly_requests),
            ("monthly_put_requests", self.monthly_put_requests),
            ("monthly_get_requests", self.monthly_get_requests),
            (
                "monthly_http_notifications",
                self.monthly_http_notifications,
            ),
            (
                "monthly_email_notifications",
                self.monthly_email_notifications,
            ),
            ("monthly_io_requests", self.monthly_io_requests),
        ];
        all.iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| *k)
            .collect()
    }
}

/// The usage keys each resource type reads (for notes on keys that do
/// nothing, and for the docs).
pub fn keys_for(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "aws_nat_gateway" => &["monthly_data_processed_gb"],
        "aws_dynamodb_table" => &[
            "storage_gb",
            "monthly_write_request_units",
            "monthly_read_request_units",
        ],
        "aws_cloudwatch_log_group" => &["monthly_ingestion_gb", "storage_gb"],
        "aws_s3_bucket" => &["storage_gb", "monthly_put_requests", "monthly_get_requests"],
        "aws_kms_key" | "aws_secretsmanager_secret" => &["monthly_requests"],
        "aws_sns_topic" => &[
            "monthly_requests",
            "monthly_http_notifications",
            "monthly_email_notifications",
        ],
        "aws_ebs_volume" => &["monthly_io_requests"],
        _ => &[],
    }
}

/// A usage file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("cannot read usage file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Bad YAML or a bad entry; `line` and `column` are 1-based.
    #[error("{file}{}: {message}", position(.line, .column))]
    Parse {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
}

/// `:line:column`, as much of it as is known.
fn position(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl UsageError {
    /// The 1-based line the error is on, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            UsageError::Parse { line, .. } => *line,
            UsageError::Read { .. } => None,
        }
    }
}

/// All usage figures, by address.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Where the figures came from (for notes), when from a file.
    pub file: Option<String>,
    pub entries: BTreeMap<String, UsageEntry>,
}

impl Usage {
    /// No usage at all: usage-based charges are left out, with a note.
    pub fn none() -> Usage {
        Usage::default()
    }

    /// Reads a usage file.
    pub fn load(path: &Path) -> Result<Usage, UsageError> {
        let text = std::fs::read_to_string(path).map_err(|source| UsageError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Usage::parse(&text, &path.display().to_string())
    }

    /// Parses usage YAML; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Usage, UsageError> {
        let error = |e: yaml_serde::Error| {
            let loc = e.location();
            let mut line = loc.as_ref().map(yaml_serde::Location::line);
            let mut column = loc.as_ref().map(yaml_serde::Location::column);
            let msg = e.to_string();
            // The library places a duplicate key at its mapping; point at
            // the repeated key instead.
            if let Some(key) = duplicate_key(&msg) {
                if let Some(l) = second_occurrence(text, &key, line.unwrap_or(1)) {
                    line = Some(l);
                    column = None;
                }
            }
            UsageError::Parse {
                file: file.to_string(),
                line,
                column,
                message: strip_position(&msg),
            }
        };
        // The untyped pass finds syntax errors and repeated keys (which a
        // typed map would silently collapse).
        yaml_serde::from_str::<yaml_serde::Value>(text).map_err(error)?;
        // An empty file (or one of comments only) is a document of null.
        let entries: Option<BTreeMap<String, UsageEntry>> =
            yaml_serde::from_str(text).map_err(error)?;
        Ok(Usage {
            file: Some(file.to_string()),
            entries: entries.unwrap_or_default(),
        })
    }

    /// The entry for an instance: its own, else its resource's.
    pub fn for_instance(&self, address: &str) -> Option<&UsageEntry> {
        self.entries
            .get(address)
            .or_else(|| self.entries.get(&resource_address(address)))
    }
}

/// The YAML library writes the position into its messages ("... at line
/// L column C"); the error puts it first, as compilers do, so it is taken
/// out of the message.
fn strip_position(msg: &str) -> String {
    const AT: &str = " at line ";
    let Some(i) = msg.find(AT) else {
        return msg.to_string();
    };
    let rest = &msg[i + AT.len()..];
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let l = digits(rest);
    let Some(after_col) = rest[l..].strip_prefix(" column ") else {
        return msg.to_string();
    };
    let c = digits(after_col);
    if l == 0 || c == 0 {
        return msg.to_string();
    }
    format!("{}{}", &msg[..i], &after_col[c..])
}

/// The key of a `duplicate entry with key "K"` message (the key is
/// written with Rust's string escapes).
fn duplicate_key(msg: &str) -> Option<String> {
    const MARK: &str = "duplicate entry with key \"";
    // Nested entries carry their path first: `a.b: duplicate entry ...`.
    let rest = &msg[msg.find(MARK)? + MARK.len()..];
    let mut key = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(key),
            '\\' => key.push(chars.next()?),
            c => key.push(c),
        }
    }
    None
}

/// The 1-based line where `key` is written as a mapping key the second
/// time (plain, single- or double-quoted) at the indentation of its first
/// use, searching from `from_line` (the mapping that holds it).
fn second_occurrence(text: &str, key: &str, from_line: usize) -> Option<usize> {
    let forms = [
        format!("{key}:"),
        format!("'{}':", key.replace('\'', "''")),
        format!("\"{}\":", key.replace('\\', "\\\\").replace('"', "\\\"")),
    ];
    let mut indent = None;
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .filter(|(_, l)| {
            let t = l.trim_start();
            let here = l.len() - t.len();
            forms.iter().any(|f| t.starts_with(f.as_str())) && *indent.get_or_insert(here) == here
        })
        .nth(1)
        .map(|(i, _)| i + 1)
}

/// The resource address of an instance address: every instance key
/// (`[0]`, `["a"]`) removed, module keys included.
pub fn resource_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for ch in address.chars() {
        if depth > 0 {
            // Inside a key: skip it, minding brackets in quoted keys.
            if in_string {
                if escaped {
                    escaped = false;
                } else if ch == '\\' {
                    escaped = true;
                } else if ch == '"' {
                    in_string = false;
                }
            } else if ch == '"' {
                in_string = true;
            } else if ch == '[' {
                depth += 1;
            } else if ch == ']' {
                depth -= 1;
            }
            continue;
        }
        if ch == '[' {
            depth = 1;
        } else {
            out.push(ch);
        }
    }
    out
}

//! SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::ordered;
use crate::{Category, Finding, Location, Report, RuleInfo, Severity};

/// The `$schema` of the log: the OASIS SARIF 2.1.0 schema.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// `tool.driver.informationUri`: where users learn about cairn.
/// Placeholder until the project's public home is settled: change it here
/// (or pass the real one to [`sarif_with`]).
pub const INFORMATION_URI: &str = "https://github.com/cairn-iac/cairn";

/// The report as a SARIF 2.1.0 log with one run (see [`sarif_with`]),
/// naming [`INFORMATION_URI`] as cairn's home.
pub fn sarif(report: &Report, tool_version: &str) -> Value {
    sarif_with(report, tool_version, INFORMATION_URI)
}

/// The report as a SARIF 2.1.0 log with one run of tool `cairn`.
///
/// - `tool.driver.rules`: one descriptor per rule of the report (by ID),
///   and a minimal one for a finding whose rule's metadata is missing.
///   `help.text` is the fix, `helpUri` the rule's `help` when set,
///   `defaultConfiguration.level` follows the severity, and `properties`
///   carry `tags` (the category, plus `security` for secrets so that GitHub
///   shows the security severity) and `security-severity` (critical 9.5,
///   high 8.0, medium 5.5, low 2.0).
/// - `results`, in the renderers' order: `level` is `error` for critical
///   and high, `warning` for medium, `note` for low; `message.text` is the
///   message and the fix; the location is the file relative to
///   `%SRCROOT%` with the line and column when known, and the resource
///   address as a logical location of kind `resource`. Suppressed findings
///   carry `suppressions` with their kind (`inSource` for a comment,
///   `external` for the project's list) and reason; others an empty list
///   (suppressions were looked for, none applies).
pub fn sarif_with(report: &Report, tool_version: &str, information_uri: &str) -> Value {
    let rules = descriptors(report);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let results: Vec<Value> = ordered(report)
        .into_iter()
        .map(|f| result(f, index.get(f.rule_id.as_str()).copied()))
        .collect();
    let rules: Vec<Value> = rules.iter().map(descriptor).collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cairn",
                    "version": tool_version,
                    "informationUri": information_uri,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The rules to describe: the report's, then any a finding names without
/// metadata, sorted by ID, each once.
fn descriptors(report: &Report) -> Vec<RuleInfo> {
    let mut by_id: BTreeMap<String, RuleInfo> = BTreeMap::new();
    for r in &report.rules {
        by_id.entry(r.id.clone()).or_insert_with(|| r.clone());
    }
    for f in &report.findings {
        by_id.entry(f.rule_id.clone()).or_insert_with(|| RuleInfo {
            id: f.rule_id.clone(),
            category: f.category,
            severity: f.severity,
            title: String::new(),
            fix: String::new(),
            help: None,
        });
    }
    by_id.into_values().collect()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning's `security-severity`: a score from 0.0 to 10.0
/// (it shows 9.0 and up as critical, 7.0 high, 4.0 medium, above 0 low).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

fn descriptor(r: &RuleInfo) -> Value {
    let title = if r.title.is_empty() {
        r.id.clone()
    } else {
        r.title.clone()
    };
    let mut tags = vec![r.category.as_str()];
    if r.category == Category::Secrets {
        tags.push("security");
    }
    let mut d = Map::new();
    d.insert("id".into(), json!(r.id));
    d.insert("name".into(), json!(pascal_name(&title, &r.id)));
    d.insert("shortDescription".into(), json!({ "text": title }));
    d.insert(
        "fullDescription".into(),
        json!({ "text": format!("{title} ({} rule, {} severity)", r.category.as_str(), r.severity) }),
    );
    if !r.fix.is_empty() {
        d.insert("help".into(), json!({ "text": r.fix }));
    }
    if let Some(h) = &r.help {
        d.insert("helpUri".into(), json!(h));
    }
    d.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(r.severity) }),
    );
    d.insert(
        "properties".into(),
        json!({
            "tags": tags,
            "security-severity": security_severity(r.severity),
        }),
    );
    Value::Object(d)
}

/// `S3 buckets block public access` -> `S3BucketsBlockPublicAccess`: the
/// rule's `name`, an identifier-like form of its title.
fn pascal_name(title: &str, id: &str) -> String {
    let mut out = String::new();
    for word in title.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        id.to_string()
    } else {
        out
    }
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut text = f.message.clone();
    if !f.fix.is_empty() {
        let _ = write!(text, "\nFix: {}", f.fix);
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule_id));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": text }));
    let mut loc = Map::new();
    if let Some(l) = &f.location {
        loc.insert("physicalLocation".into(), physical(l));
    }
    if let Some(a) = &f.address {
        loc.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": a, "kind": "resource" }]),
        );
    }
    if !loc.is_empty() {
        r.insert("locations".into(), json!([Value::Object(loc)]));
    }
    let suppressions = match &f.suppressed {
        Some(reason) => json!([{
            "kind": f.suppression_kind.unwrap_or_default().sarif_kind(),
            "justification": reason,
        }]),
        None => json!([]),
    };
    r.insert("suppressions".into(), suppressions);
    let mut props = Map::new();
    props.insert("category".into(), json!(f.category.as_str()));
    props.insert("severity".into(), json!(f.severity.as_str()));
    if !f.path.is_empty() {
        props.insert("attribute".into(), json!(f.path_display()));
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

fn physical(l: &Location) -> Value {
    let mut artifact = Map::new();
    match artifact_uri(&l.file) {
        Uri::Relative(u) => {
            artifact.insert("uri".into(), json!(u));
            artifact.insert("uriBaseId".into(), json!("%SRCROOT%"));
        }
        Uri::Absolute(u) => {
            artifact.insert("uri".into(), json!(u));
        }
    }
    let mut p = Map::new();
    p.insert("artifactLocation".into(), Value::Object(artifact));
    // SARIF lines and columns start at 1; a 0 means "not known".
    if l.line >= 1 {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(l.line));
        if l.column >= 1 {
            region.insert("startColumn".into(), json!(l.column));
        }
        p.insert("region".into(), Value::Object(region));
    }
    Value::Object(p)
}

enum Uri {
    /// Relative to the source root (`%SRCROOT%`).
    Relative(String),
    /// A `file://` URI for a path given as absolute.
    Absolute(String),
}

/// The file's path as a URI reference: forward slashes, no leading `./`,
/// and every byte outside the unreserved set percent-encoded (so a `:` or
/// space in a name cannot change what the reference means).
fn artifact_uri(file: &str) -> Uri {
    let mut p = file.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    let bytes = p.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if drive {
        // `C:/x` -> `file:///C:/x`: the drive's colon is kept.
        return Uri::Absolute(format!("file:///{}:{}", &p[..1], encode(&p[2..])));
    }
    if p.starts_with('/') {
        return Uri::Absolute(format!("file://{}", encode(&p)));
    }
    Uri::Relative(encode(&p))
}

fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    #[test]
    fn exact_log_of_a_small_report() {
        let got = sarif_with(&fixtures::small(), "1.2.3", "https://example.invalid/cairn");
        let want = json!({
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "cairn",
                    "version": "1.2.3",
                    "informationUri": "https://example.invalid/cairn",
                    "rules": [
                        {
                            "id": "AWS001",
                            "name": "AWS001Title",
                            "shortDescription": {"text": "AWS001 title"},
                            "fullDescription": {"text": "AWS001 title (security rule, high severity)"},
                            "help": {"text": "AWS001 fix"},
                            "helpUri": "docs/rules.md#aws001",
                            "defaultConfiguration": {"level": "error"},
                            "properties": {"tags": ["security"], "security-severity": "8.0"}
                        },
                        {
                            "id": "TAG001",
                            "name": "TAG001Title",
                            "shortDescription": {"text": "TAG001 title"},
                            "fullDescription": {"text": "TAG001 title (tags rule, low severity)"},
                            "help": {"text": "TAG001 fix"},
                            "defaultConfiguration": {"level": "note"},
                            "properties": {"tags": ["tags"], "security-severity": "2.0"}
                        }
                    ]
                }},
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "AWS001",
                        "ruleIndex": 0,
                        "level": "error",
                        "message": {"text": "SSH open to 0.0.0.0/0\nFix: AWS001 fix"},
                        "locations": [{
                            "physicalLocation": {
                                "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                                "region": {"startLine": 12, "startColumn": 5}
                            },
                            "logicalLocations": [{"fullyQualifiedName": "aws_security_group.web", "kind": "resource"}]
                        }],
                        "suppressions": [],
                        "properties": {"category": "security", "severity": "high", "attribute": "ingress[0].cidr_blocks"}
                    },
                    {
                        "ruleId": "TAG001",
                        "ruleIndex": 1,
                        "level": "note",
                        "message": {"text": "missing tags: team\nFix: TAG001 fix"},
                        "locations": [{
                            "logicalLocations": [{"fullyQualifiedName": "aws_s3_bucket.logs", "kind": "resource"}]
                        }],
                        "suppressions": [{"kind": "inSource", "justification": "legacy bucket"}],
                        "properties": {"category": "tags", "severity": "low"}
                    },
                    {
                        "ruleId": "TAG001",
                        "ruleIndex": 1,
                        "level": "note",
                        "message": {"text": "missing tags: owner\nFix: TAG001 fix"},
                        "locations": [{
                            "physicalLocation": {
                                "artifactLocation": {"uri": "net/vpc.tf", "uriBaseId": "%SRCROOT%"},
                                "region": {"startLine": 3, "startColumn": 1}
                            },
                            "logicalLocations": [{"fullyQualifiedName": "aws_vpc.main", "kind": "resource"}]
                        }],
                        "suppressions": [],
                        "properties": {"category": "tags", "severity": "low", "attribute": "tags"}
                    }
                ]
            }]
        });
        assert_eq!(got, want, "{got:#}");
        assert_eq!(
            sarif(&fixtures::small(), "1.2.3")["runs"][0]["tool"]["driver"]["informationUri"],
            json!(INFORMATION_URI)
        );
    }

    #[test]
    fn levels_and_scores_per_severity() {
        assert_eq!(
            Severity::ALL.map(level),
            ["note", "warning", "error", "error"]
        );
        assert_eq!(
            Severity::ALL.map(security_severity),
            ["2.0", "5.5", "8.0", "9.5"]
        );
    }

    #[test]
    fn rule_without_metadata_gets_a_minimal_descriptor() {
        let mut r = fixtures::small();
        r.rules.retain(|x| x.id != "TAG001");
        let got = sarif(&r, "0");
        let rules = &got["runs"][0]["tool"]["driver"]["rules"];
        assert_eq!(rules[1]["id"], json!("TAG001"));
        assert_eq!(rules[1]["name"], json!("TAG001"));
        assert_eq!(rules[1]["shortDescription"]["text"], json!("TAG001"));
        assert!(rules[1].get("help").is_none());
        assert_eq!(got["runs"][0]["results"][1]["ruleIndex"], json!(1));
    }

    #[test]
    fn uris_are_relative_with_forward_slashes_and_encoded() {
        let rel = |s: &str| match artifact_uri(s) {
            Uri::Relative(u) => u,
            Uri::Absolute(u) => panic!("absolute {u}"),
        };
        let abs = |s: &str| match artifact_uri(s) {
            Uri::Absolute(u) => u,
            Uri::Relative(u) => panic!("relative {u}"),
        };
        assert_eq!(rel(r"modules\net\main.tf"), "modules/net/main.tf");
        assert_eq!(rel("./././main.tf"), "main.tf");
        assert_eq!(rel("my dir/a:b#c.tf"), "my%20dir/a%3Ab%23c.tf");
        assert_eq!(rel("é.tf"), "%C3%A9.tf");
        assert_eq!(abs("/srv/x y.tf"), "file:///srv/x%20y.tf");
        assert_eq!(abs(r"C:\code\main.tf"), "file:///C:/code/main.tf");
    }

    #[test]
    fn unknown_line_has_no_region_and_no_location_no_locations() {
        let l = Location {
            file: "a.tf".into(),
            line: 0,
            column: 0,
        };
        assert!(physical(&l).get("region").is_none());
        let l = Location { line: 4, ..l };
        assert_eq!(physical(&l)["region"], json!({"startLine": 4}));
        let mut r = fixtures::small();
        for f in &mut r.findings {
            f.address = None;
            f.location = None;
        }
        let got = sarif(&r, "0");
        assert!(got["runs"][0]["results"][0].get("locations").is_none());
    }
}

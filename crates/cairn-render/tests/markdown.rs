//! The pull-request summary.

mod common;

use cairn_engine::{Action, Plan};
use cairn_render::markdown_summary;
use common::*;

#[test]
fn summary_table() {
    let mut replace = change(
        "aws_instance.app",
        Action::Replace,
        Some(obj(&[("ami", s("a")), ("id", s("i"))])),
        Some(obj(&[("ami", s("b")), ("id", unknown())])),
    );
    replace.replace_paths = vec![attr("ami")];
    let mut gone = change(
        "aws_instance.web[\"a|b\"]",
        Action::Delete,
        Some(obj(&[("id", s("i-2"))])),
        None,
    );
    gone.reason = Some("key [\"a|b\"] is not in for_each map".into());
    let mut imported = change(
        "aws_vpc.main",
        Action::NoOp,
        Some(obj(&[("id", s("vpc-1"))])),
        Some(obj(&[("id", s("vpc-1"))])),
    );
    imported.importing = Some("vpc-1".into());
    let unchanged = change(
        "aws_vpc.same",
        Action::NoOp,
        Some(obj(&[("id", s("vpc-2"))])),
        Some(obj(&[("id", s("vpc-2"))])),
    );
    let create = change(
        "aws_s3_bucket.logs",
        Action::Create,
        None,
        Some(obj(&[("bucket", s("logs"))])),
    );
    let mut p = plan(vec![create, gone, replace, imported, unchanged]);
    p.outputs
        .insert("url".into(), output(None, Some(s("x")), false));
    let want = r#"### cairn plan: 2 to add, 0 to change, 2 to destroy, 1 to import

| Action | Count |
| --- | ---: |
| create | 1 |
| replace | 1 |
| destroy | 1 |
| import | 1 |

| Address | Action | Reason |
| --- | --- | --- |
| `aws_instance.app` | replace | cannot be updated in place; forced by `ami` |
| `aws_instance.web["a\|b"]` | destroy | key not in for_each |
| `aws_s3_bucket.logs` | create |  |
| `aws_vpc.main` | import | imported from `vpc-1` |

Outputs changing: `url` (create)
"#;
    assert_eq!(markdown_summary(&p), want);
}

#[test]
fn summary_without_changes() {
    assert_eq!(
        markdown_summary(&Plan::default()),
        "### cairn plan: no changes\n\nYour infrastructure matches the configuration.\n"
    );
}

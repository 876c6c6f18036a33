//! The human plan output, compared in full against Terraform's layout.

mod common;

use cairn_engine::{Action, Plan};
use cairn_provider::{Attribute, NestedBlock, Nesting, Schema};
use cairn_render::{human, HumanOptions};
use cairn_value::{Type, Value};
use common::*;

fn render(p: &Plan) -> String {
    human(p, &HumanOptions::default())
}

fn instance_schema() -> Schema {
    Schema::new("")
        .attr("ami", Attribute::required(Type::String, "").force_new())
        .attr("arn", Attribute::computed(Type::String, ""))
        .attr("id", Attribute::computed(Type::String, ""))
        .attr("instance_type", Attribute::required(Type::String, ""))
        .attr("user_data", Attribute::optional(Type::String, ""))
        .block(
            "root_block_device",
            NestedBlock {
                nesting: Nesting::List,
                block: Schema::new("")
                    .attr("volume_size", Attribute::optional(Type::Number, ""))
                    .attr("volume_type", Attribute::optional(Type::String, "")),
                min_items: 0,
                max_items: Some(1),
                force_new: false,
            },
        )
}

fn sg_schema() -> Schema {
    Schema::new("")
        .attr("id", Attribute::computed(Type::String, ""))
        .attr("name", Attribute::required(Type::String, ""))
        .attr("policy", Attribute::optional(Type::String, ""))
        .attr("settings", Attribute::optional(Type::Dynamic, ""))
        .block(
            "ingress",
            NestedBlock {
                nesting: Nesting::Set,
                block: Schema::new("")
                    .attr(
                        "cidr_blocks",
                        Attribute::optional(Type::list(Type::String), ""),
                    )
                    .attr("from_port", Attribute::required(Type::Number, ""))
                    .attr("to_port", Attribute::required(Type::Number, "")),
                min_items: 0,
                max_items: None,
                force_new: false,
            },
        )
        .block(
            "timeouts",
            NestedBlock {
                nesting: Nesting::Single,
                block: Schema::new("").attr("create", Attribute::optional(Type::String, "")),
                min_items: 0,
                max_items: None,
                force_new: false,
            },
        )
}

fn schemas(t: &str) -> Option<Schema> {
    match t {
        "aws_instance" => Some(instance_schema()),
        "aws_security_group" => Some(sg_schema()),
        _ => None,
    }
}

const HEADER: &str = "cairn used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:";

#[test]
fn create() {
    let p = plan(vec![change(
        "aws_instance.web",
        Action::Create,
        None,
        Some(obj(&[
            ("ami", s("ami-123")),
            ("arn", unknown()),
            ("cpu", n(2)),
            ("id", unknown()),
            ("instance_type", s("t3.micro")),
            ("monitoring", b(false)),
            ("security_groups", strs(&["sg-1", "sg-2"])),
            ("tags", map(&[("Name", "web"), ("Environment", "dev")])),
            ("user_data", null()),
        ])),
    )]);
    let want = format!(
        r#"
{HEADER}
  + create

cairn will perform the following actions:

  # aws_instance.web will be created
  + resource "aws_instance" "web" {{
      + ami             = "ami-123"
      + arn             = (known after apply)
      + cpu             = 2
      + id              = (known after apply)
      + instance_type   = "t3.micro"
      + monitoring      = false
      + security_groups = [
          + "sg-1",
          + "sg-2",
        ]
      + tags            = {{
          + "Environment" = "dev"
          + "Name"        = "web"
        }}
    }}

Plan: 1 to add, 0 to change, 0 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn create_with_blocks_json_heredoc_and_nested_values() {
    let policy =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#;
    let p = plan(vec![
        change(
            "aws_security_group.sg",
            Action::Create,
            None,
            Some(obj(&[
                ("id", unknown()),
                ("name", s("web")),
                ("policy", s(policy)),
                (
                    "settings",
                    obj(&[("depth", n(3)), ("labels", strs(&["a"]))]),
                ),
                (
                    "ingress",
                    set(vec![
                        obj(&[
                            ("cidr_blocks", strs(&["10.0.0.0/8"])),
                            ("from_port", n(443)),
                            ("to_port", n(443)),
                        ]),
                        obj(&[
                            ("cidr_blocks", Value::null(Type::list(Type::String))),
                            ("from_port", n(80)),
                            ("to_port", n(80)),
                        ]),
                    ]),
                ),
                ("timeouts", Value::null(Type::object(Default::default()))),
            ])),
        ),
        change(
            "aws_instance.web",
            Action::Create,
            None,
            Some(obj(&[
                ("ami", s("ami-1")),
                ("id", unknown()),
                ("user_data", s("#!/bin/sh\necho hello\n")),
                (
                    "root_block_device",
                    Value::unknown(Type::list(Type::Dynamic)),
                ),
            ])),
        ),
    ]);
    let opts = HumanOptions {
        color: false,
        schemas: Some(&schemas),
    };
    let want = format!(
        r#"
{HEADER}
  + create

cairn will perform the following actions:

  # aws_instance.web will be created
  + resource "aws_instance" "web" {{
      + ami       = "ami-1"
      + id        = (known after apply)
      + user_data = <<-EOT
            #!/bin/sh
            echo hello
        EOT

      + root_block_device (known after apply)
    }}

  # aws_security_group.sg will be created
  + resource "aws_security_group" "sg" {{
      + id       = (known after apply)
      + name     = "web"
      + policy   = jsonencode(
            {{
              + Statement = [
                  + {{
                      + Action = "s3:GetObject"
                      + Effect = "Allow"
                    }},
                ]
              + Version   = "2012-10-17"
            }}
        )
      + settings = {{
          + depth  = 3
          + labels = [
              + "a",
            ]
        }}

      + ingress {{
          + from_port = 80
          + to_port   = 80
        }}
      + ingress {{
          + cidr_blocks = [
              + "10.0.0.0/8",
            ]
          + from_port   = 443
          + to_port     = 443
        }}
    }}

Plan: 2 to add, 0 to change, 0 to destroy.
"#
    );
    assert_eq!(human(&p, &opts), want);
}

#[test]
fn update_in_place() {
    let before = obj(&[
        ("ami", s("ami-1")),
        ("id", s("i-1")),
        ("instance_type", s("t3.micro")),
        ("monitoring", b(false)),
        ("tags", map(&[("Env", "dev"), ("Name", "web")])),
        ("zones", strs(&["a", "b", "c", "d", "e"])),
    ]);
    let after = obj(&[
        ("ami", s("ami-1")),
        ("id", s("i-1")),
        ("instance_type", s("t3.small")),
        ("monitoring", b(false)),
        ("tags", map(&[("Env", "prod"), ("Name", "web")])),
        ("zones", strs(&["a", "b", "c", "x", "e"])),
    ]);
    let p = plan(vec![change(
        "aws_instance.web",
        Action::Update,
        Some(before),
        Some(after),
    )]);
    let want = format!(
        r#"
{HEADER}
  ~ update in-place

cairn will perform the following actions:

  # aws_instance.web will be updated in-place
  ~ resource "aws_instance" "web" {{
        id            = "i-1"
      ~ instance_type = "t3.micro" -> "t3.small"
      ~ tags          = {{
          ~ "Env"  = "dev" -> "prod"
            "Name" = "web"
        }}
      ~ zones         = [
            # (2 unchanged elements hidden)
            "c",
          - "d",
          + "x",
            "e",
        ]
        # (2 unchanged attributes hidden)
    }}

Plan: 0 to add, 1 to change, 0 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn replace_with_and_without_create_before_destroy() {
    let mut app = change(
        "aws_instance.app",
        Action::Replace,
        Some(obj(&[
            ("ami", s("ami-1")),
            ("arn", s("arn:1")),
            ("id", s("i-1")),
            ("instance_type", s("t3.micro")),
            (
                "root_block_device",
                list(vec![obj(&[
                    ("volume_size", n(8)),
                    ("volume_type", s("gp2")),
                ])]),
            ),
        ])),
        Some(obj(&[
            ("ami", s("ami-2")),
            ("arn", unknown()),
            ("id", unknown()),
            ("instance_type", s("t3.micro")),
            (
                "root_block_device",
                list(vec![obj(&[
                    ("volume_size", n(8)),
                    ("volume_type", s("gp3")),
                ])]),
            ),
        ])),
    );
    app.replace_paths = vec![attr("ami")];
    let mut blue = change(
        "aws_instance.blue",
        Action::Replace,
        Some(obj(&[("ami", s("ami-1")), ("id", s("i-2"))])),
        Some(obj(&[("ami", s("ami-1")), ("id", unknown())])),
    );
    blue.create_before_destroy = true;
    blue.reason = Some("replacement requested with -replace".into());
    let mut tainted = change(
        "aws_instance.old",
        Action::Replace,
        Some(obj(&[("ami", s("ami-1")), ("id", s("i-3"))])),
        Some(obj(&[("ami", s("ami-1")), ("id", unknown())])),
    );
    tainted.reason = Some("the object is tainted, so must be replaced".into());
    let p = plan(vec![blue, app, tainted]);
    let opts = HumanOptions {
        color: false,
        schemas: Some(&schemas),
    };
    let want = format!(
        r#"
{HEADER}
-/+ destroy and then create replacement
+/- create replacement and then destroy

cairn will perform the following actions:

  # aws_instance.app must be replaced
-/+ resource "aws_instance" "app" {{
      ~ ami           = "ami-1" -> "ami-2" # forces replacement
      ~ arn           = "arn:1" -> (known after apply)
      ~ id            = "i-1" -> (known after apply)
        # (1 unchanged attribute hidden)

      ~ root_block_device {{
          ~ volume_type = "gp2" -> "gp3"
            # (1 unchanged attribute hidden)
        }}
    }}

  # aws_instance.blue will be replaced, as requested
+/- resource "aws_instance" "blue" {{
      ~ id  = "i-2" -> (known after apply)
        # (1 unchanged attribute hidden)
    }}

  # aws_instance.old is tainted, so must be replaced
-/+ resource "aws_instance" "old" {{
      ~ id  = "i-3" -> (known after apply)
        # (1 unchanged attribute hidden)
    }}

Plan: 3 to add, 0 to change, 3 to destroy.
"#
    );
    assert_eq!(human(&p, &opts), want);
}

#[test]
fn delete_with_reasons() {
    let mut gone = change(
        "aws_s3_bucket.old",
        Action::Delete,
        Some(obj(&[
            ("bucket", s("old")),
            ("force_destroy", b(false)),
            ("id", s("old")),
            ("policy", null()),
            ("tags", map(&[])),
        ])),
        None,
    );
    gone.reason = Some("aws_s3_bucket.old is not in configuration".into());
    let mut counted = change(
        "aws_instance.web[2]",
        Action::Delete,
        Some(obj(&[("id", s("i-3"))])),
        None,
    );
    counted.reason = Some("index [2] is out of range for count".into());
    let mut keyed = change(
        "aws_instance.svc[\"b\"]",
        Action::Delete,
        Some(obj(&[("id", s("i-4")), ("user_data", s("line1\nline2"))])),
        None,
    );
    keyed.reason = Some("key [\"b\"] is not in for_each map".into());
    let mut module = change(
        "module.net.aws_vpc.main",
        Action::Delete,
        Some(obj(&[("id", s("vpc-1"))])),
        None,
    );
    module.reason = Some("module.net is not in configuration".into());
    let mut data = change(
        "data.aws_ami.ubuntu",
        Action::Delete,
        Some(obj(&[("id", s("ami-1"))])),
        None,
    );
    data.reason = Some("data source no longer in configuration".into());
    let p = plan(vec![module, gone, data, keyed, counted]);
    let want = format!(
        r#"
{HEADER}
  - destroy

cairn will perform the following actions:

  # aws_instance.svc["b"] will be destroyed
  # (because key ["b"] is not in for_each map)
  - resource "aws_instance" "svc" {{
      - id        = "i-4" -> null
      - user_data = <<-EOT
            line1
            line2
        EOT -> null
    }}

  # aws_instance.web[2] will be destroyed
  # (because index [2] is out of range for count)
  - resource "aws_instance" "web" {{
      - id = "i-3" -> null
    }}

  # aws_s3_bucket.old will be destroyed
  # (because aws_s3_bucket.old is not in configuration)
  - resource "aws_s3_bucket" "old" {{
      - bucket        = "old" -> null
      - force_destroy = false -> null
      - id            = "old" -> null
      - tags          = {{}} -> null
    }}

  # module.net.aws_vpc.main will be destroyed
  # (because module.net is not in configuration)
  - resource "aws_vpc" "main" {{
      - id = "vpc-1" -> null
    }}

Plan: 0 to add, 0 to change, 4 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn data_read() {
    let mut read = change(
        "data.aws_ami.ubuntu",
        Action::Read,
        None,
        Some(obj(&[
            ("id", unknown()),
            ("most_recent", b(true)),
            ("name_regex", null()),
            ("owners", strs(&["099720109477"])),
        ])),
    );
    read.reason = Some("config refers to values not yet known".into());
    let p = plan(vec![read]);
    let want = format!(
        r#"
{HEADER}
 <= read (data resources)

cairn will perform the following actions:

  # data.aws_ami.ubuntu will be read during apply
  # (config refers to values not yet known)
 <= data "aws_ami" "ubuntu" {{
      + id          = (known after apply)
      + most_recent = true
      + owners      = [
          + "099720109477",
        ]
    }}

Plan: 0 to add, 0 to change, 0 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn no_changes() {
    let v = obj(&[("id", s("i-1"))]);
    let p = plan(vec![change(
        "aws_instance.web",
        Action::NoOp,
        Some(v.clone()),
        Some(v),
    )]);
    assert_eq!(
        render(&p),
        "\nNo changes. Your infrastructure matches the configuration.\n\ncairn has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n"
    );
    let d = Plan {
        destroy: true,
        ..Plan::default()
    };
    assert_eq!(
        render(&d),
        "\nNo changes. No objects need to be destroyed.\n\nEither you have not created any objects yet or the existing objects were already deleted outside of cairn.\n"
    );
}

#[test]
fn outputs_only() {
    let mut p = Plan::default();
    p.outputs
        .insert("url".into(), output(None, Some(s("http://x")), false));
    p.outputs
        .insert("instances".into(), output(Some(n(1)), Some(n(2)), false));
    p.outputs
        .insert("old".into(), output(Some(s("x")), None, false));
    p.outputs
        .insert("ip".into(), output(None, Some(unknown()), false));
    p.outputs.insert(
        "db_password".into(),
        output(None, Some(s("hunter2").marked()), true),
    );
    p.outputs
        .insert("same".into(), output(Some(s("a")), Some(s("a")), false));
    p.outputs.insert(
        "zones".into(),
        output(None, Some(obj(&[("names", strs(&["a", "b"]))])), false),
    );
    let want = r#"
Changes to Outputs:
  + db_password = (sensitive value)
  ~ instances   = 1 -> 2
  + ip          = (known after apply)
  - old         = "x" -> null
  + url         = "http://x"
  + zones       = {
      + names = [
          + "a",
          + "b",
        ]
    }

You can apply this plan to save these new output values to the cairn state, without changing any real infrastructure.
"#;
    assert_eq!(render(&p), want);
}

#[test]
fn outputs_after_resources() {
    let mut p = plan(vec![change(
        "aws_instance.web",
        Action::Create,
        None,
        Some(obj(&[("id", unknown())])),
    )]);
    p.outputs
        .insert("id".into(), output(None, Some(unknown()), false));
    let want = format!(
        r#"
{HEADER}
  + create

cairn will perform the following actions:

  # aws_instance.web will be created
  + resource "aws_instance" "web" {{
      + id = (known after apply)
    }}

Plan: 1 to add, 0 to change, 0 to destroy.

Changes to Outputs:
  + id = (known after apply)
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn drift_then_changes() {
    let mut p = plan(vec![change(
        "aws_instance.web",
        Action::Update,
        Some(obj(&[("id", s("i-1")), ("instance_type", s("t3.large"))])),
        Some(obj(&[("id", s("i-1")), ("instance_type", s("t3.micro"))])),
    )]);
    p.drift = vec![
        drift(
            "aws_instance.web",
            obj(&[("id", s("i-1")), ("instance_type", s("t3.micro"))]),
            Some(obj(&[("id", s("i-1")), ("instance_type", s("t3.large"))])),
        ),
        drift(
            "aws_eip.ip",
            obj(&[("id", s("eip-1")), ("public_ip", s("1.2.3.4"))]),
            None,
        ),
    ];
    let rule = "─".repeat(77);
    let want = format!(
        r#"
Note: Objects have changed outside of cairn

cairn detected the following changes made outside of cairn since the last "cairn apply" which may have affected this plan:

  # aws_eip.ip has been deleted
  - resource "aws_eip" "ip" {{
      - id        = "eip-1" -> null
      - public_ip = "1.2.3.4" -> null
    }}

  # aws_instance.web has changed
  ~ resource "aws_instance" "web" {{
        id            = "i-1"
      ~ instance_type = "t3.micro" -> "t3.large"
    }}


Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.

{rule}

{HEADER}
  ~ update in-place

cairn will perform the following actions:

  # aws_instance.web will be updated in-place
  ~ resource "aws_instance" "web" {{
        id            = "i-1"
      ~ instance_type = "t3.large" -> "t3.micro"
    }}

Plan: 0 to add, 1 to change, 0 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn drift_alone_is_not_shown_outside_refresh_only() {
    let mut p = Plan {
        drift: vec![drift("aws_eip.ip", obj(&[("id", s("eip-1"))]), None)],
        ..Plan::default()
    };
    assert!(render(&p).starts_with("\nNo changes. Your infrastructure matches"));
    p.refresh_only = true;
    let out = render(&p);
    assert!(out.contains("# aws_eip.ip has been deleted"));
    assert!(out.ends_with("without changing any remote objects.\n"));
}

#[test]
fn import_and_move() {
    let v = obj(&[("ami", s("ami-1")), ("id", s("i-9"))]);
    let mut imp = change(
        "aws_instance.imp",
        Action::NoOp,
        Some(v.clone()),
        Some(v.clone()),
    );
    imp.importing = Some("i-9".into());
    let mut moved = change(
        "aws_instance.new",
        Action::NoOp,
        Some(v.clone()),
        Some(v.clone()),
    );
    moved.moved_from = Some(addr("aws_instance.old"));
    let mut upd = change(
        "aws_instance.upd",
        Action::Update,
        Some(v.clone()),
        Some(obj(&[("ami", s("ami-2")), ("id", s("i-9"))])),
    );
    upd.moved_from = Some(addr("aws_instance.prev"));
    let p = plan(vec![imp, moved, upd]);
    let want = format!(
        r#"
{HEADER}
  ~ update in-place

cairn will perform the following actions:

  # aws_instance.imp will be imported
    resource "aws_instance" "imp" {{
        ami = "ami-1"
        id  = "i-9"
    }}

  # aws_instance.old has moved to aws_instance.new
    resource "aws_instance" "new" {{
        id  = "i-9"
        # (1 unchanged attribute hidden)
    }}

  # aws_instance.upd will be updated in-place
  # (moved from aws_instance.prev)
  ~ resource "aws_instance" "upd" {{
      ~ ami = "ami-1" -> "ami-2"
        id  = "i-9"
    }}

Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn sensitive_values_are_hidden() {
    let mut c = change(
        "aws_db_instance.db",
        Action::Update,
        Some(obj(&[
            ("id", s("db-1")),
            ("password", s("old-secret").marked()),
            ("tokens", strs(&["t1"])),
            ("username", s("admin")),
        ])),
        Some(obj(&[
            ("id", s("db-1")),
            ("password", s("new-secret").marked()),
            ("tokens", list(vec![s("t1"), s("t2-secret").marked()])),
            ("username", s("admin").marked()),
        ])),
    );
    c.replace_paths = Vec::new();
    let p = plan(vec![c]);
    let want = format!(
        r#"
{HEADER}
  ~ update in-place

cairn will perform the following actions:

  # aws_db_instance.db will be updated in-place
  ~ resource "aws_db_instance" "db" {{
        id       = "db-1"
      ~ password = (sensitive value)
      ~ tokens   = [
            "t1",
          + (sensitive value),
        ]
      # Warning: this attribute value will be marked as sensitive and will not
      # display in UI output after applying this change. The value is unchanged.
      ~ username = (sensitive value)
    }}

Plan: 0 to add, 1 to change, 0 to destroy.
"#
    );
    assert_eq!(render(&p), want);
}

#[test]
fn color_only_adds_escape_codes() {
    let mut c = change(
        "aws_instance.web",
        Action::Replace,
        Some(obj(&[("ami", s("a")), ("id", s("i"))])),
        Some(obj(&[("ami", s("b")), ("id", unknown())])),
    );
    c.replace_paths = vec![attr("ami")];
    let mut p = plan(vec![c]);
    p.outputs
        .insert("x".into(), output(Some(s("1")), None, false));
    let plain = human(&p, &HumanOptions::default());
    let colored = human(
        &p,
        &HumanOptions {
            color: true,
            schemas: None,
        },
    );
    assert!(colored.contains("\x1b[31m-\x1b[0m/\x1b[32m+\x1b[0m"));
    assert!(colored.contains("\x1b[31m# forces replacement\x1b[0m"));
    assert_ne!(plain, colored);
    assert_eq!(strip_ansi(&colored), plain);
}

#[test]
fn update_json_heredoc_and_blocks() {
    let before = obj(&[
        ("ami", s("ami-1")),
        ("id", s("i-1")),
        (
            "policy",
            s(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#,
            ),
        ),
        ("doc", s(r#"{"a":1,"b":2}"#)),
        ("user_data", s("#!/bin/sh\necho one\necho two\n")),
        (
            "root_block_device",
            list(vec![obj(&[
                ("volume_size", n(8)),
                ("volume_type", s("gp2")),
            ])]),
        ),
    ]);
    let after = obj(&[
        ("ami", s("ami-1")),
        ("id", s("i-1")),
        (
            "policy",
            s(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#),
        ),
        ("doc", s(r#"{ "b": 2, "a": 1 }"#)),
        ("user_data", s("#!/bin/sh\necho one\necho three\n")),
        ("root_block_device", list(vec![])),
    ]);
    let p = plan(vec![change(
        "aws_instance.web",
        Action::Update,
        Some(before),
        Some(after),
    )]);
    let opts = HumanOptions {
        color: false,
        schemas: Some(&schemas),
    };
    let want = format!(
        r#"
{HEADER}
  ~ update in-place

cairn will perform the following actions:

  # aws_instance.web will be updated in-place
  ~ resource "aws_instance" "web" {{
      ~ doc       = jsonencode( # whitespace changes
            {{
                a = 1
                b = 2
            }}
        )
        id        = "i-1"
      ~ policy    = jsonencode(
          ~ {{
              ~ Statement = [
                  ~ {{
                      ~ Action = "s3:GetObject" -> "s3:*"
                        # (1 unchanged attribute hidden)
                    }},
                ]
                # (1 unchanged attribute hidden)
            }}
        )
      ~ user_data = <<-EOT
            #!/bin/sh
            echo one
          - echo two
          + echo three
        EOT
        # (1 unchanged attribute hidden)

      - root_block_device {{
          - volume_size = 8 -> null
          - volume_type = "gp2" -> null
        }}
    }}

Plan: 0 to add, 1 to change, 0 to destroy.
"#
    );
    assert_eq!(human(&p, &opts), want);
}

#[test]
fn large_plans_render() {
    let changes = (0..5000)
        .map(|i| {
            change(
                &format!("aws_instance.web[{i}]"),
                Action::Create,
                None,
                Some(obj(&[("id", unknown()), ("ami", s("ami-1"))])),
            )
        })
        .collect();
    let out = render(&plan(changes));
    assert!(out.ends_with("Plan: 5000 to add, 0 to change, 0 to destroy.\n"));
    // Numeric keys sort numerically, as Terraform sorts them.
    let i9 = out.find("aws_instance.web[9] will").unwrap();
    let i10 = out.find("aws_instance.web[10] will").unwrap();
    assert!(i9 < i10);
}

#[test]
fn import_with_update_and_replace() {
    let mut upd = change(
        "aws_instance.a",
        Action::Update,
        Some(obj(&[("ami", s("ami-1")), ("id", s("i-1"))])),
        Some(obj(&[("ami", s("ami-2")), ("id", s("i-1"))])),
    );
    upd.importing = Some("i-1".into());
    let mut rep = change(
        "aws_instance.b",
        Action::Replace,
        Some(obj(&[("ami", s("ami-1")), ("id", s("i-2"))])),
        Some(obj(&[("ami", s("ami-2")), ("id", unknown())])),
    );
    rep.importing = Some("i-2".into());
    rep.replace_paths = vec![attr("ami")];
    let out = render(&plan(vec![upd, rep]));
    assert!(out.contains(
        "  # aws_instance.a will be updated in-place\n  # (imported from \"i-1\")\n  ~ resource \"aws_instance\" \"a\" {\n      ~ ami = \"ami-1\" -> \"ami-2\"\n        id  = \"i-1\"\n    }\n"
    ));
    assert!(out.contains(
        "  # aws_instance.b must be replaced\n  # (imported from \"i-2\")\n  # Warning: this will destroy the imported resource\n-/+ resource"
    ));
    assert!(out.ends_with("Plan: 2 to import, 1 to add, 1 to change, 1 to destroy.\n"));
}

#[test]
fn data_sources_use_data_schemas_first() {
    let read = |name: &str| {
        change(
            &format!("data.{name}.x"),
            Action::Read,
            None,
            Some(obj(&[
                ("id", unknown()),
                (
                    "root_block_device",
                    list(vec![obj(&[("volume_size", n(8))])]),
                ),
            ])),
        )
    };
    let p = plan(vec![read("aws_instance")]);
    // Only the bare type is known: the data source borrows it.
    let bare = |t: &str| (t == "aws_instance").then(instance_schema);
    let out = human(
        &p,
        &HumanOptions {
            color: false,
            schemas: Some(&bare),
        },
    );
    assert!(out.contains("      + root_block_device {\n          + volume_size = 8\n        }\n"));
    // A `data.` schema wins over the resource's.
    let both = |t: &str| match t {
        "data.aws_instance" => Some(Schema::new("")),
        "aws_instance" => Some(instance_schema()),
        _ => None,
    };
    let out = human(
        &p,
        &HumanOptions {
            color: false,
            schemas: Some(&both),
        },
    );
    assert!(out.contains("      + root_block_device = [\n"));
}

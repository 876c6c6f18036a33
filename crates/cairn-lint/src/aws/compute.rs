//! Compute rules (`AWS019`–`AWS024`): EBS volumes and EC2 instances.

use cairn_findings::Severity;
use cairn_value::Value;

use super::{blocks, bool_attr, path, str_attr, Ctx, Rule, Tri};
use crate::Instance;

pub(crate) const EBS_UNENCRYPTED: Rule = Rule {
    id: "AWS019",
    severity: Severity::Medium,
    title: "EBS volumes should be encrypted",
    fix: "Set encrypted = true (and kms_key_id to a customer managed key), or turn on EBS encryption by default for the account and region.",
};
pub(crate) const ROOT_UNENCRYPTED: Rule = Rule {
    id: "AWS020",
    severity: Severity::Medium,
    title: "EC2 instance root volumes should be encrypted",
    fix: "Add root_block_device { encrypted = true } to the instance.",
};
pub(crate) const EBS_BLOCK_UNENCRYPTED: Rule = Rule {
    id: "AWS021",
    severity: Severity::Medium,
    title: "EBS volumes attached at launch (ebs_block_device) should be encrypted",
    fix: "Set encrypted = true in every ebs_block_device block.",
};
pub(crate) const PUBLIC_IP: Rule = Rule {
    id: "AWS022",
    severity: Severity::Medium,
    title: "EC2 instances should not get a public IP address",
    fix: "Remove associate_public_ip_address (or set it to false) and reach the instance through a load balancer, a bastion or SSM Session Manager.",
};
pub(crate) const IMDSV1: Rule = Rule {
    id: "AWS023",
    severity: Severity::High,
    title: "EC2 instances must require IMDSv2 (session tokens) for the instance metadata service",
    fix: "Add metadata_options { http_tokens = \"required\" } to the instance.",
};
pub(crate) const MONITORING: Rule = Rule {
    id: "AWS024",
    severity: Severity::Low,
    title: "EC2 instances should have detailed monitoring",
    fix: "Set monitoring = true.",
};

pub(crate) const RULES: &[&Rule] = &[
    &EBS_UNENCRYPTED,
    &ROOT_UNENCRYPTED,
    &EBS_BLOCK_UNENCRYPTED,
    &PUBLIC_IP,
    &IMDSV1,
    &MONITORING,
];

pub(crate) fn check(ctx: &Ctx<'_>) {
    for &v in ctx.of_type("aws_ebs_volume") {
        volume(ctx, v);
    }
    for &i in ctx.of_type("aws_instance") {
        root_device(ctx, i);
        ebs_devices(ctx, i);
        public_ip(ctx, i);
        metadata(ctx, i);
        monitoring(ctx, i);
    }
}

/// Whether a volume is (said to be) unencrypted: `Some(true)` when
/// `encrypted = false`, `Some(false)` when it is absent, `None` when it is
/// encrypted or that cannot be told.
///
/// A volume made from a snapshot follows the snapshot's encryption, which
/// the configuration does not show: a known `snapshot_id` decides nothing.
/// An unknown one is usually just the provider's "computed" placeholder
/// for an argument not set, so an explicit `encrypted = false` still
/// counts; an absent `encrypted` next to it does not.
fn unencrypted(v: &Value) -> Option<bool> {
    let snapshot = match str_attr(v, "snapshot_id") {
        Tri::Known(s) => !s.trim().is_empty(),
        Tri::Unknown => return unencrypted_unless_absent(v),
        Tri::Absent => false,
    };
    if snapshot {
        return None;
    }
    match bool_attr(v, "encrypted") {
        Tri::Known(true) | Tri::Unknown => None,
        Tri::Known(false) => Some(true),
        Tri::Absent => Some(false),
    }
}

fn unencrypted_unless_absent(v: &Value) -> Option<bool> {
    (bool_attr(v, "encrypted") == Tri::Known(false)).then_some(true)
}

fn volume(ctx: &Ctx<'_>, v: &Instance) {
    match unencrypted(&v.values) {
        Some(true) => ctx.report(
            &EBS_UNENCRYPTED,
            v,
            ["encrypted"],
            "encrypted = false: the volume and its snapshots are stored unencrypted.",
        ),
        Some(false) => ctx.report(
            &EBS_UNENCRYPTED,
            v,
            Vec::<String>::new(),
            "encrypted is not set, so the volume is unencrypted unless EBS encryption by default is on for the account.",
        ),
        None => {}
    }
}

fn root_device(ctx: &Ctx<'_>, i: &Instance) {
    let Some(items) = blocks(&i.values, "root_block_device") else {
        return;
    };
    let Some((n, b)) = items.iter().enumerate().find(|(_, b)| !b.is_null()) else {
        ctx.report(
            &ROOT_UNENCRYPTED,
            i,
            Vec::<String>::new(),
            "The instance has no root_block_device with encrypted = true; its root volume is encrypted only if the AMI's snapshot is.",
        );
        return;
    };
    if b.is_unknown() {
        return;
    }
    let n = n.to_string();
    match bool_attr(b, "encrypted") {
        Tri::Known(false) => ctx.report(
            &ROOT_UNENCRYPTED,
            i,
            path(["root_block_device", &n, "encrypted"]),
            "root_block_device.encrypted = false: the root volume is stored unencrypted.",
        ),
        Tri::Absent => ctx.report(
            &ROOT_UNENCRYPTED,
            i,
            path(["root_block_device", &n]),
            "root_block_device does not set encrypted = true; the root volume is encrypted only if the AMI's snapshot is.",
        ),
        Tri::Known(true) | Tri::Unknown => {}
    }
}

fn ebs_devices(ctx: &Ctx<'_>, i: &Instance) {
    let Some(items) = blocks(&i.values, "ebs_block_device") else {
        return;
    };
    for (n, b) in items.iter().enumerate() {
        if b.is_null() || b.is_unknown() {
            continue;
        }
        let device = match str_attr(b, "device_name") {
            Tri::Known(d) => format!(" {d}"),
            _ => String::new(),
        };
        let n = n.to_string();
        match unencrypted(b) {
            Some(true) => ctx.report(
                &EBS_BLOCK_UNENCRYPTED,
                i,
                path(["ebs_block_device", &n, "encrypted"]),
                format!("ebs_block_device{device} has encrypted = false: the volume is stored unencrypted."),
            ),
            Some(false) => ctx.report(
                &EBS_BLOCK_UNENCRYPTED,
                i,
                path(["ebs_block_device", &n]),
                format!("ebs_block_device{device} does not set encrypted = true, so the volume is unencrypted unless EBS encryption by default is on."),
            ),
            None => {}
        }
    }
}

fn public_ip(ctx: &Ctx<'_>, i: &Instance) {
    if bool_attr(&i.values, "associate_public_ip_address") == Tri::Known(true) {
        ctx.report(
            &PUBLIC_IP,
            i,
            ["associate_public_ip_address"],
            "associate_public_ip_address = true makes the instance reachable from the internet wherever its security groups allow.",
        );
    }
}

fn metadata(ctx: &Ctx<'_>, i: &Instance) {
    let Some(items) = blocks(&i.values, "metadata_options") else {
        return;
    };
    let Some((n, m)) = items.iter().enumerate().find(|(_, b)| !b.is_null()) else {
        ctx.report(
            &IMDSV1,
            i,
            Vec::<String>::new(),
            "The instance has no metadata_options, so IMDSv1 (no session token) stays allowed unless the AMI requires IMDSv2.",
        );
        return;
    };
    if m.is_unknown() {
        return;
    }
    // No metadata service at all: nothing to steal credentials from. An
    // unknown endpoint is the provider's computed placeholder for the
    // default ("enabled") unless the configuration computes it, which
    // the tokens setting below still speaks to.
    if str_attr(m, "http_endpoint") == Tri::Known("disabled") {
        return;
    }
    let n = n.to_string();
    match str_attr(m, "http_tokens") {
        Tri::Known("required") | Tri::Unknown => {}
        Tri::Known(t) => ctx.report(
            &IMDSV1,
            i,
            path(["metadata_options", &n, "http_tokens"]),
            format!("metadata_options.http_tokens = {t:?} allows IMDSv1 requests without a session token."),
        ),
        Tri::Absent => ctx.report(
            &IMDSV1,
            i,
            path(["metadata_options", &n]),
            "metadata_options does not set http_tokens = \"required\", so IMDSv1 stays allowed unless the AMI requires IMDSv2.",
        ),
    }
}

fn monitoring(ctx: &Ctx<'_>, i: &Instance) {
    match bool_attr(&i.values, "monitoring") {
        Tri::Known(false) => ctx.report(
            &MONITORING,
            i,
            ["monitoring"],
            "monitoring = false: CloudWatch gets metrics only every 5 minutes.",
        ),
        Tri::Absent => ctx.report(
            &MONITORING,
            i,
            Vec::<String>::new(),
            "monitoring is not set (it defaults to false): CloudWatch gets metrics only every 5 minutes.",
        ),
        Tri::Known(true) | Tri::Unknown => {}
    }
}

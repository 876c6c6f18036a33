//! Rules for where data and events are kept (`AWS032`–`AWS037`):
//! CloudWatch log groups, SNS topics and DynamoDB tables.

use cairn_findings::Severity;

use super::policy::report_public;
use super::{blocks, bool_attr, int_attr, is_aws_managed_key, path, str_attr, Ctx, Rule, Tri};
use crate::Instance;

pub(crate) const LOG_RETENTION: Rule = Rule {
    id: "AWS032",
    severity: Severity::Low,
    title: "CloudWatch log groups should set a retention period",
    fix: "Set retention_in_days to what your retention policy requires (e.g. 365).",
};
pub(crate) const LOG_KMS: Rule = Rule {
    id: "AWS033",
    severity: Severity::Low,
    title: "CloudWatch log groups should be encrypted with a customer managed KMS key",
    fix: "Set kms_key_id to the ARN of a customer managed key whose policy lets CloudWatch Logs use it.",
};
pub(crate) const SNS_ENCRYPTION: Rule = Rule {
    id: "AWS034",
    severity: Severity::Medium,
    title: "SNS topics should be encrypted at rest",
    fix: "Set kms_master_key_id to a customer managed key (or \"alias/aws/sns\").",
};
pub(crate) const SNS_PUBLIC: Rule = Rule {
    id: "AWS035",
    severity: Severity::High,
    title: "SNS topic policies must not let anyone use the topic",
    fix: "Name the accounts or services that may publish or subscribe, or add a condition such as aws:SourceOwner, aws:SourceArn or aws:PrincipalOrgID.",
};
pub(crate) const DYNAMODB_PITR: Rule = Rule {
    id: "AWS036",
    severity: Severity::Medium,
    title: "DynamoDB tables should have point-in-time recovery",
    fix: "Add point_in_time_recovery { enabled = true }.",
};
pub(crate) const DYNAMODB_CMK: Rule = Rule {
    id: "AWS037",
    severity: Severity::Low,
    title: "DynamoDB tables should be encrypted with a customer managed KMS key",
    fix: "Add server_side_encryption { enabled = true, kms_key_arn = <customer managed key ARN> }.",
};

pub(crate) const RULES: &[&Rule] = &[
    &LOG_RETENTION,
    &LOG_KMS,
    &SNS_ENCRYPTION,
    &SNS_PUBLIC,
    &DYNAMODB_PITR,
    &DYNAMODB_CMK,
];

pub(crate) fn check(ctx: &Ctx<'_>) {
    for &g in ctx.of_type("aws_cloudwatch_log_group") {
        log_group(ctx, g);
    }
    for &t in ctx.of_type("aws_sns_topic") {
        match str_attr(&t.values, "kms_master_key_id") {
            Tri::Absent => ctx.report(
                &SNS_ENCRYPTION,
                t,
                Vec::<String>::new(),
                "kms_master_key_id is not set, so messages are stored without server-side encryption.",
            ),
            Tri::Known(k) if k.trim().is_empty() => ctx.report(
                &SNS_ENCRYPTION,
                t,
                ["kms_master_key_id"],
                "kms_master_key_id is empty, so messages are stored without server-side encryption.",
            ),
            _ => {}
        }
        report_public(ctx, &SNS_PUBLIC, t, "policy", "topic");
    }
    for &t in ctx.of_type("aws_dynamodb_table") {
        table_pitr(ctx, t);
        table_cmk(ctx, t);
    }
}

fn log_group(ctx: &Ctx<'_>, g: &Instance) {
    match int_attr(&g.values, "retention_in_days") {
        Tri::Known(0) => ctx.report(
            &LOG_RETENTION,
            g,
            ["retention_in_days"],
            "retention_in_days is 0 (the default when it is not set), so log events are kept forever, with no retention policy.",
        ),
        Tri::Absent => ctx.report(
            &LOG_RETENTION,
            g,
            Vec::<String>::new(),
            "retention_in_days is not set, so log events are kept forever, with no retention policy.",
        ),
        _ => {}
    }
    match str_attr(&g.values, "kms_key_id") {
        Tri::Absent => ctx.report(
            &LOG_KMS,
            g,
            Vec::<String>::new(),
            "kms_key_id is not set, so the log data is encrypted only with CloudWatch Logs' own key.",
        ),
        Tri::Known(k) if k.trim().is_empty() => ctx.report(
            &LOG_KMS,
            g,
            ["kms_key_id"],
            "kms_key_id is empty, so the log data is encrypted only with CloudWatch Logs' own key.",
        ),
        _ => {}
    }
}

/// The first (only) element of a single-item block, with its index;
/// `None` when the block is not known.
fn single_block<'v>(
    v: &'v cairn_value::Value,
    name: &str,
) -> Option<Option<(usize, &'v cairn_value::Value)>> {
    let items = blocks(v, name)?;
    match items.iter().enumerate().find(|(_, b)| !b.is_null()) {
        Some((_, b)) if b.is_unknown() => None,
        found => Some(found),
    }
}

fn table_pitr(ctx: &Ctx<'_>, t: &Instance) {
    let Some(block) = single_block(&t.values, "point_in_time_recovery") else {
        return;
    };
    let Some((i, b)) = block else {
        ctx.report(
            &DYNAMODB_PITR,
            t,
            Vec::<String>::new(),
            "The table has no point_in_time_recovery block, so it cannot be restored to an earlier time.",
        );
        return;
    };
    if bool_attr(b, "enabled") == Tri::Known(false) {
        ctx.report(
            &DYNAMODB_PITR,
            t,
            path(["point_in_time_recovery", &i.to_string(), "enabled"]),
            "point_in_time_recovery.enabled = false, so the table cannot be restored to an earlier time.",
        );
    }
}

fn table_cmk(ctx: &Ctx<'_>, t: &Instance) {
    let Some(block) = single_block(&t.values, "server_side_encryption") else {
        return;
    };
    let Some((i, b)) = block else {
        ctx.report(
            &DYNAMODB_CMK,
            t,
            Vec::<String>::new(),
            "The table has no server_side_encryption block, so it is encrypted with an AWS owned key you cannot control or audit.",
        );
        return;
    };
    let i = i.to_string();
    match bool_attr(b, "enabled") {
        Tri::Known(false) => {
            ctx.report(
                &DYNAMODB_CMK,
                t,
                path(["server_side_encryption", &i, "enabled"]),
                "server_side_encryption.enabled = false: the table is encrypted with an AWS owned key you cannot control or audit.",
            );
            return;
        }
        Tri::Known(true) => {}
        Tri::Absent | Tri::Unknown => return,
    }
    match str_attr(b, "kms_key_arn") {
        Tri::Absent => ctx.report(
            &DYNAMODB_CMK,
            t,
            path(["server_side_encryption", &i]),
            "server_side_encryption sets no kms_key_arn, so the table uses the AWS managed key aws/dynamodb.",
        ),
        Tri::Known(k) if k.trim().is_empty() || is_aws_managed_key(k) => ctx.report(
            &DYNAMODB_CMK,
            t,
            path(["server_side_encryption", &i, "kms_key_arn"]),
            format!("kms_key_arn = {k:?} is not a customer managed key."),
        ),
        _ => {}
    }
}

//! IAM rules (`AWS025`–`AWS031`): identity policies (managed, inline on a
//! role, `aws_iam_role_policy`), managed policy attachments and role
//! trust policies.
//!
//! Statements that deny, or that use `NotAction` (everything but some
//! actions: its reach depends on what is excluded), are not judged.

use cairn_findings::Severity;
use cairn_value::Value;

use super::policy::{action_matches, documents, is_all_actions, Statement};
use super::{blocks, known_strs, path, str_attr, Ctx, Rule, Tri};
use crate::Instance;

pub(crate) const ADMIN: Rule = Rule {
    id: "AWS025",
    severity: Severity::Critical,
    title: "IAM policies must not allow every action on every resource",
    fix: "Grant only the actions and resources the principal needs; keep full administrator access to a few break-glass roles.",
};
pub(crate) const PASS_ROLE: Rule = Rule {
    id: "AWS026",
    severity: Severity::High,
    title: "IAM policies must not allow iam:PassRole on every role",
    fix: "Limit iam:PassRole to the ARNs of the roles that must be passed, and add an iam:PassedToService condition.",
};
pub(crate) const ESCALATION: Rule = Rule {
    id: "AWS027",
    severity: Severity::High,
    title: "IAM policies must not allow changing IAM permissions or credentials on every resource",
    fix: "Remove the IAM write actions, or limit them to specific ARNs and use a permissions boundary.",
};
pub(crate) const SERVICE_WILDCARD: Rule = Rule {
    id: "AWS028",
    severity: Severity::Medium,
    title: "IAM policies should not allow every action of a service on every resource",
    fix: "List the actions needed (e.g. s3:GetObject) and the resources they apply to instead of service:* on \"*\".",
};
pub(crate) const ADMIN_ATTACHED: Rule = Rule {
    id: "AWS029",
    severity: Severity::High,
    title: "Roles should not have the AdministratorAccess managed policy",
    fix: "Attach a policy that grants only what the role needs; keep AdministratorAccess to break-glass roles.",
};
pub(crate) const TRUST_ANYONE: Rule = Rule {
    id: "AWS030",
    severity: Severity::Critical,
    title: "Role trust policies must not let any principal assume the role",
    fix: "Name the trusted accounts, roles or services in Principal, or add a condition such as aws:PrincipalOrgID or sts:ExternalId.",
};
pub(crate) const GITHUB_OIDC: Rule = Rule {
    id: "AWS031",
    severity: Severity::Critical,
    title: "Roles trusted by GitHub Actions OIDC must be limited to specific repositories",
    fix: "Add a condition on token.actions.githubusercontent.com:sub naming your repositories (e.g. StringLike \"repo:my-org/my-repo:*\").",
};

pub(crate) const RULES: &[&Rule] = &[
    &ADMIN,
    &PASS_ROLE,
    &ESCALATION,
    &SERVICE_WILDCARD,
    &ADMIN_ATTACHED,
    &TRUST_ANYONE,
    &GITHUB_OIDC,
];

/// IAM actions that let a principal give itself (or someone) more
/// permissions or credentials.
const ESCALATION_ACTIONS: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
];

const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

pub(crate) fn check(ctx: &Ctx<'_>) {
    for t in ["aws_iam_policy", "aws_iam_role_policy"] {
        for &inst in ctx.of_type(t) {
            identity_policy(ctx, inst, inst.attr("policy"), path(["policy"]));
        }
    }
    for &role in ctx.of_type("aws_iam_role") {
        if let Some(items) = blocks(&role.values, "inline_policy") {
            for (i, p) in items.iter().enumerate() {
                if p.is_null() || p.is_unknown() {
                    continue;
                }
                identity_policy(
                    ctx,
                    role,
                    p.get_attr("policy"),
                    path(["inline_policy", &i.to_string(), "policy"]),
                );
            }
        }
        for (i, arn) in known_strs(&role.values, "managed_policy_arns") {
            if is_administrator_access(arn) {
                ctx.report(
                    &ADMIN_ATTACHED,
                    role,
                    path(["managed_policy_arns", &i.to_string()]),
                    format!("The role has the AWS managed policy {arn}, which allows every action on every resource."),
                );
            }
        }
        trust_policy(ctx, role);
    }
    for &a in ctx.of_type("aws_iam_role_policy_attachment") {
        if let Tri::Known(arn) = str_attr(&a.values, "policy_arn") {
            if is_administrator_access(arn) {
                let role = match str_attr(&a.values, "role") {
                    Tri::Known(r) => format!("role {r:?}"),
                    _ => "the role".to_string(),
                };
                ctx.report(
                    &ADMIN_ATTACHED,
                    a,
                    ["policy_arn"],
                    format!(
                        "This attaches {arn} to {role}, allowing every action on every resource."
                    ),
                );
            }
        }
    }
}

/// `arn:<partition>:iam::aws:policy/AdministratorAccess`.
fn is_administrator_access(arn: &str) -> bool {
    let a = arn.trim();
    a.starts_with("arn:") && a.ends_with(":iam::aws:policy/AdministratorAccess")
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn identity_policy(ctx: &Ctx<'_>, inst: &Instance, value: Option<&Value>, at: Vec<String>) {
    for doc in documents(ctx, inst, value) {
        for (i, st) in doc.statements.iter().enumerate() {
            identity_statement(ctx, inst, &at, st, i);
        }
    }
}

fn identity_statement(ctx: &Ctx<'_>, inst: &Instance, at: &[String], st: &Statement, i: usize) {
    if !st.allows() || st.not_actions || st.all_resources() != Some(true) {
        return;
    }
    let Some(actions) = st.actions.as_deref() else {
        return;
    };
    let label = st.label(i);
    if let Some(a) = actions.iter().find(|a| is_all_actions(a)) {
        ctx.report(
            &ADMIN,
            inst,
            at.to_vec(),
            format!("{label} allows {a:?} (every action) on Resource \"*\"."),
        );
        // The other rules are parts of this one.
        return;
    }
    let pass = st.actions_matching("iam:PassRole");
    if !pass.is_empty() {
        ctx.report(
            &PASS_ROLE,
            inst,
            at.to_vec(),
            format!(
                "{label} allows {} on Resource \"*\", so the principal can pass any role (and its permissions) to a service.",
                quoted(&pass)
            ),
        );
    }
    let granted: Vec<&str> = ESCALATION_ACTIONS
        .iter()
        .copied()
        .filter(|e| actions.iter().any(|a| action_matches(a, e)))
        .collect();
    if !granted.is_empty() {
        let shown = if granted.len() > 4 {
            format!("{} and {} more", quoted(&granted[..4]), granted.len() - 4)
        } else {
            quoted(&granted)
        };
        ctx.report(
            &ESCALATION,
            inst,
            at.to_vec(),
            format!("{label} allows {shown} on Resource \"*\", which lets the principal raise its own permissions."),
        );
    }
    let wild: Vec<&str> = actions
        .iter()
        .map(|a| a.trim())
        .filter(|a| {
            a.strip_suffix(":*").is_some_and(|svc| {
                !svc.is_empty() && svc != "*" && !svc.eq_ignore_ascii_case("iam")
            })
        })
        .collect();
    if !wild.is_empty() {
        ctx.report(
            &SERVICE_WILDCARD,
            inst,
            at.to_vec(),
            format!("{label} allows {} on Resource \"*\".", quoted(&wild)),
        );
    }
}

fn trust_policy(ctx: &Ctx<'_>, role: &Instance) {
    let docs = documents(ctx, role, role.attr("assume_role_policy"));
    for doc in docs {
        for (i, st) in doc.statements.iter().enumerate() {
            if !st.allows() {
                continue;
            }
            let label = st.label(i);
            if st.public_principal() == Some(true) && st.narrowing_condition() == Some(false) {
                ctx.report(
                    &TRUST_ANYONE,
                    role,
                    ["assume_role_policy"],
                    format!("{label} lets any principal (Principal \"*\") assume the role, with no condition."),
                );
                continue;
            }
            github_trust(ctx, role, st, &label);
        }
    }
}

/// `AWS031`: a web-identity trust of GitHub's OIDC issuer must pin the
/// token's subject (the repository) to something narrower than "any".
fn github_trust(ctx: &Ctx<'_>, role: &Instance, st: &Statement, label: &str) {
    let Some(ps) = &st.principals else {
        return;
    };
    let github = ps
        .iter()
        .any(|(t, id)| t.eq_ignore_ascii_case("Federated") && id.contains(GITHUB_ISSUER));
    if !github
        || st
            .actions_matching("sts:AssumeRoleWithWebIdentity")
            .is_empty()
    {
        return;
    }
    let Some(conds) = &st.conditions else {
        return;
    };
    let sub_key = format!("{GITHUB_ISSUER}:sub");
    let subs: Vec<&str> = conds
        .iter()
        .filter(|c| c.key.eq_ignore_ascii_case(&sub_key))
        .flat_map(|c| c.values.iter().map(String::as_str))
        .collect();
    let too_broad = |v: &str| {
        let v = v.trim();
        v == "*" || v.starts_with("repo:*")
    };
    let problem = if subs.is_empty() {
        format!("{label} trusts GitHub Actions OIDC without a condition on {sub_key}, so a workflow in any GitHub repository can assume the role.")
    } else if subs.iter().all(|v| too_broad(v)) {
        format!(
            "{label} trusts GitHub Actions OIDC with {sub_key} matching {}, which any GitHub repository satisfies.",
            quoted(&subs)
        )
    } else {
        return;
    };
    ctx.report(&GITHUB_OIDC, role, ["assume_role_policy"], problem);
}

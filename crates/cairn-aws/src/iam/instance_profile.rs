//! `aws_iam_instance_profile`: the container EC2 instances assume a role
//! through. It holds at most one role.

use std::time::Duration;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::role::retry_propagation;
use super::{iam_tags, tag_map};
use crate::config::AwsClients;
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    entries, id_of, map_of, name_or_prefix, nonempty_str, opt_sv, prefix_from_name, read_new,
    rfc3339, str_of, sv,
};

pub(crate) struct InstanceProfile;

const TYPE: &str = "aws_iam_instance_profile";

async fn add_role(aws: &AwsClients, profile: &str, role: &str) -> Result<(), ProviderError> {
    // A role (or profile) created a moment ago may not be visible yet.
    retry_propagation(|| async {
        aws.iam()
            .add_role_to_instance_profile()
            .instance_profile_name(profile)
            .role_name(role)
            .send()
            .await
            .api()
            .map(|_| ())
    })
    .await
    .ctx(format!(
        "adding IAM Role {role} to IAM Instance Profile {profile}"
    ))
}

async fn remove_role(aws: &AwsClients, profile: &str, role: &str) -> Result<(), ProviderError> {
    match aws
        .iam()
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(e.into_error(format!(
            "removing IAM Role {role} from IAM Instance Profile {profile}"
        ))),
    }
}

/// The roles the profile holds now, or `None` when it does not exist.
async fn current_roles(aws: &AwsClients, name: &str) -> Result<Option<Vec<String>>, ProviderError> {
    match aws
        .iam()
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .instance_profile
            .map(|p| p.roles.into_iter().map(|r| r.role_name).collect())),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading IAM Instance Profile {name}"))),
    }
}

#[async_trait]
impl Resource for InstanceProfile {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An IAM instance profile: passes a role to EC2 instances.")
            .attr("id", A::computed(Type::String, "Name of the instance profile."))
            .attr("arn", A::computed(Type::String, "ARN of the instance profile."))
            .attr(
                "unique_id",
                A::computed(Type::String, "Stable unique ID of the instance profile."),
            )
            .attr(
                "create_date",
                A::computed(Type::String, "Creation date (RFC 3339)."),
            )
            .attr(
                "name",
                A::optional_computed(
                    Type::String,
                    "Name of the instance profile; generated from name_prefix (or terraform-) when unset.",
                )
                .force_new(),
            )
            .attr(
                "name_prefix",
                A::optional_computed(Type::String, "Prefix of a generated name.").force_new(),
            )
            .attr(
                "path",
                A::optional(Type::String, "Path of the instance profile; defaults to /.")
                    .force_new(),
            )
            .attr(
                "role",
                A::optional(Type::String, "Name of the role to add to the profile."),
            )
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("path", sv("/"))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let mut out = Vec::new();
        if set("name") && set("name_prefix") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        if let Some(n) = str_of(config, "name") {
            if n.is_empty() || n.len() > 128 {
                out.push(Diagnostic::error(
                    "Invalid instance profile name",
                    "An instance profile name must be 1 to 128 characters.",
                ));
            }
        }
        if let Some(p) = str_of(config, "path") {
            if !p.starts_with('/') || !p.ends_with('/') {
                out.push(Diagnostic::error(
                    "Invalid path",
                    format!("path must begin and end with /, not {p:?}."),
                ));
            }
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "name", "name_prefix");
        let tags = tags::to_apply(aws, planned);
        aws.iam()
            .create_instance_profile()
            .instance_profile_name(&name)
            .path(str_of(planned, "path").unwrap_or_else(|| "/".into()))
            .set_tags((!tags.is_empty()).then(|| iam_tags(&tags)))
            .send()
            .await
            .ctx(format!("creating IAM Instance Profile ({name})"))?;
        // IAM is eventually consistent: wait until the profile is visible
        // before adding the role to it.
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("IAM Instance Profile", &name, || self.read(aws, &seed)).await?;
        if let Some(role) = nonempty_str(planned, "role") {
            add_role(aws, &name, &role).await?;
        }
        read_new("IAM Instance Profile", &name, || async {
            // Until the role shows, report not-yet-visible.
            Ok(self
                .read(aws, &seed)
                .await?
                .filter(|v| str_of(v, "role") == nonempty_str(planned, "role")))
        })
        .await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let p = match aws
            .iam()
            .get_instance_profile()
            .instance_profile_name(&name)
            .send()
            .await
            .api()
        {
            Ok(o) => match o.instance_profile {
                Some(p) => p,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading IAM Instance Profile {name}"))),
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&p.instance_profile_name));
        m.insert("name".into(), sv(&p.instance_profile_name));
        m.insert(
            "name_prefix".into(),
            opt_sv(prefix_from_name(&p.instance_profile_name)),
        );
        m.insert("arn".into(), sv(&p.arn));
        m.insert("unique_id".into(), sv(&p.instance_profile_id));
        m.insert("create_date".into(), sv(rfc3339(&p.create_date)));
        m.insert("path".into(), sv(&p.path));
        m.insert(
            "role".into(),
            opt_sv(p.roles.first().map(|r| r.role_name.as_str())),
        );
        let (t, all) = tags::from_remote(aws, state, tag_map(p.tags.as_deref()));
        m.insert("tags".into(), t);
        m.insert("tags_all".into(), all);
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = id_of(prior, TYPE)?;
        let iam = aws.iam();
        let want = nonempty_str(planned, "role");
        // Compare with the roles the profile holds now, not the prior
        // state: a role may have been added or removed outside cairn.
        let have = current_roles(aws, &name).await?.unwrap_or_default();
        if have.iter().map(String::as_str).ne(want.as_deref()) {
            for r in have.iter().filter(|r| Some(*r) != want.as_ref()) {
                remove_role(aws, &name, r).await?;
            }
            if let Some(r) = &want {
                if !have.contains(r) {
                    add_role(aws, &name, r).await?;
                }
            }
        }
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        tags::sync(
            &old_tags,
            &new_tags,
            |keys| async {
                iam.untag_instance_profile()
                    .instance_profile_name(&name)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of IAM Instance Profile {name}"))
            },
            |set| {
                let tags = iam_tags(&set);
                async {
                    iam.tag_instance_profile()
                        .instance_profile_name(&name)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging IAM Instance Profile {name}"))
                }
            },
        )
        .await?;
        read_new("IAM Instance Profile", &name, || async {
            Ok(self
                .read(aws, planned)
                .await?
                .filter(|v| str_of(v, "role") == want))
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        // A profile holding a role cannot be deleted; remove whatever role
        // it holds now.
        let Some(roles) = current_roles(aws, &name).await? else {
            return Ok(());
        };
        for r in &roles {
            remove_role(aws, &name, r).await?;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            match aws
                .iam()
                .delete_instance_profile()
                .instance_profile_name(&name)
                .send()
                .await
                .api()
            {
                Ok(_) => return Ok(()),
                Err(e) if e.not_found() => return Ok(()),
                // The role removal propagates with a delay.
                Err(e) if e.is("DeleteConflict") && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(e.into_error(format!("deleting IAM Instance Profile {name}"))),
            }
        }
    }

    fn import_hint(&self) -> String {
        "aws_iam_instance_profile is imported by instance profile name.".into()
    }
}

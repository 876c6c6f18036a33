//! `aws_instance`.
//!
//! Like the Terraform provider: `user_data` is kept in state as the SHA-1
//! of its content; `root_block_device`, `ebs_block_device` and
//! `metadata_options` are optional and computed (left out, they read back
//! what AWS chose); instance type and user data changes stop and start the
//! instance; the AMI, subnet, key pair and other launch-time settings
//! replace it.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{
    AttributeValue, BlockDeviceMapping, EbsBlockDevice, EbsInstanceBlockDeviceSpecification,
    HibernationOptionsRequest, HttpTokensState, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification, Instance as Ec2Instance, InstanceAttributeName,
    InstanceBlockDeviceMappingSpecification, InstanceIpv6Address, InstanceMetadataEndpointState,
    InstanceMetadataOptionsRequest, InstanceMetadataProtocolState, InstanceMetadataTagsState,
    InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType, Placement,
    ResourceType, RunInstancesMonitoringEnabled, SecureBlobAttributeValue, ShutdownBehavior,
    Tenancy, Volume, VolumeType,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, PlanResponse, ProviderError, Schema};
use cairn_value::{PathStep, Type, Value};

use super::codec::{user_data_hash, user_data_to_send, EMPTY_SHA1};
use super::ebs_volume::{check_volume_type, modify_volume, volume_change};
use super::{fill_from_prior, object, opt_int, unknown_nulls};
use crate::config::AwsClients;
use crate::ec2::{flag, sync_tags, tag_map, tag_spec, with_tags};
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, bool_of, entries, i64_of, id_of, map_of, nonempty_str, opt_sv, read_new, str_map,
    str_of, str_set, strings_of, sv, wait_for,
};

pub(crate) struct Instance;

const TYPE: &str = "aws_instance";
const WAIT: Duration = Duration::from_secs(600);

// ---- schema --------------------------------------------------------------------

fn root_block_schema() -> Schema {
    Schema::new("The root volume of the instance.")
        .attr(
            "delete_on_termination",
            A::optional(
                Type::Bool,
                "Delete the volume when the instance terminates; defaults to true.",
            ),
        )
        .attr(
            "device_name",
            A::computed(
                Type::String,
                "Device name of the root volume, e.g. /dev/xvda.",
            ),
        )
        .attr(
            "encrypted",
            A::optional_computed(
                Type::Bool,
                "Encrypt the volume (changing it replaces the instance).",
            ),
        )
        .attr(
            "iops",
            A::optional_computed(Type::Number, "Provisioned IOPS (io1, io2 and gp3)."),
        )
        .attr(
            "kms_key_id",
            A::optional_computed(
                Type::String,
                "KMS key to encrypt the volume with (changing it replaces the instance).",
            ),
        )
        .attr(
            "tags",
            A::optional(Type::map(Type::String), "Tags of the volume."),
        )
        .attr(
            "tags_all",
            A::computed(Type::map(Type::String), "All tags of the volume."),
        )
        .attr(
            "throughput",
            A::optional_computed(Type::Number, "Throughput in MiB/s (gp3)."),
        )
        .attr("volume_id", A::computed(Type::String, "ID of the volume."))
        .attr(
            "volume_size",
            A::optional_computed(Type::Number, "Size of the volume in GiB."),
        )
        .attr(
            "volume_type",
            A::optional_computed(
                Type::String,
                "Type of the volume: standard, gp2, gp3, io1, io2, sc1 or st1.",
            ),
        )
}

fn ebs_block_schema() -> Schema {
    Schema::new("An EBS volume attached at launch.")
        .attr(
            "delete_on_termination",
            A::optional(
                Type::Bool,
                "Delete the volume when the instance terminates; defaults to true.",
            ),
        )
        .attr(
            "device_name",
            A::required(
                Type::String,
                "Device name to attach the volume at, e.g. /dev/sdh.",
            ),
        )
        .attr(
            "encrypted",
            A::optional_computed(Type::Bool, "Encrypt the volume."),
        )
        .attr(
            "iops",
            A::optional_computed(Type::Number, "Provisioned IOPS (io1, io2 and gp3)."),
        )
        .attr(
            "kms_key_id",
            A::optional_computed(Type::String, "KMS key to encrypt the volume with."),
        )
        .attr(
            "snapshot_id",
            A::optional_computed(Type::String, "Snapshot to create the volume from."),
        )
        .attr(
            "tags",
            A::optional(Type::map(Type::String), "Tags of the volume."),
        )
        .attr(
            "tags_all",
            A::computed(Type::map(Type::String), "All tags of the volume."),
        )
        .attr(
            "throughput",
            A::optional_computed(Type::Number, "Throughput in MiB/s (gp3)."),
        )
        .attr("volume_id", A::computed(Type::String, "ID of the volume."))
        .attr(
            "volume_size",
            A::optional_computed(Type::Number, "Size of the volume in GiB."),
        )
        .attr(
            "volume_type",
            A::optional_computed(Type::String, "Type of the volume."),
        )
}

fn metadata_schema() -> Schema {
    Schema::new("Instance metadata service options.")
        .attr(
            "http_endpoint",
            A::optional_computed(Type::String, "enabled or disabled; defaults to enabled."),
        )
        .attr(
            "http_protocol_ipv6",
            A::optional_computed(
                Type::String,
                "Whether the IPv6 endpoint is enabled: enabled or disabled.",
            ),
        )
        .attr(
            "http_put_response_hop_limit",
            A::optional_computed(Type::Number, "Hop limit of PUT responses, 1 to 64."),
        )
        .attr(
            "http_tokens",
            A::optional_computed(Type::String, "optional or required (IMDSv2 only)."),
        )
        .attr(
            "instance_metadata_tags",
            A::optional_computed(
                Type::String,
                "Whether tags are in the metadata: enabled or disabled.",
            ),
        )
}

fn list_block(block: Schema, max: Option<u64>) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        min_items: 0,
        max_items: max,
        force_new: false,
    }
}

/// Attributes of an `ebs_block_device` that replace the instance when
/// they change (all but its tags).
const EBS_REPLACING: &[&str] = &[
    "delete_on_termination",
    "device_name",
    "encrypted",
    "iops",
    "kms_key_id",
    "snapshot_id",
    "throughput",
    "volume_size",
    "volume_type",
];

fn ebs_key(v: &Value) -> Vec<String> {
    EBS_REPLACING
        .iter()
        .map(|k| match v.get_attr(k) {
            Some(x) if x.is_unknown() => "?".to_string(),
            Some(x) if !x.is_null() => format!("{x:?}"),
            _ => String::new(),
        })
        .collect()
}

// ---- reading -------------------------------------------------------------------

/// The instance `id`; `None` when it does not exist or is terminated.
async fn describe(aws: &AwsClients, id: &str) -> Result<Option<Ec2Instance>, ProviderError> {
    match aws
        .ec2()
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .reservations
            .unwrap_or_default()
            .into_iter()
            .flat_map(|r| r.instances.unwrap_or_default())
            .find(|i| i.instance_id.as_deref() == Some(id))
            .filter(|i| state_of(i) != Some(InstanceStateName::Terminated))),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EC2 Instance ({id})"))),
    }
}

fn state_of(i: &Ec2Instance) -> Option<InstanceStateName> {
    i.state.as_ref().and_then(|s| s.name.clone())
}

/// Waits until the instance is in `want`; fails if it ends up terminated
/// (or gone) on the way.
async fn wait_state(
    aws: &AwsClients,
    id: &str,
    want: InstanceStateName,
) -> Result<Ec2Instance, ProviderError> {
    let got = wait_for(WAIT, || async {
        match aws.ec2().describe_instances().instance_ids(id).send().await.api() {
            Ok(o) => {
                let inst = o
                    .reservations
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|r| r.instances.unwrap_or_default())
                    .find(|i| i.instance_id.as_deref() == Some(id));
                match inst {
                    Some(i) if state_of(&i) == Some(want.clone()) => Ok(Some(i)),
                    Some(i)
                        if want != InstanceStateName::Terminated
                            && matches!(
                                state_of(&i),
                                Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
                            ) =>
                    {
                        let reason = i
                            .state_reason
                            .as_ref()
                            .and_then(|r| r.message.clone())
                            .unwrap_or_default();
                        Err(ProviderError::new(
                            format!("EC2 Instance ({id}) terminated"),
                            format!(
                                "The instance was terminated while cairn waited for it to be {}. {reason}",
                                want.as_str()
                            ),
                        ))
                    }
                    _ => Ok(None),
                }
            }
            // Just launched instances may not be visible yet.
            Err(e) if e.not_found() => Ok(None),
            Err(e) => Err(e.into_error(format!("waiting for EC2 Instance ({id})"))),
        }
    })
    .await?;
    got.ok_or_else(|| {
        ProviderError::new(
            format!("EC2 Instance ({id}) did not become {}", want.as_str()),
            format!(
                "The instance was not {} after {} minutes.",
                want.as_str(),
                WAIT.as_secs() / 60
            ),
        )
    })
}

async fn attribute(
    aws: &AwsClients,
    id: &str,
    name: InstanceAttributeName,
) -> Result<
    Option<aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput>,
    ProviderError,
> {
    match aws
        .ec2()
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(name.clone())
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!(
            "reading attribute {} of EC2 Instance ({id})",
            name.as_str()
        ))),
    }
}

fn volume_tags_map(v: &Volume) -> BTreeMap<String, String> {
    tag_map(v.tags.as_deref())
        .into_iter()
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect()
}

/// A block device object (root or EBS) from the instance's mapping and
/// the volume behind it; `tags` follows the prior element's (null stays
/// null when the volume has none), and is not read at all when the
/// instance's `volume_tags` manage volume tags.
fn block_device(
    device: &str,
    delete_on_termination: Option<bool>,
    vol: Option<&Volume>,
    prior: Option<&Value>,
    read_tags: bool,
    root: bool,
) -> Value {
    let all = vol.map(volume_tags_map).unwrap_or_default();
    let prior_tags = prior
        .and_then(|p| p.get_attr("tags"))
        .filter(|t| !t.is_null());
    let tags = if !read_tags {
        prior_tags
            .cloned()
            .unwrap_or_else(|| Value::null(Type::map(Type::String)))
    } else if all.is_empty() && prior_tags.is_none() {
        Value::null(Type::map(Type::String))
    } else {
        str_map(&all)
    };
    let mut pairs = vec![
        (
            "delete_on_termination",
            Value::bool(delete_on_termination.unwrap_or(false)),
        ),
        ("device_name", sv(device)),
        (
            "encrypted",
            Value::bool(vol.and_then(|v| v.encrypted).unwrap_or(false)),
        ),
        ("iops", opt_int(vol.and_then(|v| v.iops))),
        (
            "kms_key_id",
            sv(vol
                .and_then(|v| v.kms_key_id.as_deref())
                .unwrap_or_default()),
        ),
        ("tags", tags),
        ("tags_all", str_map(&all)),
        ("throughput", opt_int(vol.and_then(|v| v.throughput))),
        (
            "volume_id",
            sv(vol.and_then(|v| v.volume_id.as_deref()).unwrap_or_default()),
        ),
        ("volume_size", opt_int(vol.and_then(|v| v.size))),
        (
            "volume_type",
            sv(vol
                .and_then(|v| v.volume_type.as_ref())
                .map(|t| t.as_str())
                .unwrap_or_default()),
        ),
    ];
    if !root {
        pairs.push((
            "snapshot_id",
            sv(vol
                .and_then(|v| v.snapshot_id.as_deref())
                .unwrap_or_default()),
        ));
    }
    object(pairs)
}

/// The name of an instance profile from its ARN
/// (`arn:aws:iam::123456789012:instance-profile/path/name`).
fn profile_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

// ---- writing -------------------------------------------------------------------

fn to_i32(n: Option<i64>) -> Option<i32> {
    n.and_then(|n| i32::try_from(n).ok())
}

/// The user data to send: from `user_data` (its content, from the
/// configuration being applied, since plan and state hold only its hash)
/// or `user_data_base64`.
fn user_data_of(planned: &Value) -> Result<Option<String>, ProviderError> {
    if let Some(b64) = nonempty_str(planned, "user_data_base64") {
        return Ok(Some(b64));
    }
    let Some(hash) = nonempty_str(planned, "user_data") else {
        return Ok(None);
    };
    let content = crate::util::APPLY_CONFIG
        .try_with(|c| str_of(c, "user_data"))
        .ok()
        .flatten()
        .filter(|c| user_data_hash(c) == hash);
    match content {
        Some(content) => Ok(Some(user_data_to_send(&content))),
        None => Err(ProviderError::new(
            "aws_instance: user_data content is not available",
            "The plan holds only the SHA-1 of user_data (as state does), and the configuration given to this apply has no user_data with that hash.",
        )
        .with_hint("Plan and apply again, so the configuration's user_data is applied.")),
    }
}

fn ebs_device(b: &Value, root: bool) -> EbsBlockDevice {
    let mut e = EbsBlockDevice::builder()
        .delete_on_termination(bool_of(b, "delete_on_termination").unwrap_or(true))
        .set_volume_size(to_i32(i64_of(b, "volume_size")).filter(|n| *n > 0))
        .set_volume_type(nonempty_str(b, "volume_type").map(|t| VolumeType::from(t.as_str())))
        .set_iops(to_i32(i64_of(b, "iops")).filter(|n| *n > 0))
        .set_throughput(to_i32(i64_of(b, "throughput")).filter(|n| *n > 0))
        .set_kms_key_id(nonempty_str(b, "kms_key_id"));
    if let Some(enc) = bool_of(b, "encrypted") {
        // AWS rejects encrypted=false with a snapshot; leave it out then.
        if enc || root || nonempty_str(b, "snapshot_id").is_none() {
            e = e.encrypted(enc);
        }
    }
    if !root {
        e = e.set_snapshot_id(nonempty_str(b, "snapshot_id"));
    }
    e.build()
}

fn metadata_request(m: &Value) -> InstanceMetadataOptionsRequest {
    InstanceMetadataOptionsRequest::builder()
        .set_http_endpoint(
            nonempty_str(m, "http_endpoint")
                .map(|s| InstanceMetadataEndpointState::from(s.as_str())),
        )
        .set_http_tokens(nonempty_str(m, "http_tokens").map(|s| HttpTokensState::from(s.as_str())))
        .set_http_put_response_hop_limit(to_i32(i64_of(m, "http_put_response_hop_limit")))
        .set_instance_metadata_tags(
            nonempty_str(m, "instance_metadata_tags")
                .map(|s| InstanceMetadataTagsState::from(s.as_str())),
        )
        .set_http_protocol_ipv6(
            nonempty_str(m, "http_protocol_ipv6")
                .map(|s| InstanceMetadataProtocolState::from(s.as_str())),
        )
        .build()
}

/// The root device name of an AMI (where `root_block_device` applies).
async fn ami_root_device(aws: &AwsClients, ami: &str) -> Result<String, ProviderError> {
    let out = aws
        .ec2()
        .describe_images()
        .image_ids(ami)
        .send()
        .await
        .ctx(format!("reading AMI ({ami})"))?;
    out.images
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.root_device_name)
        .ok_or_else(|| {
            ProviderError::new(
                format!("AMI ({ami}) has no root device"),
                "root_block_device needs the AMI's root device name, and the AMI was not found or has none.",
            )
            .with_hint("Check ami, or leave root_block_device out.")
        })
}

async fn modify_attr(
    aws: &AwsClients,
    id: &str,
    what: &str,
    f: impl FnOnce(
        aws_sdk_ec2::operation::modify_instance_attribute::builders::ModifyInstanceAttributeFluentBuilder,
    ) -> aws_sdk_ec2::operation::modify_instance_attribute::builders::ModifyInstanceAttributeFluentBuilder,
) -> Result<(), ProviderError> {
    f(aws.ec2().modify_instance_attribute().instance_id(id))
        .send()
        .await
        .ctx(format!("setting {what} of EC2 Instance ({id})"))?;
    Ok(())
}

async fn sync_volume_tags(
    aws: &AwsClients,
    volume: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let what = format!("EBS Volume ({volume})");
    crate::ec2::sync_tag_maps(aws, volume, &what, old, new).await
}

/// Whether an error is IAM's eventual consistency: a just-created
/// instance profile not yet usable by EC2.
fn profile_not_ready(e: &ApiError) -> bool {
    e.is("InvalidParameterValue")
        && (e.message.contains("Invalid IAM Instance Profile")
            || e.message.contains("has no associated IAM Roles"))
}

async fn set_instance_profile(
    aws: &AwsClients,
    id: &str,
    name: Option<&str>,
) -> Result<(), ProviderError> {
    let ec2 = aws.ec2();
    let current = ec2
        .describe_iam_instance_profile_associations()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .ctx(format!(
            "reading the instance profile of EC2 Instance ({id})"
        ))?
        .iam_instance_profile_associations
        .unwrap_or_default()
        .into_iter()
        .find(|a| {
            matches!(
                a.state,
                Some(
                    IamInstanceProfileAssociationState::Associated
                        | IamInstanceProfileAssociationState::Associating
                )
            )
        })
        .and_then(|a| a.association_id);
    let spec = |n: &str| IamInstanceProfileSpecification::builder().name(n).build();
    let deadline = std::time::Instant::now() + crate::util::PROPAGATION_TIMEOUT;
    loop {
        let res = match (&current, name) {
            (Some(assoc), Some(n)) => ec2
                .replace_iam_instance_profile_association()
                .association_id(assoc)
                .iam_instance_profile(spec(n))
                .send()
                .await
                .api()
                .map(|_| ()),
            (None, Some(n)) => ec2
                .associate_iam_instance_profile()
                .instance_id(id)
                .iam_instance_profile(spec(n))
                .send()
                .await
                .api()
                .map(|_| ()),
            (Some(assoc), None) => ec2
                .disassociate_iam_instance_profile()
                .association_id(assoc)
                .send()
                .await
                .api()
                .map(|_| ()),
            (None, None) => Ok(()),
        };
        match res {
            Ok(()) => return Ok(()),
            Err(e) if profile_not_ready(&e) && std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            Err(e) => {
                return Err(e.into_error(format!(
                    "setting the instance profile of EC2 Instance ({id})"
                )))
            }
        }
    }
}

// ---- the resource --------------------------------------------------------------

impl Instance {
    /// Nested computed values the plan cannot know for a new instance.
    fn unknown_blocks(&self, planned: &Value) -> Value {
        let mut m = entries(planned);
        for (k, schema) in [
            ("root_block_device", root_block_schema()),
            ("metadata_options", metadata_schema()),
        ] {
            let items = blocks_of(planned, k);
            let t = Type::list(schema.implied_type());
            let v = if items.is_empty() {
                if planned.get_attr(k).is_some_and(Value::is_unknown) {
                    continue;
                }
                Value::unknown(t)
            } else {
                Value::list(
                    schema.implied_type(),
                    items.iter().map(|i| unknown_nulls(&schema, i)).collect(),
                )
            };
            m.insert(k.into(), v);
        }
        let ebs = ebs_block_schema();
        let items = blocks_of(planned, "ebs_block_device");
        if !items.is_empty() {
            m.insert(
                "ebs_block_device".into(),
                Value::set(
                    ebs.implied_type(),
                    items.iter().map(|i| unknown_nulls(&ebs, i)).collect(),
                ),
            );
        } else if planned
            .get_attr("ebs_block_device")
            .is_some_and(|v| v.is_wholly_known())
        {
            // The AMI may bring EBS volumes of its own.
            m.insert(
                "ebs_block_device".into(),
                Value::unknown(Type::set(ebs.implied_type())),
            );
        }
        Value::object(m)
    }
}

fn with_default_delete(schema: &Schema, b: &Value) -> Value {
    let mut m = entries(b);
    if m.get("delete_on_termination").is_none_or(Value::is_null) {
        m.insert("delete_on_termination".into(), Value::bool(true));
    }
    crate::util::conform(schema, &Value::object(m))
}

#[async_trait]
impl Resource for Instance {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        1
    }

    fn schema(&self) -> Schema {
        let s = |d: &str| A::computed(Type::String, d);
        with_tags(Schema::new("An EC2 instance."))
            .attr("id", s("ID of the instance."))
            .attr("arn", s("ARN of the instance."))
            .attr("ami", A::optional_computed(Type::String, "AMI to launch the instance from.").force_new())
            .attr("instance_type", A::optional_computed(Type::String, "Instance type, e.g. t3.micro (changing it stops and starts the instance)."))
            .attr("availability_zone", A::optional_computed(Type::String, "Availability zone to launch in.").force_new())
            .attr("subnet_id", A::optional_computed(Type::String, "VPC subnet to launch in.").force_new())
            .attr("vpc_security_group_ids", A::optional_computed(Type::set(Type::String), "IDs of the security groups (VPC)."))
            .attr("security_groups", A::optional_computed(Type::set(Type::String), "Names of the security groups (default VPC only).").force_new())
            .attr("key_name", A::optional_computed(Type::String, "Name of the key pair to launch with.").force_new())
            .attr("iam_instance_profile", A::optional_computed(Type::String, "Name of the IAM instance profile."))
            .attr("associate_public_ip_address", A::optional_computed(Type::Bool, "Give the instance a public IPv4 address (VPC).").force_new())
            .attr("private_ip", A::optional_computed(Type::String, "Primary private IPv4 address.").force_new())
            .attr("ipv6_address_count", A::optional_computed(Type::Number, "Number of IPv6 addresses for the primary network interface.").force_new())
            .attr("ipv6_addresses", A::optional_computed(Type::list(Type::String), "IPv6 addresses for the primary network interface.").force_new())
            .attr("source_dest_check", A::optional(Type::Bool, "Check that traffic is addressed to the instance; defaults to true."))
            .attr("user_data", A::optional_computed(Type::String, "User data; kept in state as its SHA-1. Changing it stops and starts the instance (or replaces it, see user_data_replace_on_change)."))
            .attr("user_data_base64", A::optional_computed(Type::String, "User data as Base64 (for binary content such as gzip)."))
            .attr("user_data_replace_on_change", A::optional(Type::Bool, "Replace the instance when user data changes, instead of stopping and starting it; defaults to false."))
            .attr("monitoring", A::optional_computed(Type::Bool, "Detailed (1-minute) CloudWatch monitoring."))
            .attr("disable_api_termination", A::optional_computed(Type::Bool, "Termination protection."))
            .attr("instance_initiated_shutdown_behavior", A::optional_computed(Type::String, "What shutting down from inside the instance does: stop or terminate."))
            .attr("ebs_optimized", A::optional_computed(Type::Bool, "Launch as EBS-optimized.").force_new())
            .attr("tenancy", A::optional_computed(Type::String, "Tenancy: default, dedicated or host.").force_new())
            .attr("placement_group", A::optional_computed(Type::String, "Placement group to launch in.").force_new())
            .attr("hibernation", A::optional(Type::Bool, "Launch with hibernation support.").force_new())
            .attr("volume_tags", A::optional(Type::map(Type::String), "Tags for the root and EBS volumes, set at launch."))
            .attr("instance_state", s("State of the instance: pending, running, stopping, stopped, ..."))
            .attr("public_ip", s("Public IPv4 address, if any."))
            .attr("public_dns", s("Public DNS name, if any."))
            .attr("private_dns", s("Private DNS name."))
            .attr("primary_network_interface_id", s("ID of the primary network interface."))
            .attr("outpost_arn", s("ARN of the Outpost the instance runs on."))
            .attr("instance_lifecycle", s("spot or scheduled for such instances; empty otherwise."))
            .attr("spot_instance_request_id", s("ID of the Spot request, for Spot Instances."))
            .block("root_block_device", list_block(root_block_schema(), Some(1)))
            .block("ebs_block_device", NestedBlock {
                nesting: Nesting::Set,
                block: ebs_block_schema(),
                min_items: 0,
                max_items: None,
                force_new: false,
            })
            .block("metadata_options", list_block(metadata_schema(), Some(1)))
            .block("timeouts", crate::util::timeouts_block(&["create", "read", "update", "delete"]))
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("source_dest_check", Value::bool(true)),
            ("user_data_replace_on_change", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        if !set("ami") {
            out.push(
                Diagnostic::error(
                    "Missing required argument",
                    "aws_instance needs ami (launch templates are not supported yet).",
                )
                .with_hint("Set ami, e.g. ami = data.aws_ami.ubuntu.id."),
            );
        }
        if !set("instance_type") {
            out.push(
                Diagnostic::error(
                    "Missing required argument",
                    "aws_instance needs instance_type.",
                )
                .with_hint("Set instance_type = \"t3.micro\" or similar."),
            );
        }
        for (a, b) in [
            ("user_data", "user_data_base64"),
            ("ipv6_address_count", "ipv6_addresses"),
        ] {
            if set(a) && set(b) {
                out.push(Diagnostic::error(
                    "Conflicting arguments",
                    format!("{a} and {b} cannot both be set."),
                ));
            }
        }
        if let Some(u) = str_of(config, "user_data") {
            if u.len() > 16384 {
                out.push(Diagnostic::error(
                    "Invalid user_data",
                    format!(
                        "user_data is {} bytes long; at most 16384 are allowed.",
                        u.len()
                    ),
                ));
            }
        }
        if let Some(u) = str_of(config, "user_data_base64") {
            if super::codec::b64_decode(&u).is_none() {
                out.push(Diagnostic::error(
                    "Invalid user_data_base64",
                    "user_data_base64: must be base64-encoded",
                ));
            }
        }
        let one_of = |k: &str, v: Option<String>, allowed: &[&str], out: &mut Vec<Diagnostic>| {
            if let Some(v) = v {
                if !allowed.contains(&v.as_str()) {
                    out.push(Diagnostic::error(
                        format!("Invalid {k}"),
                        format!("{k} must be one of {}, not {v:?}.", allowed.join(", ")),
                    ));
                }
            }
        };
        one_of(
            "instance_initiated_shutdown_behavior",
            str_of(config, "instance_initiated_shutdown_behavior"),
            &["stop", "terminate"],
            &mut out,
        );
        one_of(
            "tenancy",
            str_of(config, "tenancy"),
            &["default", "dedicated", "host"],
            &mut out,
        );
        for m in blocks_of(config, "metadata_options") {
            one_of(
                "metadata_options.http_endpoint",
                str_of(m, "http_endpoint"),
                &["enabled", "disabled"],
                &mut out,
            );
            one_of(
                "metadata_options.http_tokens",
                str_of(m, "http_tokens"),
                &["optional", "required"],
                &mut out,
            );
            one_of(
                "metadata_options.http_protocol_ipv6",
                str_of(m, "http_protocol_ipv6"),
                &["enabled", "disabled"],
                &mut out,
            );
            one_of(
                "metadata_options.instance_metadata_tags",
                str_of(m, "instance_metadata_tags"),
                &["enabled", "disabled"],
                &mut out,
            );
            if let Some(n) = i64_of(m, "http_put_response_hop_limit") {
                if !(1..=64).contains(&n) {
                    out.push(Diagnostic::error(
                        "Invalid metadata_options.http_put_response_hop_limit",
                        format!("http_put_response_hop_limit must be between 1 and 64, not {n}."),
                    ));
                }
            }
        }
        for b in blocks_of(config, "root_block_device") {
            check_volume_type("root_block_device.volume_type", b, "volume_type", &mut out);
        }
        for b in blocks_of(config, "ebs_block_device") {
            check_volume_type("ebs_block_device.volume_type", b, "volume_type", &mut out);
        }
        if set("volume_tags")
            && blocks_of(config, "root_block_device")
                .iter()
                .chain(blocks_of(config, "ebs_block_device").iter())
                .any(|b| b.get_attr("tags").is_some_and(|t| !t.is_null()))
        {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "volume_tags cannot be used together with tags in root_block_device or ebs_block_device.",
            ));
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        let mut m = entries(&config);
        // user_data plans and stores as its hash (apply reads the content
        // from the configuration); empty is the same as unset.
        if let Some(u) = str_of(&config, "user_data") {
            let v = if u.is_empty() {
                Value::null(Type::String)
            } else {
                sv(user_data_hash(&u))
            };
            m.insert("user_data".into(), v);
        }
        // Blocks left out keep what was read (optional and computed).
        for k in ["root_block_device", "metadata_options", "ebs_block_device"] {
            let cv = config.get_attr(k);
            let empty = cv.is_some_and(|v| {
                v.is_wholly_known() && v.as_seq().is_some_and(<[Value]>::is_empty)
            });
            if empty {
                if let Some(p) = prior.and_then(|p| p.get_attr(k)) {
                    m.insert(k.into(), p.clone());
                }
            }
        }
        let root = root_block_schema();
        let roots = blocks_of(&config, "root_block_device");
        if !roots.is_empty() {
            m.insert(
                "root_block_device".into(),
                Value::list(
                    root.implied_type(),
                    roots
                        .iter()
                        .map(|b| with_default_delete(&root, b))
                        .collect(),
                ),
            );
        }
        // Set elements pair with the prior ones of the same device.
        let ebs = ebs_block_schema();
        let devices = blocks_of(&config, "ebs_block_device");
        if !devices.is_empty() {
            let prior_devices: Vec<Value> = prior
                .map(|p| {
                    blocks_of(p, "ebs_block_device")
                        .into_iter()
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let items = devices
                .iter()
                .map(|b| {
                    let b = with_default_delete(&ebs, b);
                    match prior_devices
                        .iter()
                        .find(|p| str_of(p, "device_name") == str_of(&b, "device_name"))
                    {
                        Some(p) => fill_from_prior(&ebs, &b, p),
                        None => b,
                    }
                })
                .collect();
            m.insert(
                "ebs_block_device".into(),
                Value::set(ebs.implied_type(), items),
            );
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        let Some(prior) = prior else {
            resp.planned = self.unknown_blocks(&resp.planned);
            return Ok(());
        };
        let planned = resp.planned.clone();
        let mut replace: Vec<Vec<PathStep>> = Vec::new();
        // Nested arguments that replace the instance.
        let old_root = blocks_of(prior, "root_block_device")
            .first()
            .map(|v| (*v).clone());
        let new_root = blocks_of(&planned, "root_block_device")
            .first()
            .map(|v| (*v).clone());
        if let (Some(o), Some(n)) = (&old_root, &new_root) {
            for k in ["encrypted", "kms_key_id"] {
                let (a, b) = (o.get_attr(k), n.get_attr(k));
                if let (Some(a), Some(b)) = (a, b) {
                    if b.is_wholly_known() && !b.is_null() && !a.raw_equal(b) {
                        replace.push(vec![
                            PathStep::Attr("root_block_device".into()),
                            PathStep::Index(0),
                            PathStep::Attr(k.into()),
                        ]);
                    }
                }
            }
        }
        let mut old_ebs: Vec<Vec<String>> = blocks_of(prior, "ebs_block_device")
            .into_iter()
            .map(ebs_key)
            .collect();
        let mut new_ebs: Vec<Vec<String>> = blocks_of(&planned, "ebs_block_device")
            .into_iter()
            .map(ebs_key)
            .collect();
        old_ebs.sort();
        new_ebs.sort();
        if old_ebs != new_ebs {
            replace.push(vec![PathStep::Attr("ebs_block_device".into())]);
        }
        let changed = |k: &str| {
            let (a, b) = (prior.get_attr(k), planned.get_attr(k));
            match (a, b) {
                (Some(a), Some(b)) => !(a.raw_equal(b) || (a.is_null() && b.is_null())),
                _ => false,
            }
        };
        if bool_of(&planned, "user_data_replace_on_change") == Some(true) {
            for k in ["user_data", "user_data_base64"] {
                if changed(k) {
                    replace.push(vec![PathStep::Attr(k.into())]);
                }
            }
        }
        if !replace.is_empty() {
            let was_replacing = !resp.requires_replace.is_empty();
            resp.requires_replace.extend(replace);
            if !was_replacing {
                // A new instance: nothing computed carries over.
                let schema = self.schema();
                let mut fresh = entries(&cairn_provider::unknown_computed(&schema, config));
                if let Some(t) = planned.get_attr("tags_all") {
                    fresh.insert("tags_all".into(), t.clone());
                }
                resp.planned = self.unknown_blocks(&Value::object(fresh));
            } else {
                resp.planned = self.unknown_blocks(&resp.planned);
            }
            return Ok(());
        }
        if !resp.requires_replace.is_empty() {
            resp.planned = self.unknown_blocks(&resp.planned);
            return Ok(());
        }
        // In place: what the changes make unknown.
        let mut m = entries(&planned);
        if changed("instance_type") || changed("user_data") || changed("user_data_base64") {
            // A stop and start can move the instance to new public addresses.
            for k in ["public_ip", "public_dns"] {
                m.insert(k.into(), Value::unknown(Type::String));
            }
        }
        if let (Some(o), Some(n)) = (&old_root, &new_root) {
            let mut root = entries(n);
            let tags_changed = !o
                .get_attr("tags")
                .zip(n.get_attr("tags"))
                .is_some_and(|(a, b)| a.raw_equal(b) || (a.is_null() && b.is_null()));
            if tags_changed || changed("volume_tags") {
                root.insert("tags_all".into(), Value::unknown(Type::map(Type::String)));
            }
            let cfg_root = blocks_of(config, "root_block_device")
                .first()
                .map(|v| (*v).clone());
            let new_type = cfg_root.as_ref().and_then(|c| str_of(c, "volume_type"));
            if new_type.is_some() && new_type != str_of(o, "volume_type") {
                for k in ["iops", "throughput"] {
                    if cfg_root
                        .as_ref()
                        .and_then(|c| c.get_attr(k))
                        .is_none_or(Value::is_null)
                    {
                        root.insert(k.into(), Value::unknown(Type::Number));
                    }
                }
            }
            m.insert(
                "root_block_device".into(),
                Value::list(
                    root_block_schema().implied_type(),
                    vec![Value::object(root)],
                ),
            );
        }
        if changed("volume_tags") {
            let ebs = ebs_block_schema();
            let items: Vec<Value> = blocks_of(&planned, "ebs_block_device")
                .into_iter()
                .map(|b| {
                    cairn_provider::with_attrs(
                        b,
                        [("tags_all", Value::unknown(Type::map(Type::String)))],
                    )
                })
                .collect();
            if !items.is_empty() {
                m.insert(
                    "ebs_block_device".into(),
                    Value::set(ebs.implied_type(), items),
                );
            }
        }
        resp.planned = Value::object(m);
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let ami = nonempty_str(planned, "ami").ok_or_else(|| crate::util::missing(TYPE, "ami"))?;
        let user_data = user_data_of(planned)?;
        let tags = tags::to_apply(aws, planned);
        let volume_tags = map_of(planned, "volume_tags").unwrap_or_default();
        let mut specs: Vec<_> = tag_spec(ResourceType::Instance, &tags)
            .into_iter()
            .collect();
        specs.extend(tag_spec(ResourceType::Volume, &volume_tags));

        let mut mappings = Vec::new();
        if let Some(root) = blocks_of(planned, "root_block_device").first() {
            let device = ami_root_device(aws, &ami).await?;
            mappings.push(
                BlockDeviceMapping::builder()
                    .device_name(device)
                    .ebs(ebs_device(root, true))
                    .build(),
            );
        }
        for b in blocks_of(planned, "ebs_block_device") {
            mappings.push(
                BlockDeviceMapping::builder()
                    .set_device_name(nonempty_str(b, "device_name"))
                    .ebs(ebs_device(b, false))
                    .build(),
            );
        }

        let subnet = nonempty_str(planned, "subnet_id");
        let sg_ids = strings_of(planned, "vpc_security_group_ids");
        let private_ip = nonempty_str(planned, "private_ip");
        let ipv6_count = to_i32(i64_of(planned, "ipv6_address_count"));
        let ipv6: Vec<InstanceIpv6Address> = strings_of(planned, "ipv6_addresses")
            .into_iter()
            .map(|a| InstanceIpv6Address::builder().ipv6_address(a).build())
            .collect();
        let mut req = aws
            .ec2()
            .run_instances()
            .image_id(&ami)
            .min_count(1)
            .max_count(1)
            .client_token(crate::util::client_token())
            .set_instance_type(
                nonempty_str(planned, "instance_type").map(|t| InstanceType::from(t.as_str())),
            )
            .set_key_name(nonempty_str(planned, "key_name"))
            .set_user_data(user_data)
            .set_block_device_mappings((!mappings.is_empty()).then_some(mappings))
            .set_tag_specifications((!specs.is_empty()).then_some(specs));
        let public_ip = planned
            .get_attr("associate_public_ip_address")
            .and_then(Value::as_bool);
        if let (Some(assoc), Some(subnet)) = (public_ip, &subnet) {
            // Only a network interface specification can say whether to
            // give a public address; it then carries the other settings.
            req = req.network_interfaces(
                InstanceNetworkInterfaceSpecification::builder()
                    .device_index(0)
                    .subnet_id(subnet)
                    .associate_public_ip_address(assoc)
                    .delete_on_termination(true)
                    .set_groups((!sg_ids.is_empty()).then_some(sg_ids.clone()))
                    .set_private_ip_address(private_ip.clone())
                    .set_ipv6_address_count(ipv6_count)
                    .set_ipv6_addresses((!ipv6.is_empty()).then_some(ipv6.clone()))
                    .build(),
            );
        } else {
            req = req
                .set_subnet_id(subnet.clone())
                .set_security_group_ids((!sg_ids.is_empty()).then_some(sg_ids.clone()))
                .set_private_ip_address(private_ip.clone())
                .set_ipv6_address_count(ipv6_count)
                .set_ipv6_addresses((!ipv6.is_empty()).then_some(ipv6.clone()));
        }
        let names = strings_of(planned, "security_groups");
        if !names.is_empty() {
            req = req.set_security_groups(Some(names));
        }
        if let Some(p) = nonempty_str(planned, "iam_instance_profile") {
            req = req
                .iam_instance_profile(IamInstanceProfileSpecification::builder().name(p).build());
        }
        if let Some(b) = bool_of(planned, "monitoring") {
            req = req.monitoring(RunInstancesMonitoringEnabled::builder().enabled(b).build());
        }
        if let Some(b) = bool_of(planned, "disable_api_termination") {
            req = req.disable_api_termination(b);
        }
        if let Some(b) = nonempty_str(planned, "instance_initiated_shutdown_behavior") {
            req = req.instance_initiated_shutdown_behavior(ShutdownBehavior::from(b.as_str()));
        }
        if let Some(b) = bool_of(planned, "ebs_optimized") {
            req = req.ebs_optimized(b);
        }
        if let Some(b) = bool_of(planned, "hibernation") {
            req =
                req.hibernation_options(HibernationOptionsRequest::builder().configured(b).build());
        }
        let az = nonempty_str(planned, "availability_zone");
        let tenancy = nonempty_str(planned, "tenancy");
        let group = nonempty_str(planned, "placement_group");
        if az.is_some() || tenancy.is_some() || group.is_some() {
            req = req.placement(
                Placement::builder()
                    .set_availability_zone(az)
                    .set_tenancy(tenancy.map(|t| Tenancy::from(t.as_str())))
                    .set_group_name(group)
                    .build(),
            );
        }
        if let Some(mo) = blocks_of(planned, "metadata_options").first() {
            req = req.metadata_options(metadata_request(mo));
        }

        // A just-created instance profile takes a few seconds to be usable.
        let deadline = std::time::Instant::now() + crate::util::PROPAGATION_TIMEOUT;
        let out = loop {
            match req.clone().send().await.api() {
                Ok(o) => break o,
                Err(e) if profile_not_ready(&e) && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
                Err(e) => return Err(e.into_error("creating EC2 Instance")),
            }
        };
        let id = out
            .instances
            .unwrap_or_default()
            .into_iter()
            .find_map(|i| i.instance_id)
            .ok_or_else(|| {
                ProviderError::new(
                    "creating EC2 Instance failed",
                    "The API returned no instance ID.",
                )
            })?;
        let inst = wait_state(aws, &id, InstanceStateName::Running).await?;

        // Block device tags are set after launch, as the Terraform
        // provider does (they are per volume, not per launch).
        let mut device_tags: Vec<(String, BTreeMap<String, String>)> = Vec::new();
        let volume_of = |device: &str| {
            inst.block_device_mappings()
                .iter()
                .find(|b| b.device_name.as_deref() == Some(device))
                .and_then(|b| b.ebs.as_ref())
                .and_then(|e| e.volume_id.clone())
        };
        if let Some(root) = blocks_of(planned, "root_block_device").first() {
            if let (Some(t), Some(dev)) = (map_of(root, "tags"), inst.root_device_name.as_deref()) {
                if let Some(v) = volume_of(dev) {
                    device_tags.push((v, t));
                }
            }
        }
        for b in blocks_of(planned, "ebs_block_device") {
            if let (Some(t), Some(dev)) = (map_of(b, "tags"), str_of(b, "device_name")) {
                if let Some(v) = volume_of(&dev) {
                    device_tags.push((v, t));
                }
            }
        }
        for (vol, t) in device_tags.iter().filter(|(_, t)| !t.is_empty()) {
            sync_volume_tags(aws, vol, &BTreeMap::new(), t).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Instance", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(inst) = describe(aws, &id).await? else {
            return Ok(None);
        };
        let (Some(ud), Some(dat), Some(sdb)) = (
            attribute(aws, &id, InstanceAttributeName::UserData).await?,
            attribute(aws, &id, InstanceAttributeName::DisableApiTermination).await?,
            attribute(
                aws,
                &id,
                InstanceAttributeName::InstanceInitiatedShutdownBehavior,
            )
            .await?,
        ) else {
            return Ok(None);
        };
        let owner = match inst_owner(&inst) {
            Some(o) => o,
            None => aws.caller_identity().await?.account_id.clone(),
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(aws.arn("ec2", &aws.region, &owner, &format!("instance/{id}"))),
        );
        m.insert("ami".into(), opt_sv(inst.image_id.as_deref()));
        m.insert(
            "instance_type".into(),
            opt_sv(inst.instance_type.as_ref().map(|t| t.as_str())),
        );
        let placement = inst.placement.as_ref();
        m.insert(
            "availability_zone".into(),
            opt_sv(placement.and_then(|p| p.availability_zone.as_deref())),
        );
        m.insert(
            "tenancy".into(),
            opt_sv(
                placement
                    .and_then(|p| p.tenancy.as_ref())
                    .map(|t| t.as_str()),
            ),
        );
        m.insert(
            "placement_group".into(),
            sv(placement
                .and_then(|p| p.group_name.as_deref())
                .unwrap_or_default()),
        );
        m.insert(
            "subnet_id".into(),
            sv(inst.subnet_id.as_deref().unwrap_or_default()),
        );
        m.insert(
            "key_name".into(),
            sv(inst.key_name.as_deref().unwrap_or_default()),
        );
        m.insert(
            "iam_instance_profile".into(),
            sv(inst
                .iam_instance_profile
                .as_ref()
                .and_then(|p| p.arn.as_deref())
                .map(profile_name)
                .unwrap_or_default()),
        );
        m.insert(
            "private_ip".into(),
            opt_sv(inst.private_ip_address.as_deref()),
        );
        m.insert(
            "private_dns".into(),
            sv(inst.private_dns_name.as_deref().unwrap_or_default()),
        );
        m.insert(
            "public_ip".into(),
            sv(inst.public_ip_address.as_deref().unwrap_or_default()),
        );
        m.insert(
            "public_dns".into(),
            sv(inst.public_dns_name.as_deref().unwrap_or_default()),
        );
        m.insert(
            "outpost_arn".into(),
            sv(inst.outpost_arn.as_deref().unwrap_or_default()),
        );
        m.insert(
            "instance_lifecycle".into(),
            sv(inst
                .instance_lifecycle
                .as_ref()
                .map(|l| l.as_str())
                .unwrap_or_default()),
        );
        m.insert(
            "spot_instance_request_id".into(),
            sv(inst.spot_instance_request_id.as_deref().unwrap_or_default()),
        );
        m.insert(
            "instance_state".into(),
            opt_sv(state_of(&inst).as_ref().map(|s| s.as_str())),
        );
        m.insert(
            "ebs_optimized".into(),
            Value::bool(inst.ebs_optimized.unwrap_or(false)),
        );
        m.insert(
            "source_dest_check".into(),
            Value::bool(inst.source_dest_check.unwrap_or(true)),
        );
        if let Some(h) = inst.hibernation_options.as_ref().and_then(|h| h.configured) {
            m.insert("hibernation".into(), Value::bool(h));
        }
        m.insert(
            "monitoring".into(),
            Value::bool(matches!(
                inst.monitoring
                    .as_ref()
                    .and_then(|x| x.state.as_ref())
                    .map(|s| s.as_str()),
                Some("enabled" | "pending")
            )),
        );
        m.insert(
            "disable_api_termination".into(),
            Value::bool(
                dat.disable_api_termination
                    .and_then(|b| b.value)
                    .unwrap_or(false),
            ),
        );
        m.insert(
            "instance_initiated_shutdown_behavior".into(),
            opt_sv(
                sdb.instance_initiated_shutdown_behavior
                    .and_then(|v| v.value),
            ),
        );

        // Network: the primary interface.
        let primary = inst
            .network_interfaces()
            .iter()
            .find(|n| n.attachment.as_ref().and_then(|a| a.device_index) == Some(0));
        m.insert(
            "primary_network_interface_id".into(),
            sv(primary
                .and_then(|n| n.network_interface_id.as_deref())
                .unwrap_or_default()),
        );
        m.insert(
            "associate_public_ip_address".into(),
            Value::bool(
                primary
                    .and_then(|n| n.association.as_ref())
                    .and_then(|a| a.public_ip.as_deref())
                    .is_some_and(|ip| !ip.is_empty()),
            ),
        );
        let v6: Vec<String> = primary
            .map(|n| {
                n.ipv6_addresses()
                    .iter()
                    .filter_map(|a| a.ipv6_address.clone())
                    .collect()
            })
            .unwrap_or_default();
        m.insert("ipv6_address_count".into(), Value::int(v6.len() as i64));
        m.insert("ipv6_addresses".into(), crate::util::str_list(v6));

        // Security groups: IDs in a VPC, names otherwise, as Terraform
        // decides (a configured name list keeps names).
        let groups = inst.security_groups();
        let ids: Vec<String> = groups.iter().filter_map(|g| g.group_id.clone()).collect();
        let names: Vec<String> = groups.iter().filter_map(|g| g.group_name.clone()).collect();
        let prior_names = strings_of(state, "security_groups");
        let in_vpc = inst.subnet_id.as_deref().is_some_and(|s| !s.is_empty());
        let use_ids = if prior_names.is_empty() {
            in_vpc
        } else {
            prior_names.iter().any(|n| ids.contains(n))
        };
        if use_ids {
            m.insert("vpc_security_group_ids".into(), str_set(&ids));
            if state
                .get_attr("security_groups")
                .is_none_or(|v| !v.is_wholly_known() || v.is_null())
            {
                m.insert("security_groups".into(), str_set(Vec::<String>::new()));
            }
        } else {
            m.insert("security_groups".into(), str_set(&names));
            let keep = state
                .get_attr("vpc_security_group_ids")
                .is_some_and(|v| v.is_wholly_known() && !v.is_null());
            if !keep {
                m.insert("vpc_security_group_ids".into(), str_set(&ids));
            }
        }

        // User data: the hash, or the Base64 when that is what was given.
        let remote_ud = ud.user_data.and_then(|v| v.value).filter(|v| !v.is_empty());
        // Known and set: an unknown (a plan's computed value) is not.
        let b64_in_state = state
            .get_attr("user_data_base64")
            .is_some_and(|v| v.as_str().is_some());
        match remote_ud {
            Some(b64) if b64_in_state => {
                m.insert("user_data_base64".into(), sv(b64));
                m.insert("user_data".into(), Value::null(Type::String));
            }
            Some(b64) => {
                let hash = user_data_hash(&b64);
                m.insert(
                    "user_data".into(),
                    if hash == EMPTY_SHA1 {
                        Value::null(Type::String)
                    } else {
                        sv(hash)
                    },
                );
                m.insert("user_data_base64".into(), Value::null(Type::String));
            }
            None => {
                m.insert("user_data".into(), Value::null(Type::String));
                m.insert("user_data_base64".into(), Value::null(Type::String));
            }
        }
        if m.get("user_data_replace_on_change")
            .is_none_or(Value::is_null)
        {
            m.insert("user_data_replace_on_change".into(), Value::bool(false));
        }

        // Metadata options.
        let mo = inst.metadata_options.as_ref();
        let md = match mo {
            Some(o) => vec![object(vec![
                (
                    "http_endpoint",
                    opt_sv(o.http_endpoint.as_ref().map(|x| x.as_str())),
                ),
                (
                    "http_protocol_ipv6",
                    opt_sv(o.http_protocol_ipv6.as_ref().map(|x| x.as_str())),
                ),
                (
                    "http_put_response_hop_limit",
                    opt_int(o.http_put_response_hop_limit),
                ),
                (
                    "http_tokens",
                    opt_sv(o.http_tokens.as_ref().map(|x| x.as_str())),
                ),
                (
                    "instance_metadata_tags",
                    opt_sv(o.instance_metadata_tags.as_ref().map(|x| x.as_str())),
                ),
            ])],
            None => Vec::new(),
        };
        m.insert(
            "metadata_options".into(),
            Value::list(metadata_schema().implied_type(), md),
        );

        // Block devices and their volumes.
        let mapped: Vec<(String, Option<bool>, String)> = inst
            .block_device_mappings()
            .iter()
            .filter_map(|b| {
                let e = b.ebs.as_ref()?;
                Some((
                    b.device_name.clone()?,
                    e.delete_on_termination,
                    e.volume_id.clone()?,
                ))
            })
            .collect();
        let volumes: Vec<Volume> = if mapped.is_empty() {
            Vec::new()
        } else {
            aws.ec2()
                .describe_volumes()
                .set_volume_ids(Some(mapped.iter().map(|(_, _, v)| v.clone()).collect()))
                .send()
                .await
                .ctx(format!("reading the volumes of EC2 Instance ({id})"))?
                .volumes
                .unwrap_or_default()
        };
        let vol = |vid: &str| volumes.iter().find(|v| v.volume_id.as_deref() == Some(vid));
        let volume_tags_managed = state.get_attr("volume_tags").is_some_and(|v| !v.is_null());
        let root_dev = inst.root_device_name.clone().unwrap_or_default();
        let prior_root = blocks_of(state, "root_block_device")
            .first()
            .map(|v| (*v).clone());
        let root: Vec<Value> = mapped
            .iter()
            .filter(|(d, _, _)| *d == root_dev)
            .map(|(d, del, v)| {
                block_device(
                    d,
                    *del,
                    vol(v),
                    prior_root.as_ref(),
                    !volume_tags_managed,
                    true,
                )
            })
            .collect();
        let prior_ebs: Vec<Value> = blocks_of(state, "ebs_block_device")
            .into_iter()
            .cloned()
            .collect();
        let ebs: Vec<Value> = mapped
            .iter()
            .filter(|(d, _, _)| *d != root_dev)
            .map(|(d, del, v)| {
                let p = prior_ebs
                    .iter()
                    .find(|p| str_of(p, "device_name").as_deref() == Some(d));
                block_device(d, *del, vol(v), p, !volume_tags_managed, false)
            })
            .collect();
        if volume_tags_managed {
            // As the Terraform provider reads them: the tags of the first
            // attached volume (volume_tags tags them all alike).
            let t = mapped
                .first()
                .and_then(|(_, _, v)| vol(v))
                .map(volume_tags_map)
                .unwrap_or_default();
            m.insert("volume_tags".into(), str_map(&t));
        }
        m.insert(
            "root_block_device".into(),
            Value::list(root_block_schema().implied_type(), root),
        );
        m.insert(
            "ebs_block_device".into(),
            Value::set(ebs_block_schema().implied_type(), ebs),
        );

        let (t, all) = tags::from_remote(aws, state, tag_map(Some(inst.tags())));
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
        let id = id_of(prior, TYPE)?;
        let changed = |k: &str| {
            let (a, b) = (prior.get_attr(k), planned.get_attr(k));
            match (a, b) {
                (Some(a), Some(b)) => {
                    b.is_wholly_known() && !(a.raw_equal(b) || (a.is_null() && b.is_null()))
                }
                _ => false,
            }
        };
        sync_tags(aws, &id, prior, planned).await?;

        if changed("iam_instance_profile") {
            set_instance_profile(
                aws,
                &id,
                nonempty_str(planned, "iam_instance_profile").as_deref(),
            )
            .await?;
        }
        if changed("source_dest_check") {
            let b = bool_of(planned, "source_dest_check").unwrap_or(true);
            modify_attr(aws, &id, "source_dest_check", |r| {
                r.source_dest_check(flag(b))
            })
            .await?;
        }
        if changed("vpc_security_group_ids") {
            let ids = strings_of(planned, "vpc_security_group_ids");
            if !ids.is_empty() {
                modify_attr(aws, &id, "vpc_security_group_ids", |r| {
                    r.set_groups(Some(ids))
                })
                .await?;
            }
        }

        // Instance type and user data need the instance stopped.
        let new_type = changed("instance_type")
            .then(|| nonempty_str(planned, "instance_type"))
            .flatten();
        let ud_changed = changed("user_data") || changed("user_data_base64");
        if new_type.is_some() || ud_changed {
            let was_running = describe(aws, &id)
                .await?
                .is_some_and(|i| state_of(&i) == Some(InstanceStateName::Running));
            aws.ec2()
                .stop_instances()
                .instance_ids(&id)
                .send()
                .await
                .ctx(format!("stopping EC2 Instance ({id})"))?;
            wait_state(aws, &id, InstanceStateName::Stopped).await?;
            if let Some(t) = new_type {
                modify_attr(aws, &id, "instance_type", |r| {
                    r.instance_type(AttributeValue::builder().value(t).build())
                })
                .await?;
            }
            if ud_changed {
                let data = user_data_of(planned)?.unwrap_or_default();
                let bytes = super::codec::b64_decode(&data).unwrap_or_default();
                modify_attr(aws, &id, "user_data", |r| {
                    r.user_data(
                        SecureBlobAttributeValue::builder()
                            .value(Blob::new(bytes))
                            .build(),
                    )
                })
                .await?;
            }
            if was_running {
                aws.ec2()
                    .start_instances()
                    .instance_ids(&id)
                    .send()
                    .await
                    .ctx(format!("starting EC2 Instance ({id})"))?;
                wait_state(aws, &id, InstanceStateName::Running).await?;
            }
        }

        if changed("disable_api_termination") {
            let b = bool_of(planned, "disable_api_termination").unwrap_or(false);
            modify_attr(aws, &id, "disable_api_termination", |r| {
                r.disable_api_termination(flag(b))
            })
            .await?;
        }
        if changed("instance_initiated_shutdown_behavior") {
            if let Some(v) = nonempty_str(planned, "instance_initiated_shutdown_behavior") {
                // The Attribute/Value form: AWS takes either, and moto
                // ignores the InstanceInitiatedShutdownBehavior one.
                modify_attr(aws, &id, "instance_initiated_shutdown_behavior", |r| {
                    r.attribute(InstanceAttributeName::InstanceInitiatedShutdownBehavior)
                        .value(v)
                })
                .await?;
            }
        }
        if changed("monitoring") {
            if bool_of(planned, "monitoring") == Some(true) {
                aws.ec2()
                    .monitor_instances()
                    .instance_ids(&id)
                    .send()
                    .await
                    .ctx(format!(
                        "enabling detailed monitoring of EC2 Instance ({id})"
                    ))?;
            } else {
                aws.ec2()
                    .unmonitor_instances()
                    .instance_ids(&id)
                    .send()
                    .await
                    .ctx(format!(
                        "disabling detailed monitoring of EC2 Instance ({id})"
                    ))?;
            }
        }
        if changed("metadata_options") {
            if let Some(mo) = blocks_of(planned, "metadata_options").first() {
                let r = metadata_request(mo);
                aws.ec2()
                    .modify_instance_metadata_options()
                    .instance_id(&id)
                    .set_http_endpoint(r.http_endpoint)
                    .set_http_tokens(r.http_tokens)
                    .set_http_put_response_hop_limit(r.http_put_response_hop_limit)
                    .set_instance_metadata_tags(r.instance_metadata_tags)
                    .set_http_protocol_ipv6(r.http_protocol_ipv6)
                    .send()
                    .await
                    .ctx(format!("setting metadata_options of EC2 Instance ({id})"))?;
            }
        }

        // Root volume: deletion flag on the instance, size and type on
        // the volume, tags on the volume.
        let old_root = blocks_of(prior, "root_block_device")
            .first()
            .map(|v| (*v).clone());
        let new_root = blocks_of(planned, "root_block_device")
            .first()
            .map(|v| (*v).clone());
        if let (Some(o), Some(n)) = (&old_root, &new_root) {
            let dev = nonempty_str(o, "device_name");
            let vol = nonempty_str(o, "volume_id");
            let del = bool_of(n, "delete_on_termination");
            if del.is_some() && del != bool_of(o, "delete_on_termination") {
                if let Some(dev) = &dev {
                    let spec = InstanceBlockDeviceMappingSpecification::builder()
                        .device_name(dev)
                        .ebs(
                            EbsInstanceBlockDeviceSpecification::builder()
                                .delete_on_termination(del.unwrap_or(true))
                                .build(),
                        )
                        .build();
                    modify_attr(aws, &id, "root_block_device.delete_on_termination", |r| {
                        r.block_device_mappings(spec)
                    })
                    .await?;
                }
            }
            if let Some(vol) = &vol {
                modify_volume(aws, vol, &volume_change(o, n, "volume_size", "volume_type")).await?;
                let (ot, nt) = (map_of(o, "tags"), map_of(n, "tags"));
                if ot != nt && nt.is_some() {
                    let old = map_of(o, "tags_all").unwrap_or_default();
                    sync_volume_tags(aws, vol, &old, &nt.unwrap_or_default()).await?;
                }
            }
        }
        for n in blocks_of(planned, "ebs_block_device") {
            let o = blocks_of(prior, "ebs_block_device")
                .into_iter()
                .find(|p| str_of(p, "device_name") == str_of(n, "device_name"));
            if let (Some(o), Some(vol)) = (o, nonempty_str(n, "volume_id")) {
                let (ot, nt) = (map_of(o, "tags"), map_of(n, "tags"));
                if ot != nt && nt.is_some() {
                    let old = map_of(o, "tags_all").unwrap_or_default();
                    sync_volume_tags(aws, &vol, &old, &nt.unwrap_or_default()).await?;
                }
            }
        }
        if changed("volume_tags") {
            let new = map_of(planned, "volume_tags").unwrap_or_default();
            let old = map_of(prior, "volume_tags").unwrap_or_default();
            let vols: Vec<String> = blocks_of(prior, "root_block_device")
                .into_iter()
                .chain(blocks_of(prior, "ebs_block_device"))
                .filter_map(|b| nonempty_str(b, "volume_id"))
                .collect();
            for v in vols {
                sync_volume_tags(aws, &v, &old, &new).await?;
            }
        }
        read_new("EC2 Instance", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        match aws.ec2().terminate_instances().instance_ids(&id).send().await.api() {
            Ok(_) => {}
            Err(e) if e.not_found() => return Ok(()),
            Err(e) if e.is("OperationNotPermitted") => {
                return Err(e
                    .into_error(format!("terminating EC2 Instance ({id})"))
                    .with_hint("Termination protection is on: set disable_api_termination = false and apply, then destroy."))
            }
            Err(e) => return Err(e.into_error(format!("terminating EC2 Instance ({id})"))),
        }
        let gone = wait_for(Duration::from_secs(1200), || async {
            match aws
                .ec2()
                .describe_instances()
                .instance_ids(&id)
                .send()
                .await
                .api()
            {
                Ok(o) => Ok(o
                    .reservations
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|r| r.instances.unwrap_or_default())
                    .find(|i| i.instance_id.as_deref() == Some(id.as_str()))
                    .is_none_or(|i| state_of(&i) == Some(InstanceStateName::Terminated))
                    .then_some(())),
                Err(e) if e.not_found() => Ok(Some(())),
                Err(e) => {
                    Err(e.into_error(format!("waiting for EC2 Instance ({id}) to terminate")))
                }
            }
        })
        .await?;
        if gone.is_none() {
            return Err(ProviderError::new(
                format!("EC2 Instance ({id}) did not terminate"),
                "TerminateInstances was accepted but the instance was not terminated after 20 minutes.",
            ));
        }
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_instance is imported by instance ID, e.g. i-12345678.".into()
    }
}

/// The account that owns the instance, from its network interface.
fn inst_owner(inst: &Ec2Instance) -> Option<String> {
    inst.network_interfaces()
        .iter()
        .find_map(|n| n.owner_id.clone())
        .filter(|o| !o.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_come_from_arns() {
        assert_eq!(
            profile_name("arn:aws:iam::123456789012:instance-profile/path/web"),
            "web"
        );
        assert_eq!(
            profile_name("arn:aws:iam::123456789012:instance-profile/web"),
            "web"
        );
    }

    #[test]
    fn ebs_keys_ignore_tags() {
        let schema = ebs_block_schema();
        let mut m = cairn_provider::empty_object(&schema);
        m.insert("device_name".into(), sv("/dev/sdh"));
        m.insert("volume_size".into(), Value::int(5));
        let a = Value::object(m.clone());
        m.insert(
            "tags".into(),
            str_map(&BTreeMap::from([("a".to_string(), "b".to_string())])),
        );
        let b = Value::object(m.clone());
        assert_eq!(ebs_key(&a), ebs_key(&b));
        m.insert("volume_size".into(), Value::int(6));
        assert_ne!(ebs_key(&a), ebs_key(&Value::object(m)));
    }
}

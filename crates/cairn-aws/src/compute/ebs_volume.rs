//! `aws_ebs_volume`, and the volume helpers `aws_instance` shares (its
//! root and EBS block devices are volumes too).

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    ResourceType, SnapshotState, Volume, VolumeModificationState, VolumeState, VolumeType,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::opt_int;
use crate::config::AwsClients;
use crate::ec2::{sync_tags, tag_map, tag_spec, with_tags};
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, nonempty_str, opt_sv, read_new, str_of, sv, wait_for,
};

pub(crate) struct EbsVolume;

const TYPE: &str = "aws_ebs_volume";

pub(super) const VOLUME_TYPES: &[&str] = &["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"];

/// The volume `id`, or `None` when it does not exist (or is deleted).
pub(super) async fn describe_volume(
    aws: &AwsClients,
    id: &str,
) -> Result<Option<Volume>, ProviderError> {
    match aws
        .ec2()
        .describe_volumes()
        .volume_ids(id)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .volumes
            .unwrap_or_default()
            .into_iter()
            .find(|v| v.volume_id.as_deref() == Some(id))
            .filter(|v| v.state != Some(VolumeState::Deleted))),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EBS Volume ({id})"))),
    }
}

/// What a ModifyVolume call changes; `None` fields stay as they are.
#[derive(Default, PartialEq, Eq, Debug)]
pub(super) struct VolumeChange {
    pub size: Option<i32>,
    pub volume_type: Option<String>,
    pub iops: Option<i32>,
    pub throughput: Option<i32>,
}

impl VolumeChange {
    pub(super) fn is_empty(&self) -> bool {
        *self == VolumeChange::default()
    }
}

fn to_i32(n: Option<i64>) -> Option<i32> {
    n.and_then(|n| i32::try_from(n).ok())
}

/// The changes between two objects with `size_key`, `type_key`, `iops`
/// and `throughput` attributes (a volume or a block device).
pub(super) fn volume_change(
    prior: &Value,
    planned: &Value,
    size_key: &str,
    type_key: &str,
) -> VolumeChange {
    let changed_int = |k: &str| {
        let new = i64_of(planned, k);
        (new.is_some() && new != i64_of(prior, k))
            .then_some(())
            .and(to_i32(new))
    };
    let new_type = nonempty_str(planned, type_key);
    let mut c = VolumeChange {
        size: changed_int(size_key),
        volume_type: new_type
            .clone()
            .filter(|t| Some(t) != nonempty_str(prior, type_key).as_ref()),
        iops: changed_int("iops"),
        throughput: changed_int("throughput"),
    };
    // Moving to a type that takes IOPS or throughput sends them along:
    // the new type's defaults are not what the configuration says.
    if c.volume_type.is_some() {
        let t = new_type.unwrap_or_default();
        if matches!(t.as_str(), "io1" | "io2" | "gp3") && c.iops.is_none() {
            c.iops = to_i32(i64_of(planned, "iops"));
        }
        if t == "gp3" && c.throughput.is_none() {
            c.throughput = to_i32(i64_of(planned, "throughput"));
        }
    }
    c
}

/// Modifies a volume and waits until the change is in effect
/// (`optimizing` or `completed`: the new size and type are usable).
pub(super) async fn modify_volume(
    aws: &AwsClients,
    id: &str,
    c: &VolumeChange,
) -> Result<(), ProviderError> {
    if c.is_empty() {
        return Ok(());
    }
    aws.ec2()
        .modify_volume()
        .volume_id(id)
        .set_size(c.size)
        .set_volume_type(c.volume_type.as_deref().map(VolumeType::from))
        .set_iops(c.iops)
        .set_throughput(c.throughput)
        .send()
        .await
        .ctx(format!("modifying EBS Volume ({id})"))?;
    let done = wait_for(Duration::from_secs(600), || async {
        let out = aws
            .ec2()
            .describe_volumes_modifications()
            .volume_ids(id)
            .send()
            .await
            .ctx(format!("waiting for EBS Volume ({id}) modification"))?;
        let m = out
            .volumes_modifications
            .unwrap_or_default()
            .into_iter()
            .next();
        match m.and_then(|m| m.modification_state) {
            // No modification record: nothing pending.
            None => Ok(Some(())),
            Some(VolumeModificationState::Completed | VolumeModificationState::Optimizing) => {
                Ok(Some(()))
            }
            Some(VolumeModificationState::Failed) => Err(ProviderError::new(
                format!("modifying EBS Volume ({id}) failed"),
                "AWS reports the volume modification as failed.",
            )),
            Some(_) => Ok(None),
        }
    })
    .await?;
    if done.is_none() {
        return Err(ProviderError::new(
            format!("EBS Volume ({id}) modification did not finish"),
            "The volume modification was still in progress after 10 minutes.",
        ));
    }
    Ok(())
}

fn volume_type_check(attr: &str, t: Option<String>, out: &mut Vec<Diagnostic>) {
    if let Some(t) = t {
        if !VOLUME_TYPES.contains(&t.as_str()) {
            out.push(Diagnostic::error(
                format!("Invalid {attr}"),
                format!(
                    "{attr} must be one of {}, not {t:?}.",
                    VOLUME_TYPES.join(", ")
                ),
            ));
        }
    }
}

pub(super) fn check_volume_type(attr: &str, v: &Value, key: &str, out: &mut Vec<Diagnostic>) {
    volume_type_check(attr, str_of(v, key), out);
}

#[async_trait]
impl Resource for EbsVolume {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("An EBS volume."))
            .attr("id", A::computed(Type::String, "ID of the volume."))
            .attr("arn", A::computed(Type::String, "ARN of the volume."))
            .attr(
                "availability_zone",
                A::required(Type::String, "Availability zone of the volume.").force_new(),
            )
            .attr(
                "encrypted",
                A::optional_computed(Type::Bool, "Encrypt the volume.").force_new(),
            )
            .attr(
                "final_snapshot",
                A::optional(
                    Type::Bool,
                    "Take a snapshot of the volume before deleting it; defaults to false.",
                ),
            )
            .attr(
                "iops",
                A::optional_computed(Type::Number, "Provisioned IOPS (io1, io2 and gp3 only)."),
            )
            .attr(
                "kms_key_id",
                A::optional_computed(
                    Type::String,
                    "ARN of the KMS key to encrypt the volume with.",
                )
                .force_new(),
            )
            .attr(
                "multi_attach_enabled",
                A::optional(
                    Type::Bool,
                    "Allow attaching the volume to several instances (io1/io2 only).",
                )
                .force_new(),
            )
            .attr(
                "outpost_arn",
                A::optional(Type::String, "ARN of the Outpost to create the volume on.")
                    .force_new(),
            )
            .attr(
                "size",
                A::optional_computed(Type::Number, "Size of the volume in GiB."),
            )
            .attr(
                "snapshot_id",
                A::optional_computed(Type::String, "Snapshot to create the volume from.")
                    .force_new(),
            )
            .attr(
                "throughput",
                A::optional_computed(Type::Number, "Throughput in MiB/s (gp3 only)."),
            )
            .attr(
                "type",
                A::optional_computed(
                    Type::String,
                    "Volume type: standard, gp2, gp3, io1, io2, sc1 or st1; defaults to gp2.",
                ),
            )
            .attr(
                "create_time",
                A::computed(Type::String, "When the volume was created (RFC 3339)."),
            )
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "update", "delete"]),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("final_snapshot", Value::bool(false))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        if !set("size") && !set("snapshot_id") {
            out.push(
                Diagnostic::error(
                    "Missing required argument",
                    "aws_ebs_volume needs size or snapshot_id.",
                )
                .with_hint("Add size = 10 (GiB), or create it from a snapshot with snapshot_id."),
            );
        }
        check_volume_type("type", config, "type", &mut out);
        let t = str_of(config, "type");
        if set("iops") && !matches!(t.as_deref(), Some("io1" | "io2" | "gp3") | None) {
            out.push(Diagnostic::error(
                "Invalid iops",
                "iops can only be set for volumes of type io1, io2 or gp3.",
            ));
        }
        if set("throughput") && !matches!(t.as_deref(), Some("gp3") | None) {
            out.push(Diagnostic::error(
                "Invalid throughput",
                "throughput can only be set for volumes of type gp3.",
            ));
        }
        out
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        // A new type brings its own IOPS and throughput unless configured.
        if let Some(p) = prior {
            let new_type = str_of(config, "type");
            if new_type.is_some() && new_type != str_of(p, "type") {
                let mut m = entries(&resp.planned);
                for k in ["iops", "throughput"] {
                    if config.get_attr(k).is_none_or(Value::is_null) {
                        m.insert(k.into(), Value::unknown(Type::Number));
                    }
                }
                resp.planned = Value::object(m);
            }
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let az = nonempty_str(planned, "availability_zone")
            .ok_or_else(|| crate::util::missing(TYPE, "availability_zone"))?;
        let tags = tags::to_apply(aws, planned);
        let mut req = aws
            .ec2()
            .create_volume()
            .availability_zone(&az)
            .client_token(crate::util::client_token())
            .set_size(to_i32(i64_of(planned, "size")))
            .set_snapshot_id(nonempty_str(planned, "snapshot_id"))
            .set_volume_type(nonempty_str(planned, "type").map(|t| VolumeType::from(t.as_str())))
            .set_iops(to_i32(i64_of(planned, "iops")).filter(|n| *n > 0))
            .set_throughput(to_i32(i64_of(planned, "throughput")).filter(|n| *n > 0))
            .set_kms_key_id(nonempty_str(planned, "kms_key_id"))
            .set_outpost_arn(nonempty_str(planned, "outpost_arn"))
            .set_tag_specifications(tag_spec(ResourceType::Volume, &tags).map(|t| vec![t]));
        if let Some(e) = bool_of(planned, "encrypted") {
            req = req.encrypted(e);
        }
        if bool_of(planned, "multi_attach_enabled") == Some(true) {
            req = req.multi_attach_enabled(true);
        }
        let out = req.send().await.ctx("creating EBS Volume")?;
        let id = out.volume_id.ok_or_else(|| {
            ProviderError::new(
                "creating EBS Volume failed",
                "The API returned no volume ID.",
            )
        })?;
        let ready = wait_for(Duration::from_secs(300), || async {
            match describe_volume(aws, &id).await? {
                Some(v) if v.state == Some(VolumeState::Available) => Ok(Some(Ok(()))),
                Some(v) if v.state == Some(VolumeState::Error) => Ok(Some(Err(()))),
                _ => Ok(None),
            }
        })
        .await?;
        match ready {
            Some(Ok(())) => {}
            Some(Err(())) => {
                return Err(ProviderError::new(
                    format!("EBS Volume ({id}) failed to create"),
                    "The volume entered the error state.",
                ))
            }
            None => {
                return Err(ProviderError::new(
                    format!("EBS Volume ({id}) did not become available"),
                    "The volume was created but was not available after 5 minutes.",
                ))
            }
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EBS Volume", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(v) = describe_volume(aws, &id).await? else {
            return Ok(None);
        };
        let owner = match v.owner_id.clone() {
            Some(o) => o,
            None => aws.caller_identity().await?.account_id.clone(),
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(v.volume_arn
                .clone()
                .unwrap_or_else(|| aws.arn("ec2", &aws.region, &owner, &format!("volume/{id}")))),
        );
        m.insert(
            "availability_zone".into(),
            opt_sv(v.availability_zone.as_deref()),
        );
        m.insert(
            "encrypted".into(),
            Value::bool(v.encrypted.unwrap_or(false)),
        );
        m.insert("iops".into(), opt_int(v.iops));
        m.insert("kms_key_id".into(), opt_sv(v.kms_key_id.as_deref()));
        m.insert(
            "multi_attach_enabled".into(),
            crate::util::opt_bool_keep_null(state, "multi_attach_enabled", v.multi_attach_enabled),
        );
        m.insert(
            "outpost_arn".into(),
            opt_sv(v.outpost_arn.as_deref().filter(|s| !s.is_empty())),
        );
        m.insert("size".into(), opt_int(v.size));
        m.insert(
            "snapshot_id".into(),
            sv(v.snapshot_id.as_deref().unwrap_or_default()),
        );
        m.insert("throughput".into(), opt_int(v.throughput));
        m.insert(
            "type".into(),
            opt_sv(v.volume_type.as_ref().map(|t| t.as_str())),
        );
        m.insert(
            "create_time".into(),
            opt_sv(
                v.create_time
                    .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
            ),
        );
        if m.get("final_snapshot").is_none_or(Value::is_null) {
            m.insert("final_snapshot".into(), Value::bool(false));
        }
        let (t, all) = tags::from_remote(aws, state, tag_map(v.tags.as_deref()));
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
        let change = volume_change(prior, planned, "size", "type");
        modify_volume(aws, &id, &change).await?;
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EBS Volume", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        if describe_volume(aws, &id).await?.is_none() {
            return Ok(());
        }
        if bool_of(state, "final_snapshot") == Some(true) {
            final_snapshot(aws, &id, state).await?;
        }
        // A volume still detaching reports VolumeInUse for a while.
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        let mut delay = Duration::from_secs(1);
        loop {
            match aws.ec2().delete_volume().volume_id(&id).send().await.api() {
                Ok(_) => break,
                Err(e) if e.not_found() => return Ok(()),
                Err(e) if e.is("VolumeInUse") && std::time::Instant::now() + delay < deadline => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(15));
                }
                Err(e) => return Err(e.into_error(format!("deleting EBS Volume ({id})"))),
            }
        }
        let gone = wait_for(Duration::from_secs(300), || async {
            Ok(describe_volume(aws, &id).await?.is_none().then_some(()))
        })
        .await?;
        if gone.is_none() {
            return Err(ProviderError::new(
                format!("EBS Volume ({id}) was not deleted"),
                "DeleteVolume was accepted but the volume still existed after 5 minutes.",
            ));
        }
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_ebs_volume is imported by volume ID, e.g. vol-049df61146c4d7901.".into()
    }
}

/// The snapshot `final_snapshot` asks for, taken before deletion and
/// tagged like the volume; waits until it is complete.
async fn final_snapshot(aws: &AwsClients, id: &str, state: &Value) -> Result<(), ProviderError> {
    let tags = crate::util::map_of(state, "tags_all").unwrap_or_default();
    let out = aws
        .ec2()
        .create_snapshot()
        .volume_id(id)
        .set_tag_specifications(tag_spec(ResourceType::Snapshot, &tags).map(|t| vec![t]))
        .send()
        .await
        .ctx(format!("creating the final snapshot of EBS Volume ({id})"))?;
    let Some(snap) = out.snapshot_id else {
        return Err(ProviderError::new(
            format!("creating the final snapshot of EBS Volume ({id}) failed"),
            "The API returned no snapshot ID.",
        ));
    };
    let done = wait_for(Duration::from_secs(600), || async {
        let o = aws
            .ec2()
            .describe_snapshots()
            .snapshot_ids(&snap)
            .send()
            .await
            .ctx(format!("waiting for EBS Snapshot ({snap})"))?;
        match o
            .snapshots
            .unwrap_or_default()
            .first()
            .and_then(|s| s.state.clone())
        {
            Some(SnapshotState::Completed) => Ok(Some(())),
            Some(SnapshotState::Error) => Err(ProviderError::new(
                format!("EBS Snapshot ({snap}) failed"),
                "The final snapshot entered the error state; the volume was not deleted.",
            )),
            _ => Ok(None),
        }
    })
    .await?;
    if done.is_none() {
        return Err(ProviderError::new(
            format!("EBS Snapshot ({snap}) did not complete"),
            "The final snapshot was not complete after 10 minutes; the volume was not deleted.",
        ));
    }
    Ok(())
}

//! `aws_ami`: looks up one machine image.

use async_trait::async_trait;
use aws_sdk_ec2::types::Image;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{object, opt_bool};
use crate::config::AwsClients;
use crate::data::{filter_block, filters_of};
use crate::ec2::tag_map;
use crate::error::SdkResultExt;
use crate::resource::DataSource;
use crate::util::{bool_of, entries, opt_sv, str_map, str_of, strings_of, sv};
use regex::Regex;

pub(crate) struct Ami;

fn bdm_type() -> Type {
    Type::object(
        [
            ("device_name", Type::String),
            ("ebs", Type::map(Type::String)),
            ("no_device", Type::String),
            ("virtual_name", Type::String),
        ]
        .into_iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect(),
    )
}

fn product_code_type() -> Type {
    Type::object(
        ["product_code_id", "product_code_type"]
            .into_iter()
            .map(|k| (k.to_string(), Type::String))
            .collect(),
    )
}

fn opt_num_str(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "0".into())
}

fn block_device_mappings(img: &Image) -> Value {
    let items = img
        .block_device_mappings
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|b| {
            let ebs = match &b.ebs {
                Some(e) => Value::map(
                    Type::String,
                    [
                        (
                            "delete_on_termination",
                            e.delete_on_termination.unwrap_or(false).to_string(),
                        ),
                        ("encrypted", e.encrypted.unwrap_or(false).to_string()),
                        ("iops", opt_num_str(e.iops)),
                        ("snapshot_id", e.snapshot_id.clone().unwrap_or_default()),
                        ("throughput", opt_num_str(e.throughput)),
                        ("volume_size", opt_num_str(e.volume_size)),
                        (
                            "volume_type",
                            e.volume_type
                                .as_ref()
                                .map(|t| t.as_str().to_string())
                                .unwrap_or_default(),
                        ),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), sv(v)))
                    .collect(),
                ),
                None => Value::null(Type::map(Type::String)),
            };
            object(vec![
                (
                    "device_name",
                    sv(b.device_name.as_deref().unwrap_or_default()),
                ),
                ("ebs", ebs),
                ("no_device", sv(b.no_device.as_deref().unwrap_or_default())),
                (
                    "virtual_name",
                    sv(b.virtual_name.as_deref().unwrap_or_default()),
                ),
            ])
        })
        .collect();
    Value::set(bdm_type(), items)
}

fn root_snapshot_id(img: &Image) -> String {
    let Some(root) = img.root_device_name.as_deref() else {
        return String::new();
    };
    img.block_device_mappings
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|b| b.device_name.as_deref() == Some(root))
        .find_map(|b| b.ebs.as_ref().and_then(|e| e.snapshot_id.clone()))
        .unwrap_or_default()
}

#[async_trait]
impl DataSource for Ami {
    fn type_name(&self) -> &'static str {
        "aws_ami"
    }

    fn schema(&self) -> Schema {
        let c = |t: Type, d: &str| A::computed(t, d);
        let s = |d: &str| A::computed(Type::String, d);
        Schema::new("Looks up one machine image (AMI).")
            .attr("id", s("ID of the image."))
            .attr(
                "owners",
                A::optional(
                    Type::list(Type::String),
                    "Owners to search: account IDs, self, amazon, aws-marketplace.",
                ),
            )
            .attr(
                "executable_users",
                A::optional(
                    Type::list(Type::String),
                    "Only images these users may launch (account IDs or self).",
                ),
            )
            .attr(
                "most_recent",
                A::optional(
                    Type::Bool,
                    "Pick the newest of several matches; defaults to false.",
                ),
            )
            .attr(
                "name_regex",
                A::optional(
                    Type::String,
                    "A regular expression the image name must match.",
                ),
            )
            .attr(
                "include_deprecated",
                A::optional(Type::Bool, "Include deprecated images; defaults to false."),
            )
            .attr(
                "allow_unsafe_filter",
                A::optional(
                    Type::Bool,
                    "Allow most_recent without an owner or image ID filter.",
                ),
            )
            .attr(
                "uefi_data",
                A::optional(Type::String, "Base64 UEFI data of the image."),
            )
            .attr("arn", s("ARN of the image."))
            .attr("architecture", s("Architecture: i386, x86_64 or arm64."))
            .attr(
                "block_device_mappings",
                c(Type::set(bdm_type()), "Block device mappings of the image."),
            )
            .attr("boot_mode", s("Boot mode of the image."))
            .attr("creation_date", s("When the image was created."))
            .attr("deprecation_time", s("When the image is deprecated."))
            .attr("description", s("Description of the image."))
            .attr(
                "ena_support",
                c(
                    Type::Bool,
                    "Whether enhanced networking with ENA is enabled.",
                ),
            )
            .attr("hypervisor", s("Hypervisor type of the image."))
            .attr("image_id", s("ID of the image."))
            .attr("image_location", s("Location of the image manifest."))
            .attr("image_owner_alias", s("Alias of the owner, e.g. amazon."))
            .attr(
                "image_type",
                s("Type of image: machine, kernel or ramdisk."),
            )
            .attr(
                "imds_support",
                s("v2.0 when instances launched from it require IMDSv2."),
            )
            .attr("kernel_id", s("Kernel of the image."))
            .attr(
                "last_launched_time",
                s("When an instance was last launched from the image."),
            )
            .attr("name", s("Name of the image."))
            .attr("owner_id", s("Account ID of the image owner."))
            .attr(
                "platform",
                s("windows for Windows images; empty otherwise."),
            )
            .attr("platform_details", s("Platform details for billing."))
            .attr(
                "product_codes",
                c(
                    Type::set(product_code_type()),
                    "Product codes of the image.",
                ),
            )
            .attr(
                "public",
                c(
                    Type::Bool,
                    "Whether the image has public launch permissions.",
                ),
            )
            .attr("ramdisk_id", s("RAM disk of the image."))
            .attr(
                "root_device_name",
                s("Device name of the root volume, e.g. /dev/sda1."),
            )
            .attr(
                "root_device_type",
                s("Type of root device: ebs or instance-store."),
            )
            .attr("root_snapshot_id", s("Snapshot of the root volume."))
            .attr(
                "sriov_net_support",
                s("Whether enhanced networking with SR-IOV is enabled."),
            )
            .attr(
                "state",
                s("State of the image: available, pending or failed."),
            )
            .attr(
                "state_reason",
                c(
                    Type::map(Type::String),
                    "Reason for the image's state (code and message).",
                ),
            )
            .attr("tags", c(Type::map(Type::String), "Tags of the image."))
            .attr("tpm_support", s("v2.0 when NitroTPM is enabled."))
            .attr("usage_operation", s("Operation of the EC2 usage."))
            .attr(
                "virtualization_type",
                s("Virtualization type: hvm or paravirtual."),
            )
            .block("filter", filter_block())
            .block("timeouts", crate::util::timeouts_block(&["read"]))
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(r) = str_of(config, "name_regex") {
            if let Err(e) = Regex::new(&r) {
                out.push(Diagnostic::error(
                    "Invalid name_regex",
                    format!("name_regex {r:?} is not a regular expression cairn can use: {e}."),
                ));
            }
        }
        if config
            .get_attr("owners")
            .and_then(|v| v.as_seq())
            .is_some_and(|s| s.is_empty() || s.iter().any(|x| x.as_str() == Some("")))
        {
            out.push(Diagnostic::error(
                "Invalid owners",
                "owners must list at least one owner, and none of them empty.",
            ));
        }
        let most_recent = bool_of(config, "most_recent").unwrap_or(false);
        let owned = !strings_of(config, "owners").is_empty()
            || filters_of(config)
                .iter()
                .any(|f| matches!(f.name(), Some("image-id" | "owner-id")));
        if most_recent && !owned {
            let d = Diagnostic::error(
                "Most Recent Image Not Filtered",
                "\"most_recent\" is set to \"true\" and results are not filtered by owner or image ID. \
                 With this configuration, a third party may introduce a new image which will be returned \
                 by this data source. Filter by owner or image ID to avoid this possibility.",
            );
            if bool_of(config, "allow_unsafe_filter").unwrap_or(false) {
                out.push(Diagnostic::warning(d.summary, d.detail));
            } else {
                out.push(d);
            }
        }
        out
    }

    async fn read(
        &self,
        aws: &AwsClients,
        _schema: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let regex = match str_of(config, "name_regex") {
            Some(r) => Some(
                Regex::new(&r)
                    .map_err(|e| ProviderError::new("Invalid name_regex", format!("{r:?}: {e}")))?,
            ),
            None => None,
        };
        let owners = strings_of(config, "owners");
        let users = strings_of(config, "executable_users");
        let filters = filters_of(config);
        let mut images: Vec<Image> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = aws
                .ec2()
                .describe_images()
                .include_deprecated(bool_of(config, "include_deprecated").unwrap_or(false))
                .set_next_token(token.take());
            if !owners.is_empty() {
                req = req.set_owners(Some(owners.clone()));
            }
            if !users.is_empty() {
                req = req.set_executable_users(Some(users.clone()));
            }
            if !filters.is_empty() {
                req = req.set_filters(Some(filters.clone()));
            }
            let out = req.send().await.ctx("reading EC2 AMIs")?;
            images.extend(out.images.unwrap_or_default());
            match out.next_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        if let Some(r) = &regex {
            // An image without a name has nothing to match.
            images.retain(|i| {
                i.name
                    .as_deref()
                    .is_some_and(|n| !n.is_empty() && r.is_match(n))
            });
        }
        if images.is_empty() {
            return Err(ProviderError::new(
                "Your query returned no results. Please change your search criteria and try again.",
                "No image matches the owners, filters and name_regex given.",
            ));
        }
        if images.len() > 1 && !bool_of(config, "most_recent").unwrap_or(false) {
            return Err(ProviderError::new(
                "Your query returned more than one result. Please try a more specific search criteria, or set `most_recent` attribute to true.",
                format!("{} images match.", images.len()),
            ));
        }
        // Newest by creation date; among equal dates the first listed.
        let created = |i: &Image| {
            i.creation_date
                .as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        };
        let mut best = 0;
        for (n, img) in images.iter().enumerate().skip(1) {
            if created(img) > created(&images[best]) {
                best = n;
            }
        }
        let img = &images[best];
        let id = img.image_id.clone().unwrap_or_default();
        let mut m = entries(config);
        let s = |x: Option<&str>| sv(x.unwrap_or_default());
        m.insert("id".into(), sv(&id));
        m.insert("image_id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(aws.arn("ec2", &aws.region, "", &format!("image/{id}"))),
        );
        m.insert(
            "architecture".into(),
            s(img.architecture.as_ref().map(|x| x.as_str())),
        );
        m.insert("block_device_mappings".into(), block_device_mappings(img));
        m.insert(
            "boot_mode".into(),
            s(img.boot_mode.as_ref().map(|x| x.as_str())),
        );
        m.insert("creation_date".into(), s(img.creation_date.as_deref()));
        m.insert(
            "deprecation_time".into(),
            s(img.deprecation_time.as_deref()),
        );
        m.insert("description".into(), s(img.description.as_deref()));
        m.insert(
            "ena_support".into(),
            Value::bool(img.ena_support.unwrap_or(false)),
        );
        m.insert(
            "hypervisor".into(),
            s(img.hypervisor.as_ref().map(|x| x.as_str())),
        );
        m.insert("image_location".into(), s(img.image_location.as_deref()));
        m.insert(
            "image_owner_alias".into(),
            s(img.image_owner_alias.as_deref()),
        );
        m.insert(
            "image_type".into(),
            s(img.image_type.as_ref().map(|x| x.as_str())),
        );
        m.insert(
            "imds_support".into(),
            s(img.imds_support.as_ref().map(|x| x.as_str())),
        );
        m.insert("kernel_id".into(), s(img.kernel_id.as_deref()));
        m.insert(
            "last_launched_time".into(),
            s(img.last_launched_time.as_deref()),
        );
        m.insert("name".into(), s(img.name.as_deref()));
        m.insert("owner_id".into(), s(img.owner_id.as_deref()));
        m.insert(
            "platform".into(),
            s(img.platform.as_ref().map(|x| x.as_str())),
        );
        m.insert(
            "platform_details".into(),
            s(img.platform_details.as_deref()),
        );
        m.insert(
            "product_codes".into(),
            Value::set(
                product_code_type(),
                img.product_codes
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(|p| {
                        object(vec![
                            ("product_code_id", s(p.product_code_id.as_deref())),
                            (
                                "product_code_type",
                                s(p.product_code_type.as_ref().map(|x| x.as_str())),
                            ),
                        ])
                    })
                    .collect(),
            ),
        );
        m.insert("public".into(), opt_bool(img.public));
        m.insert("ramdisk_id".into(), s(img.ramdisk_id.as_deref()));
        m.insert(
            "root_device_name".into(),
            s(img.root_device_name.as_deref()),
        );
        m.insert(
            "root_device_type".into(),
            s(img.root_device_type.as_ref().map(|x| x.as_str())),
        );
        m.insert("root_snapshot_id".into(), sv(root_snapshot_id(img)));
        m.insert(
            "sriov_net_support".into(),
            s(img.sriov_net_support.as_deref()),
        );
        m.insert("state".into(), s(img.state.as_ref().map(|x| x.as_str())));
        let (code, message) = match &img.state_reason {
            Some(r) => (
                r.code.clone().unwrap_or_default(),
                r.message.clone().unwrap_or_default(),
            ),
            None => ("UNSET".to_string(), "UNSET".to_string()),
        };
        m.insert(
            "state_reason".into(),
            Value::map(
                Type::String,
                [
                    ("code".to_string(), sv(code)),
                    ("message".to_string(), sv(message)),
                ]
                .into_iter()
                .collect(),
            ),
        );
        let tags: std::collections::BTreeMap<String, String> = tag_map(img.tags.as_deref())
            .into_iter()
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect();
        m.insert("tags".into(), str_map(&tags));
        m.insert(
            "tpm_support".into(),
            s(img.tpm_support.as_ref().map(|x| x.as_str())),
        );
        m.insert("usage_operation".into(), s(img.usage_operation.as_deref()));
        m.insert(
            "virtualization_type".into(),
            s(img.virtualization_type.as_ref().map(|x| x.as_str())),
        );
        if m.get("most_recent").is_none_or(Value::is_null) {
            m.insert("most_recent".into(), Value::bool(false));
        }
        if m.get("include_deprecated").is_none_or(Value::is_null) {
            m.insert("include_deprecated".into(), Value::bool(false));
        }
        m.insert("uefi_data".into(), opt_sv(str_of(config, "uefi_data")));
        Ok(Value::object(m))
    }
}

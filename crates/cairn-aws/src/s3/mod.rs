//! S3 resource types.

use std::sync::Arc;

use cairn_provider::ProviderError;
use cairn_value::Value;

use crate::resource::Resource;
use crate::util::nonempty_str;

mod bucket;
mod bucket_config;
mod object;
mod policy;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(bucket::Bucket),
        Arc::new(bucket_config::Versioning),
        Arc::new(bucket_config::Encryption),
        Arc::new(bucket_config::PublicAccessBlock),
        Arc::new(policy::BucketPolicy),
        Arc::new(object::Object),
    ]
}

/// Route 53 hosted zone IDs of the S3 website endpoints, by region.
pub(crate) fn hosted_zone_id(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "af-south-1" => "Z83WF9RJE8B12",
        "ap-east-1" => "ZNB98KWMFR0R6",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-south-2" => "Z02976202B4EZMXIPMXF7",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-northeast-3" => "Z2YQB5RD63NC85",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "ap-southeast-3" => "Z01846753K324LI26A3VV",
        "ca-central-1" => "Z1QDHH18159H29",
        "cn-north-1" => "Z5CN8UMXT92WN",
        "cn-northwest-1" => "Z282HJ1KT0DH03",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-central-2" => "Z030506016YDQGETNASS",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "eu-south-1" => "Z30OZKI7KPW7MI",
        "eu-south-2" => "Z0081959F7139GRJC19J",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "il-central-1" => "Z09640613K4A3MN55U7GU",
        "me-central-1" => "Z06143092I8HRXZRUZROF",
        "me-south-1" => "Z1MPMWCPA7YB62",
        "sa-east-1" => "Z7KQH4QJS55SO",
        "us-gov-east-1" => "Z2NIFVYYW2VKV1",
        "us-gov-west-1" => "Z31GFT0UA1I2HV",
        _ => return None,
    })
}

/// The bucket a bucket-configuration resource applies to, from its import
/// ID: `bucket` or `bucket,expected_bucket_owner`.
pub(crate) fn split_bucket_id(id: &str) -> (String, Option<String>) {
    match id.split_once(',') {
        Some((b, o)) if !o.is_empty() => (b.to_string(), Some(o.to_string())),
        Some((b, _)) => (b.to_string(), None),
        None => (id.to_string(), None),
    }
}

pub(crate) fn bucket_of(v: &Value, type_name: &str) -> Result<String, ProviderError> {
    nonempty_str(v, "bucket")
        .or_else(|| nonempty_str(v, "id").map(|id| split_bucket_id(&id).0))
        .ok_or_else(|| crate::util::missing(type_name, "bucket"))
}

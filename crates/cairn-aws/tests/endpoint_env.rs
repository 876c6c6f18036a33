//! `AWS_ENDPOINT_URL` alone points the provider at moto: no endpoints
//! block needed. (Its own test binary: it sets a process environment
//! variable.)

mod common;

use cairn_aws::AwsFactory;
use cairn_moto::Moto;
use cairn_provider::ProviderFactory;
use common::{obj, s};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_endpoint_url_is_honoured() {
    let moto = Moto::start().unwrap_or_else(|e| panic!("{e}"));
    // Edition 2021: set_var is safe; nothing else in this binary reads
    // the environment concurrently.
    std::env::set_var("AWS_ENDPOINT_URL", moto.endpoint());
    let f = AwsFactory::new();
    let config = obj(
        &f.schema().provider,
        &[
            ("region", s("us-east-1")),
            ("access_key", s("test")),
            ("secret_key", s("test")),
        ],
    );
    // Credential validation (STS) and an EC2 call both reach moto.
    let p = f
        .configure(&config)
        .await
        .unwrap_or_else(|e| panic!("configure: {e}"));
    let azs = p
        .read_data(
            "aws_availability_zones",
            &obj(
                &p.schema().data_sources["aws_availability_zones"].block,
                &[],
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    assert!(azs.get_attr("names").and_then(|n| n.len()).unwrap_or(0) > 0);
    std::env::remove_var("AWS_ENDPOINT_URL");
}

//! EC2 instances, key pairs and EBS volumes against a real moto server.

mod common;

use aws_sdk_ec2::types::{Filter, Tag};
use cairn_provider::Schema;
use cairn_value::Value;
use common::*;

const KEY_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAi8axFHagMvJVd7govv123Ir2clIt+9wxne14EXoDtO alice@laptop";
const KEY_B: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0EKF9h0E5EUp5HPvCbpjjqaNoNImu2IYrz80u3+jHnk9dniObjVXqLuMvAu1Sbuh5C3p5vXTOxLy5b3sn3OqAZ+zKVqIOfN3XT4W5XB9VMP31iMyl4D5EbLDkVHJs7aYtWERRmHyzO5eC5ijoxTFcLrpoyXcEWaLfo4a9M7pLQzBtpK5ZjHFJpjNHqCkfy0M3vSW1wlqcn9uzUbYoK8GDBTmomd6LNse0E2ZHctC/8QHbW/UiO6XlSCy6zmYlOZksBi8OHojU0mMiYdX5KTwiV6L8+Fdvx9IfZGkp4aDJSROJeiJgNPC00xBymWIGTrC6n46enF364EtZi73wJO/p bob@laptop";

fn int(v: &Value, k: &str) -> i64 {
    get(v, k)
        .as_number()
        .and_then(|n| n.to_i64())
        .unwrap_or_else(|| panic!("{k} is not a number: {:?}", get(v, k)))
}

fn block<'a>(v: &'a Value, k: &str) -> &'a Value {
    get(v, k)
        .as_seq()
        .and_then(|s| s.first())
        .unwrap_or_else(|| panic!("{k} has no block"))
}

/// A list block value with one element of the nested schema.
fn one_block(schema: &Schema, k: &str, attrs: &[(&str, Value)]) -> Value {
    let b = &schema.blocks[k].block;
    Value::list(b.implied_type(), vec![obj(b, attrs)])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_pair_lifecycle() {
    let env = env().await;
    let t = "aws_key_pair";
    let config = env.config(
        t,
        &[
            ("key_name", s("deployer")),
            ("public_key", s(&format!("{KEY_A}\n"))),
            ("tags", tags(&[("Name", "deployer")])),
        ],
    );
    let state = env.create(t, &config).await;
    assert_eq!(str_attr(&state, "id"), "deployer");
    assert_eq!(str_attr(&state, "key_name"), "deployer");
    assert_eq!(
        str_attr(&state, "arn"),
        "arn:aws:ec2:us-east-1:123456789012:key-pair/deployer"
    );
    assert_eq!(str_attr(&state, "key_type"), "ed25519");
    assert_eq!(str_attr(&state, "public_key"), KEY_A, "stored trimmed");
    let key_id = str_attr(&state, "key_pair_id");
    assert!(key_id.starts_with("key-"), "{key_id}");
    assert!(!str_attr(&state, "fingerprint").is_empty());
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Name", "deployer")])
    );
    env.assert_no_changes(t, &state, &config).await;
    // The same key with another comment is no change.
    let recommented = env.config(
        t,
        &[
            ("key_name", s("deployer")),
            (
                "public_key",
                s(&KEY_A.replace("alice@laptop", "alice@desktop")),
            ),
            ("tags", tags(&[("Name", "deployer")])),
        ],
    );
    env.assert_no_changes(t, &state, &recommented).await;

    // Tags change in place.
    let config2 = env.config(
        t,
        &[
            ("key_name", s("deployer")),
            ("public_key", s(KEY_A)),
            ("tags", tags(&[("Name", "deployer"), ("Team", "ops")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(
        tag_map(&state, "tags"),
        map(&[("Name", "deployer"), ("Team", "ops")])
    );
    env.assert_no_changes(t, &state, &config2).await;

    // A new key or name replaces it.
    let other_key = env.config(t, &[("key_name", s("deployer")), ("public_key", s(KEY_B))]);
    env.assert_replaces(t, &state, &other_key, "public_key")
        .await;
    let other_name = env.config(t, &[("key_name", s("ops")), ("public_key", s(KEY_A))]);
    env.assert_replaces(t, &state, &other_name, "key_name")
        .await;

    // Import by name: the key is read back.
    let imported = env.import(t, "deployer").await;
    assert_eq!(str_attr(&imported, "key_pair_id"), key_id);
    assert_eq!(
        str_attr(&imported, "fingerprint"),
        str_attr(&state, "fingerprint")
    );
    assert!(str_attr(&imported, "public_key").starts_with("ssh-ed25519 AAAAC3Nza"));
    env.assert_no_changes(t, &imported, &config2).await;

    // Out-of-band changes.
    env.ec2()
        .delete_tags()
        .resources(&key_id)
        .tags(Tag::builder().key("Team").build())
        .send()
        .await
        .expect("untag");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(tag_map(&drifted, "tags"), map(&[("Name", "deployer")]));
    let back = env.update(t, &drifted, &config2).await;
    assert_eq!(
        tag_map(&back, "tags"),
        map(&[("Name", "deployer"), ("Team", "ops")])
    );

    // A generated name from a prefix.
    let prefixed = env
        .create(
            t,
            &env.config(
                t,
                &[("key_name_prefix", s("ci-")), ("public_key", s(KEY_B))],
            ),
        )
        .await;
    let name = str_attr(&prefixed, "key_name");
    assert!(name.starts_with("ci-") && name.len() == 3 + 26, "{name}");
    assert_eq!(str_attr(&prefixed, "key_name_prefix"), "ci-");
    assert_eq!(str_attr(&prefixed, "key_type"), "rsa");
    env.delete(t, &prefixed).await;

    // Deleted outside cairn: gone; destroy twice is fine.
    env.ec2()
        .delete_key_pair()
        .key_name("deployer")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;
    env.delete(t, &state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ebs_volume_lifecycle() {
    let env = env().await;
    let t = "aws_ebs_volume";
    let config = env.config(
        t,
        &[
            ("availability_zone", s("us-east-1a")),
            ("size", Value::int(5)),
            ("type", s("gp3")),
            ("tags", tags(&[("Name", "data")])),
        ],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert!(id.starts_with("vol-"), "{id}");
    assert_eq!(
        str_attr(&state, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:volume/{id}")
    );
    assert_eq!(int(&state, "size"), 5);
    assert_eq!(str_attr(&state, "type"), "gp3");
    assert_eq!(int(&state, "iops"), 3000);
    // moto reports no throughput for a gp3 volume created without one
    // (AWS reports the 125 MiB/s baseline), so it is not checked here.
    assert_eq!(get(&state, "encrypted").as_bool(), Some(false));
    assert_eq!(get(&state, "final_snapshot").as_bool(), Some(false));
    assert!(str_attr(&state, "create_time").contains('T'));
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Name", "data")])
    );
    env.assert_no_changes(t, &state, &config).await;

    // In place: size, IOPS, throughput and tags (ModifyVolume, CreateTags).
    let config2 = env.config(
        t,
        &[
            ("availability_zone", s("us-east-1a")),
            ("size", Value::int(8)),
            ("type", s("gp3")),
            ("iops", Value::int(4000)),
            ("throughput", Value::int(250)),
            ("tags", tags(&[("Name", "data2")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(int(&state, "size"), 8);
    assert_eq!(int(&state, "iops"), 4000);
    assert_eq!(int(&state, "throughput"), 250);
    let v = env
        .ec2()
        .describe_volumes()
        .volume_ids(&id)
        .send()
        .await
        .expect("describe")
        .volumes
        .unwrap_or_default();
    assert_eq!(v[0].size, Some(8));
    env.assert_no_changes(t, &state, &config2).await;

    // Zone, encryption and snapshot replace it.
    let moved = env.config(
        t,
        &[
            ("availability_zone", s("us-east-1b")),
            ("size", Value::int(8)),
        ],
    );
    env.assert_replaces(t, &state, &moved, "availability_zone")
        .await;
    let encrypted = env.config(
        t,
        &[
            ("availability_zone", s("us-east-1a")),
            ("size", Value::int(8)),
            ("type", s("gp3")),
            ("encrypted", Value::bool(true)),
        ],
    );
    env.assert_replaces(t, &state, &encrypted, "encrypted")
        .await;

    // Import by ID.
    let imported = env.import(t, &id).await;
    assert_eq!(int(&imported, "size"), 8);
    assert_eq!(get(&imported, "final_snapshot").as_bool(), Some(false));
    env.assert_no_changes(t, &imported, &config2).await;

    // Out-of-band resize is noticed, and planning puts it back.
    env.ec2()
        .modify_volume()
        .volume_id(&id)
        .size(12)
        .send()
        .await
        .expect("modify");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(int(&drifted, "size"), 12);
    let plan = env.plan(t, Some(&drifted), &config2).await;
    assert_eq!(int(&plan.planned, "size"), 8);

    // final_snapshot is kept in state only; destroying then snapshots.
    let config3 = env.config(
        t,
        &[
            ("availability_zone", s("us-east-1a")),
            ("size", Value::int(12)),
            ("type", s("gp3")),
            ("iops", Value::int(4000)),
            ("throughput", Value::int(250)),
            ("final_snapshot", Value::bool(true)),
            ("tags", tags(&[("Name", "data2")])),
        ],
    );
    let state = env.update(t, &drifted, &config3).await;
    assert_eq!(get(&state, "final_snapshot").as_bool(), Some(true));
    env.delete(t, &state).await;
    let snaps = env
        .ec2()
        .describe_snapshots()
        .filters(Filter::builder().name("volume-id").values(&id).build())
        .send()
        .await
        .expect("snapshots")
        .snapshots
        .unwrap_or_default();
    assert_eq!(snaps.len(), 1, "one final snapshot");
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;

    // Deleted outside cairn reads as gone.
    let other = env.create(t, &config).await;
    env.ec2()
        .delete_volume()
        .volume_id(str_attr(&other, "id"))
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &other).await.is_none());
    env.delete(t, &other).await;
}

struct Net {
    subnet: String,
    subnet2: String,
    sg1: String,
    sg2: String,
    ami: String,
    ami2: String,
    ami_sda1: String,
}

async fn network(env: &Env) -> Net {
    let ec2 = env.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let subnet = |cidr: &'static str, az: &'static str| {
        let ec2 = ec2.clone();
        let vpc = vpc.clone();
        async move {
            ec2.create_subnet()
                .vpc_id(vpc)
                .cidr_block(cidr)
                .availability_zone(az)
                .send()
                .await
                .expect("subnet")
                .subnet
                .and_then(|s| s.subnet_id)
                .expect("subnet id")
        }
    };
    let sg = |name: &'static str| {
        let ec2 = ec2.clone();
        let vpc = vpc.clone();
        async move {
            ec2.create_security_group()
                .group_name(name)
                .description(name)
                .vpc_id(vpc)
                .send()
                .await
                .expect("sg")
                .group_id
                .expect("sg id")
        }
    };
    let images = ec2
        .describe_images()
        .owners("amazon")
        .filters(
            Filter::builder()
                .name("name")
                .values("amzn-ami-hvm-*")
                .build(),
        )
        .send()
        .await
        .expect("images")
        .images
        .unwrap_or_default();
    let ids: Vec<String> = images.into_iter().filter_map(|i| i.image_id).collect();
    assert!(ids.len() >= 2);
    // moto attaches its default root volume at /dev/sda1 whatever the
    // AMI says; an AMI whose root device is /dev/sda1 keeps them agreeing.
    let sda1 = ec2
        .describe_images()
        .owners("amazon")
        .filters(
            Filter::builder()
                .name("root-device-name")
                .values("/dev/sda1")
                .build(),
        )
        .filters(Filter::builder().name("platform").values("windows").build())
        .send()
        .await
        .expect("images")
        .images
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.image_id)
        .expect("an AMI with root device /dev/sda1");
    ec2.import_key_pair()
        .key_name("ops")
        .public_key_material(aws_sdk_ec2::primitives::Blob::new(KEY_A))
        .send()
        .await
        .expect("key");
    ec2.import_key_pair()
        .key_name("ops2")
        .public_key_material(aws_sdk_ec2::primitives::Blob::new(KEY_B))
        .send()
        .await
        .expect("key");
    Net {
        subnet: subnet("10.0.1.0/24", "us-east-1a").await,
        subnet2: subnet("10.0.2.0/24", "us-east-1b").await,
        sg1: sg("web").await,
        sg2: sg("ssh").await,
        ami: ids[0].clone(),
        ami2: ids[1].clone(),
        ami_sda1: sda1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_lifecycle() {
    let env = env().await;
    let net = network(&env).await;
    let t = "aws_instance";
    let schema = env.schema(t);
    let user_data = "#!/bin/sh\necho hello\n";
    let base = |instance_type: &str,
                sgs: &[&str],
                ud: &str,
                root_size: i64,
                hop: i64,
                extra: &[(&str, Value)]| {
        let mut attrs: Vec<(&str, Value)> = vec![
            ("ami", s(&net.ami)),
            ("instance_type", s(instance_type)),
            ("subnet_id", s(&net.subnet)),
            ("vpc_security_group_ids", string_set(sgs)),
            ("key_name", s("ops")),
            ("user_data", s(ud)),
            (
                "root_block_device",
                one_block(
                    &schema,
                    "root_block_device",
                    &[
                        ("volume_size", Value::int(root_size)),
                        ("volume_type", s("gp3")),
                        ("tags", tags(&[("Name", "root")])),
                    ],
                ),
            ),
            (
                "metadata_options",
                one_block(
                    &schema,
                    "metadata_options",
                    &[
                        ("http_tokens", s("required")),
                        ("http_put_response_hop_limit", Value::int(hop)),
                    ],
                ),
            ),
            ("tags", tags(&[("Name", "web")])),
        ];
        attrs.extend(extra.iter().cloned());
        env.config(t, &attrs)
    };
    let config = base(
        "t2.micro",
        &[&net.sg1],
        user_data,
        10,
        1,
        &[("monitoring", Value::bool(true))],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert!(id.starts_with("i-"), "{id}");
    assert_eq!(
        str_attr(&state, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:instance/{id}")
    );
    assert_eq!(str_attr(&state, "instance_state"), "running");
    assert_eq!(str_attr(&state, "instance_type"), "t2.micro");
    assert_eq!(str_attr(&state, "availability_zone"), "us-east-1a");
    assert_eq!(str_attr(&state, "key_name"), "ops");
    assert_eq!(get(&state, "monitoring").as_bool(), Some(true));
    // user_data is stored as the SHA-1 of the content, as Terraform does.
    assert_eq!(str_attr(&state, "user_data"), sha1_hex_of(user_data));
    assert!(str_attr(&state, "primary_network_interface_id").starts_with("eni-"));
    assert!(str_attr(&state, "private_ip").starts_with("10.0.1."));
    assert_eq!(
        get(&state, "vpc_security_group_ids")
            .as_seq()
            .map(|s| s.len()),
        Some(1)
    );
    let root = block(&state, "root_block_device");
    assert_eq!(int(root, "volume_size"), 10);
    assert_eq!(str_attr(root, "volume_type"), "gp3");
    assert_eq!(get(root, "delete_on_termination").as_bool(), Some(true));
    assert_eq!(tag_map(root, "tags"), map(&[("Name", "root")]));
    let root_vol = str_attr(root, "volume_id");
    assert!(root_vol.starts_with("vol-"));
    let md = block(&state, "metadata_options");
    assert_eq!(str_attr(md, "http_tokens"), "required");
    assert_eq!(str_attr(md, "http_endpoint"), "enabled");
    assert_eq!(int(md, "http_put_response_hop_limit"), 1);
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Name", "web")])
    );
    let vol_tags = env
        .ec2()
        .describe_volumes()
        .volume_ids(&root_vol)
        .send()
        .await
        .expect("volume")
        .volumes
        .unwrap_or_default()[0]
        .tags
        .clone()
        .unwrap_or_default();
    assert!(vol_tags
        .iter()
        .any(|t| t.key.as_deref() == Some("Name") && t.value.as_deref() == Some("root")));
    env.assert_no_changes(t, &state, &config).await;

    // In place: type (stop, modify, start), groups, metadata, root volume
    // size, tags, shutdown behavior. (A user data change also stops and
    // starts the instance, but moto wants ModifyInstanceAttribute's user
    // data Base64-encoded twice where AWS takes it once, so it is only
    // planned below.)
    let new_ud = user_data;
    let config2 = base(
        "t3.small",
        &[&net.sg1, &net.sg2],
        new_ud,
        20,
        2,
        &[
            ("monitoring", Value::bool(true)),
            ("instance_initiated_shutdown_behavior", s("terminate")),
            ("tags", tags(&[("Name", "web"), ("Team", "x")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(str_attr(&state, "id"), id, "same instance");
    assert_eq!(str_attr(&state, "instance_type"), "t3.small");
    assert_eq!(str_attr(&state, "instance_state"), "running");
    assert_eq!(str_attr(&state, "user_data"), sha1_hex_of(new_ud));
    assert_eq!(
        get(&state, "vpc_security_group_ids")
            .as_seq()
            .map(|s| s.len()),
        Some(2)
    );
    let described = env
        .ec2()
        .describe_instances()
        .instance_ids(&id)
        .send()
        .await
        .expect("describe")
        .reservations
        .unwrap_or_default()[0]
        .instances
        .clone()
        .unwrap_or_default();
    assert_eq!(
        described[0].instance_type.as_ref().map(|t| t.as_str()),
        Some("t3.small")
    );
    assert_eq!(int(block(&state, "root_block_device"), "volume_size"), 20);
    assert_eq!(
        int(
            block(&state, "metadata_options"),
            "http_put_response_hop_limit"
        ),
        2
    );
    assert_eq!(
        str_attr(&state, "instance_initiated_shutdown_behavior"),
        "terminate"
    );
    assert_eq!(
        tag_map(&state, "tags"),
        map(&[("Name", "web"), ("Team", "x")])
    );
    let ud = env
        .ec2()
        .describe_instance_attribute()
        .instance_id(&id)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .expect("user data")
        .user_data
        .and_then(|v| v.value)
        .expect("value");
    assert_eq!(ud, "IyEvYmluL3NoCmVjaG8gaGVsbG8K");
    env.assert_no_changes(t, &state, &config2).await;

    // Termination protection on and off again.
    let protected = base(
        "t3.small",
        &[&net.sg1, &net.sg2],
        new_ud,
        20,
        2,
        &[
            ("monitoring", Value::bool(true)),
            ("instance_initiated_shutdown_behavior", s("terminate")),
            ("disable_api_termination", Value::bool(true)),
            ("tags", tags(&[("Name", "web"), ("Team", "x")])),
        ],
    );
    let state = env.update(t, &state, &protected).await;
    assert_eq!(get(&state, "disable_api_termination").as_bool(), Some(true));
    let err = env
        .provider
        .apply(cairn_provider::ApplyRequest {
            type_name: t.into(),
            prior: Some(state.clone()),
            planned: None,
            config: Value::dynamic_null(),
            idempotency_key: None,
        })
        .await
        .expect_err("protected");
    assert_eq!(err.code.as_deref(), Some("OperationNotPermitted"));
    // Optional and computed: leaving it out would keep it on.
    let unprotected =
        cairn_provider::with_attrs(&config2, [("disable_api_termination", Value::bool(false))]);
    let state = env.update(t, &state, &unprotected).await;
    assert_eq!(
        get(&state, "disable_api_termination").as_bool(),
        Some(false)
    );

    // Launch-time settings replace it.
    let mut other_ami = config2.clone();
    other_ami = cairn_provider::with_attrs(&other_ami, [("ami", s(&net.ami2))]);
    env.assert_replaces(t, &state, &other_ami, "ami").await;
    let other_subnet = cairn_provider::with_attrs(&config2, [("subnet_id", s(&net.subnet2))]);
    env.assert_replaces(t, &state, &other_subnet, "subnet_id")
        .await;
    let other_key = cairn_provider::with_attrs(&config2, [("key_name", s("ops2"))]);
    env.assert_replaces(t, &state, &other_key, "key_name").await;
    let replace_on_ud = cairn_provider::with_attrs(
        &config2,
        [
            ("user_data", s("#!/bin/sh\necho other\n")),
            ("user_data_replace_on_change", Value::bool(true)),
        ],
    );
    env.assert_replaces(t, &state, &replace_on_ud, "user_data")
        .await;
    let encrypted_root = cairn_provider::with_attrs(
        &config2,
        [(
            "root_block_device",
            one_block(
                &schema,
                "root_block_device",
                &[
                    ("volume_size", Value::int(20)),
                    ("volume_type", s("gp3")),
                    ("encrypted", Value::bool(true)),
                    ("tags", tags(&[("Name", "root")])),
                ],
            ),
        )],
    );
    env.assert_replaces(t, &state, &encrypted_root, "encrypted")
        .await;
    // A user data change without replace_on_change stays in place.
    let plan = env
        .plan(
            t,
            Some(&state),
            &cairn_provider::with_attrs(&config2, [("user_data", s("x"))]),
        )
        .await;
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert_eq!(str_attr(&plan.planned, "user_data"), sha1_hex_of("x"));
    assert!(
        get(&plan.planned, "public_ip").is_unknown(),
        "a restart may move it"
    );

    // Import by ID; the imported state plans no changes.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "instance_type"), "t3.small");
    assert_eq!(str_attr(&imported, "user_data"), sha1_hex_of(new_ud));
    assert_eq!(
        int(block(&imported, "root_block_device"), "volume_size"),
        20
    );
    env.assert_no_changes(t, &imported, &config2).await;

    // Out-of-band changes are noticed and planned back.
    let ec2 = env.ec2();
    ec2.create_tags()
        .resources(&id)
        .tags(Tag::builder().key("Extra").value("1").build())
        .send()
        .await
        .expect("tag");
    ec2.modify_instance_metadata_options()
        .instance_id(&id)
        .http_put_response_hop_limit(5)
        // moto resets the options not given (AWS keeps them): give them all.
        .http_tokens(aws_sdk_ec2::types::HttpTokensState::Required)
        .http_endpoint(aws_sdk_ec2::types::InstanceMetadataEndpointState::Enabled)
        .http_protocol_ipv6(aws_sdk_ec2::types::InstanceMetadataProtocolState::Disabled)
        .instance_metadata_tags(aws_sdk_ec2::types::InstanceMetadataTagsState::Disabled)
        .send()
        .await
        .expect("metadata");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(
        tag_map(&drifted, "tags").get("Extra").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        int(
            block(&drifted, "metadata_options"),
            "http_put_response_hop_limit"
        ),
        5
    );
    let back = env.update(t, &drifted, &config2).await;
    assert!(!tag_map(&back, "tags").contains_key("Extra"));
    assert_eq!(
        int(
            block(&back, "metadata_options"),
            "http_put_response_hop_limit"
        ),
        2
    );

    // Destroy: terminated, then reads as gone; destroying again is fine.
    env.delete(t, &back).await;
    assert!(env.read(t, &back).await.is_none());
    env.delete(t, &back).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_minimal_terminated_out_of_band() {
    let env = env().await;
    let net = network(&env).await;
    let t = "aws_instance";
    // Only the required arguments: the blocks read back what AWS chose,
    // and re-planning the same configuration is still no change.
    let config = env.config(
        t,
        &[
            ("ami", s(&net.ami_sda1)),
            ("instance_type", s("t2.micro")),
            ("subnet_id", s(&net.subnet)),
            ("volume_tags", tags(&[("Backup", "daily")])),
            ("user_data_base64", s("IyEvYmluL3NoCmVjaG8gaGkK")),
        ],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert_eq!(get(&state, "root_block_device").len(), Some(1));
    assert_eq!(get(&state, "metadata_options").len(), Some(1));
    assert_eq!(
        str_attr(&state, "user_data_base64"),
        "IyEvYmluL3NoCmVjaG8gaGkK"
    );
    assert!(get(&state, "user_data").is_null());
    assert_eq!(tag_map(&state, "volume_tags"), map(&[("Backup", "daily")]));
    assert!(get(&state, "tags").is_null());
    assert_eq!(tag_map(&state, "tags_all"), map(&[("Environment", "test")]));
    env.assert_no_changes(t, &state, &config).await;

    // volume_tags change in place on the volumes.
    let config2 =
        cairn_provider::with_attrs(&config, [("volume_tags", tags(&[("Backup", "weekly")]))]);
    let state = env.update(t, &state, &config2).await;
    assert_eq!(tag_map(&state, "volume_tags"), map(&[("Backup", "weekly")]));
    env.assert_no_changes(t, &state, &config2).await;

    env.ec2()
        .terminate_instances()
        .instance_ids(&id)
        .send()
        .await
        .expect("terminate");
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;
}

fn sha1_hex_of(s: &str) -> String {
    // Digests of the strings the tests use, from sha1sum.
    match s {
        "#!/bin/sh\necho hello\n" => "9db6f074fca0a903137b91c7c866b21d4e7205a7".into(),
        "x" => "11f6ad8ec52a2984abaafd7c3b516503785c2072".into(),
        other => panic!("no digest for {other:?}"),
    }
}

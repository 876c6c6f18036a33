//! Security group rules (classic and VPC rule resources), network ACLs and the VPC default security group, network ACL.

use std::sync::Arc;

use crate::resource::Resource;

mod common;
mod default_nacl;
mod default_sg;
mod nacl;
mod nacl_rule;
mod sg_rule;
mod vpc_sg_rule;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(sg_rule::SecurityGroupRule),
        Arc::new(vpc_sg_rule::VpcSecurityGroupRule { egress: false }),
        Arc::new(vpc_sg_rule::VpcSecurityGroupRule { egress: true }),
        Arc::new(default_sg::DefaultSecurityGroup),
        Arc::new(nacl::NetworkAclResource),
        Arc::new(nacl_rule::NetworkAclRule),
        Arc::new(default_nacl::DefaultNetworkAcl),
    ]
}

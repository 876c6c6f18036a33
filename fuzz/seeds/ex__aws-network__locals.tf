locals {
  azs = [for suffix in var.availability_zones : "${var.region}${suffix}"]

  # Public subnets take the first /24s of the VPC; private subnets start at the
  # 11th /20 so the two ranges never overlap whatever the number of AZs.
  public_subnets = {
    for i, az in local.azs : az => cidrsubnet(var.vpc_cidr, 8, i)
  }
  private_subnets = {
    for i, az in local.azs : az => cidrsubnet(var.vpc_cidr, 4, i + 10)
  }

  default_tags = merge(
    {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )

  # Environment-specific overrides with a fallback for anything unlisted.
  environment_settings = {
    dev     = { flow_logs = false, log_retention_days = 7 }
    staging = { flow_logs = true, log_retention_days = 30 }
    prod    = { flow_logs = true, log_retention_days = 365 }
  }
  settings = lookup(local.environment_settings, var.environment, local.environment_settings["dev"])

  # Every (security group, rule) pair, flattened so rules can be inspected and
  # grouped without nested loops downstream.
  security_group_rules = flatten([
    for sg_name, sg in var.security_groups : [
      for idx, rule in sg.ingress : {
        key       = "${sg_name}-${idx}"
        group     = sg_name
        protocol  = rule.protocol
        from_port = rule.from_port
        to_port   = coalesce(rule.to_port, rule.from_port)
      }
    ]
  ])

  # Ports opened per protocol across all groups: a "group by" for expression.
  ports_by_protocol = {
    for rule in local.security_group_rules : rule.protocol => rule.from_port...
  }
}

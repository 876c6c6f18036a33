output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "public_subnet_ids" {
  description = "Public subnet IDs keyed by availability zone."
  value       = module.vpc.public_subnet_ids
}

output "private_subnet_ids" {
  description = "Private subnet IDs keyed by availability zone."
  value       = module.vpc.private_subnet_ids
}

output "nat_public_ips" {
  description = "Elastic IPs of the NAT gateways (empty when nat_gateway_mode is \"none\")."
  value       = module.vpc.nat_public_ips
}

output "security_group_ids" {
  description = "Security group IDs keyed by their short name."
  value       = module.vpc.security_group_ids
}

output "subnet_layout" {
  description = "The CIDR plan, for documentation and peering requests."
  value = {
    public  = local.public_subnets
    private = local.private_subnets
  }
}

output "open_ports_by_protocol" {
  description = "Ingress ports opened across all security groups, grouped by protocol."
  value       = { for proto, ports in local.ports_by_protocol : proto => sort(distinct(ports)) }
}

output "flow_log_group" {
  description = "CloudWatch log group receiving VPC flow logs, if enabled."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}

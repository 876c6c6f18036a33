output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnet IDs keyed by availability zone."
  value       = { for az, s in aws_subnet.public : az => s.id }
}

output "private_subnet_ids" {
  description = "Private subnet IDs keyed by availability zone."
  value       = { for az, s in aws_subnet.private : az => s.id }
}

output "private_route_table_ids" {
  description = "Private route table IDs keyed by availability zone."
  value       = { for az, rt in aws_route_table.private : az => rt.id }
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways."
  value       = aws_eip.nat[*].public_ip
}

output "security_group_ids" {
  description = "Security group IDs keyed by short name."
  value       = { for k, sg in aws_security_group.this : k => sg.id }
}

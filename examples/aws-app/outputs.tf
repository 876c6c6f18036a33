output "artifact_bucket" {
  description = "Name and ARN of the artifact bucket."
  value = {
    name = module.artifacts.bucket_name
    arn  = module.artifacts.bucket_arn
  }
}

output "access_log_bucket" {
  description = "Bucket receiving S3 access logs, or null when disabled."
  value       = one(aws_s3_bucket.access_logs[*].id)
}

output "app_role_arn" {
  description = "ARN of the role assumed by the application instances."
  value       = module.app_role.role_arn
}

output "instance_ids" {
  description = "Instance ID per environment."
  value       = { for env, i in aws_instance.app : env => i.id }
}

output "private_ips" {
  description = "Private IP address per environment."
  value       = { for env, i in aws_instance.app : env => i.private_ip }
}

output "user_data" {
  description = "Rendered user data per environment; contains the database password."
  value       = { for env, i in aws_instance.app : env => i.user_data }
  sensitive   = true
}

output "role_policy_json" {
  description = "The inline policy attached to the application role."
  value       = module.app_role.inline_policy_json
}

output "config_parameter_arns" {
  description = "SSM parameter ARNs per environment and setting."
  value       = { for env, c in module.config : env => c.parameter_arns }
}

output "config_secrets" {
  description = "Secret settings per environment, as stored in SSM."
  value       = { for env, c in module.config : env => c.secret_values }
  sensitive   = true
}

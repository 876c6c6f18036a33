output "role_arn" {
  description = "ARN of the role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "instance_profile_name" {
  description = "Name of the instance profile, or null when not created."
  value       = try(aws_iam_instance_profile.this[0].name, null)
}

output "inline_policy_json" {
  description = "JSON of the inline policy, or null when there is none."
  value       = one(data.aws_iam_policy_document.inline[*].json)
}

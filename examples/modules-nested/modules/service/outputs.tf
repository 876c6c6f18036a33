output "queue_urls" {
  description = "Queue URL per component."
  value       = { for c, q in aws_sqs_queue.this : c => q.url }
}

output "dr_queue_arns" {
  description = "Replica queue ARN per component (empty unless replicate is true)."
  value       = { for c, q in aws_sqs_queue.dr : c => q.arn }
}

output "names" {
  description = "Generated names per component."
  value       = { for c, n in module.naming : c => n.name }
}

output "parameter_name" {
  description = "SSM parameter listing the service's queues."
  value       = aws_ssm_parameter.queues.name
}

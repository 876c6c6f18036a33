# Publishes an application's settings to SSM Parameter Store: plain settings
# as String parameters, secrets as SecureString parameters.

variable "path_prefix" {
  description = "Parameter path prefix, e.g. \"/orders/prod\"."
  type        = string

  validation {
    condition     = startswith(var.path_prefix, "/") && !endswith(var.path_prefix, "/")
    error_message = "path_prefix must start with \"/\" and must not end with \"/\"."
  }
}

variable "settings" {
  description = "Plain settings, stored as String parameters."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Secret settings, stored as SecureString parameters."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "kms_key_id" {
  description = "KMS key for SecureString parameters; null uses the AWS-managed key."
  type        = string
  default     = null
}

locals {
  # The keys of a sensitive map are sensitive too; they are not secret here,
  # and for_each needs them in the clear.
  secret_names = nonsensitive(toset(keys(var.secrets)))
}

resource "aws_ssm_parameter" "setting" {
  for_each = var.settings

  name  = "${var.path_prefix}/${each.key}"
  type  = "String"
  value = each.value
}

resource "aws_ssm_parameter" "secret" {
  for_each = local.secret_names

  name   = "${var.path_prefix}/${each.key}"
  type   = "SecureString"
  key_id = var.kms_key_id
  value  = var.secrets[each.key]
}

output "parameter_arns" {
  description = "ARN of every parameter, keyed by setting name."
  value = merge(
    { for k, p in aws_ssm_parameter.setting : k => p.arn },
    { for k, p in aws_ssm_parameter.secret : k => p.arn },
  )
}

output "secret_values" {
  description = "The secret values as stored, keyed by name."
  value       = { for k, p in aws_ssm_parameter.secret : k => p.value }
  sensitive   = true
}

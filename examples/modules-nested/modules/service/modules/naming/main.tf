# Pure naming conventions: no resources, only inputs and derived outputs.

variable "organization" {
  description = "Organization short code."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2,8}$", var.organization))
    error_message = "organization must be 2-8 lowercase letters."
  }
}

variable "environment" {
  description = "Deployment environment."
  type        = string
}

variable "service" {
  description = "Service name."
  type        = string
}

variable "component" {
  description = "Optional component within the service."
  type        = string
  default     = null
}

variable "max_length" {
  description = "Longest name the target resource types accept."
  type        = number
  default     = 80
}

locals {
  environment_codes = {
    production = "prd"
    prod       = "prd"
    staging    = "stg"
    canary     = "cny"
    dev        = "dev"
  }
  env_code = lookup(local.environment_codes, var.environment, substr(var.environment, 0, 3))

  parts = compact([var.organization, local.env_code, var.service, var.component])
  full  = join("-", local.parts)
  name  = length(local.full) <= var.max_length ? local.full : "${substr(local.full, 0, var.max_length - 9)}-${substr(sha1(local.full), 0, 8)}"
}

output "name" {
  description = "Dash-separated name, shortened with a hash suffix when too long."
  value       = local.name
}

output "path" {
  description = "Slash-separated hierarchical path (for SSM parameters and log groups)."
  value       = join("/", local.parts)
}

output "tags" {
  description = "Tags that identify the named object."
  value = {
    for k, v in {
      Organization = var.organization
      Environment  = var.environment
      Service      = var.service
      Component    = var.component
    } : k => v if v != null
  }
}

# A small configuration that needs nothing but cairn's built-in providers.
# Apply it with:  cairn apply examples/quickstart

terraform {
  required_version = ">= 1.5.0"
}

variable "project" {
  description = "Short project name used as a prefix for generated names."
  type        = string
  default     = "cairn-demo"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.project))
    error_message = "The project must be 2-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "environments" {
  description = "Environments to generate settings files for."
  type        = set(string)
  default     = ["dev", "prod"]
}

variable "replica_range" {
  description = "Inclusive bounds for the randomly chosen replica count."
  type = object({
    min = number
    max = optional(number, 5)
  })
  default = {
    min = 2
  }

  validation {
    condition     = var.replica_range.min >= 1 && var.replica_range.min <= var.replica_range.max
    error_message = "replica_range.min must be at least 1 and not greater than replica_range.max."
  }
}

locals {
  output_dir = "${path.module}/out"

  common_labels = {
    project    = var.project
    managed_by = "cairn"
  }

  # One settings document per environment, keyed by environment name.
  settings = {
    for env in sort(tolist(var.environments)) : env => merge(local.common_labels, {
      environment = env
      debug       = env != "prod"
    })
  }
}

resource "random_pet" "name" {
  length    = 2
  separator = "-"
  prefix    = var.project
}

resource "random_id" "suffix" {
  byte_length = 4

  keepers = {
    name = random_pet.name.id
  }
}

resource "random_integer" "replicas" {
  min = var.replica_range.min
  max = var.replica_range.max
}

resource "random_password" "admin" {
  length           = 24
  special          = true
  override_special = "!#%*-_=+"
  min_upper        = 2
  min_numeric      = 2
}

resource "random_shuffle" "rollout_order" {
  input        = sort(tolist(var.environments))
  result_count = length(var.environments)
}

resource "terraform_data" "deployment" {
  input = {
    name     = "${random_pet.name.id}-${random_id.suffix.hex}"
    replicas = random_integer.replicas.result
    order    = random_shuffle.rollout_order.result
  }

  triggers_replace = [random_id.suffix.hex]
}

resource "local_file" "settings" {
  for_each = local.settings

  filename        = "${local.output_dir}/${each.key}.json"
  content         = jsonencode(merge(each.value, { replicas = random_integer.replicas.result }))
  file_permission = "0644"
}

resource "local_sensitive_file" "admin_credentials" {
  filename        = "${local.output_dir}/admin-credentials.env"
  file_permission = "0600"
  content         = <<-EOT
    ADMIN_USER=${random_pet.name.id}
    ADMIN_PASSWORD=${random_password.admin.result}
  EOT
}

module "service" {
  source   = "./modules/service"
  for_each = var.environments

  name        = terraform_data.deployment.output.name
  environment = each.key
  replicas    = random_integer.replicas.result
  output_dir  = local.output_dir
  features = {
    debug   = each.key != "prod"
    metrics = true
  }
}

output "deployment_name" {
  description = "Generated deployment name."
  value       = terraform_data.deployment.output.name
}

output "rollout_order" {
  description = "Order in which environments are rolled out."
  value       = random_shuffle.rollout_order.result
}

output "settings_files" {
  description = "Settings file written for each environment."
  value       = { for env, f in local_file.settings : env => f.filename }
}

output "service_configs" {
  description = "Rendered service configuration for each environment."
  value       = { for env, m in module.service : env => m.config_file }
}

output "admin_password" {
  description = "Generated administrator password."
  value       = random_password.admin.result
  sensitive   = true
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "app_name" {
  description = "Application name, used in resource names and tags."
  type        = string
  default     = "orders"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.app_name))
    error_message = "app_name must be 3-21 lowercase letters, digits or dashes and start with a letter."
  }
}

variable "environments" {
  description = "One application instance per environment."
  type = map(object({
    instance_type = optional(string, "t3.micro")
    subnet_id     = string
    volume_size   = optional(number, 20)
    monitoring    = optional(bool, false)
    extra_env     = optional(map(string), {})
  }))
  default = {
    dev = {
      subnet_id = "subnet-0a1b2c3d4e5f60001"
    }
    prod = {
      instance_type = "m6i.large"
      subnet_id     = "subnet-0a1b2c3d4e5f60002"
      volume_size   = 50
      monitoring    = true
      extra_env = {
        LOG_LEVEL = "warn"
      }
    }
  }

  validation {
    condition     = alltrue([for env, cfg in var.environments : startswith(cfg.subnet_id, "subnet-")])
    error_message = "Every environment needs a subnet_id that starts with \"subnet-\"."
  }

  validation {
    condition     = alltrue([for env, cfg in var.environments : cfg.volume_size >= 8 && cfg.volume_size <= 1024])
    error_message = "volume_size must be between 8 and 1024 GiB."
  }
}

variable "ami_id" {
  description = "AMI to launch; leave null to use the latest Amazon Linux 2023 image."
  type        = string
  default     = null
}

variable "app_port" {
  description = "Port the application listens on."
  type        = number
  default     = 8080
}

variable "ssh_authorized_keys" {
  description = "Public keys installed for the ops user."
  type        = list(string)
  default = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyKeyForExamplesOnly0000000000000000 ops@example.com",
  ]
}

variable "enable_access_logs" {
  description = "Create a separate bucket that receives the artifact bucket's access logs."
  type        = bool
  default     = true
}

variable "database_password" {
  description = "Password written into the instances' environment file."
  type        = string
  sensitive   = true
  default     = "change-me-in-a-tfvars-file"

  validation {
    condition     = length(var.database_password) >= 12
    error_message = "The database password must be at least 12 characters long."
  }
}

variable "primary_region" {
  description = "Region that serves traffic."
  type        = string
  default     = "eu-central-1"
}

variable "dr_region" {
  description = "Region holding disaster-recovery replicas."
  type        = string
  default     = "eu-west-1"
}

variable "organization" {
  description = "Organization short code used in every name."
  type        = string
  default     = "acme"
}

variable "environment" {
  description = "Deployment environment."
  type        = string
  default     = "prod"
}

variable "services" {
  description = "Services to deploy. Each gets a queue per component, optionally replicated to the DR region."
  type = map(object({
    team            = string
    components      = set(string)
    replicate       = optional(bool, false)
    retention_hours = optional(number, 96)
  }))
  default = {
    billing = {
      team       = "payments"
      components = ["invoices", "refunds"]
      replicate  = true
    }
    search = {
      team            = "discovery"
      components      = ["indexer"]
      retention_hours = 24
    }
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.components) > 0])
    error_message = "Every service needs at least one component."
  }
}

variable "enable_canary" {
  description = "Deploy a canary copy of the billing service in the DR region."
  type        = bool
  default     = true
}

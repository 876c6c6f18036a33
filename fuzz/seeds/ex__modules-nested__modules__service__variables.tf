variable "name" {
  description = "Service name."
  type        = string
}

variable "organization" {
  description = "Organization short code."
  type        = string
}

variable "environment" {
  description = "Deployment environment."
  type        = string
}

variable "team" {
  description = "Owning team, recorded in tags."
  type        = string
}

variable "components" {
  description = "Components of the service; each gets its own queue."
  type        = set(string)
}

variable "replicate" {
  description = "Create replica queues in the DR region."
  type        = bool
  default     = false
}

variable "retention_hours" {
  description = "How long messages are kept."
  type        = number
  default     = 96

  validation {
    condition     = var.retention_hours >= 1 && var.retention_hours <= 336
    error_message = "SQS keeps messages between 1 hour and 14 days (336 hours)."
  }
}

variable "name" {
  description = "Name of the IAM role."
  type        = string
}

variable "trusted_services" {
  description = "AWS service principals allowed to assume the role."
  type        = list(string)
}

variable "managed_policy_arns" {
  description = "Managed policies attached to the role."
  type        = list(string)
  default     = []
}

variable "inline_statements" {
  description = "Statements of the role's inline policy."
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.inline_statements : contains(["Allow", "Deny"], s.effect)])
    error_message = "Each statement's effect must be \"Allow\" or \"Deny\"."
  }
}

variable "create_instance_profile" {
  description = "Also create an EC2 instance profile for the role."
  type        = bool
  default     = false
}

variable "max_session_duration" {
  description = "Maximum session duration in seconds."
  type        = number
  default     = 3600
}

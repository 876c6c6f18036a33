variable "region" {
  type        = string
  default     = "us-east-1"
  description = "AWS region"
}

variable "env" {
  type      = string
  sensitive = true
  nullable  = false
  validation {
    condition     = length(var.env) > 0
    error_message = "env must not be empty"
  }
}

variable "ports" {
  type = list(number)
}

variable "settings" {
  type = object({
    size = optional(number, 10)
    tags = optional(map(string))
    name = string
  })
}

variable "legacy" {
  type = "list"
}

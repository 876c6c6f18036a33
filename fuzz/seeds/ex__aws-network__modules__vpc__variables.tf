variable "name" {
  description = "Name prefix for the VPC and everything in it."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
}

variable "public_subnets" {
  description = "Map of availability zone to public subnet CIDR."
  type        = map(string)
}

variable "private_subnets" {
  description = "Map of availability zone to private subnet CIDR."
  type        = map(string)
  default     = {}
}

variable "nat_gateway_count" {
  description = "Number of NAT gateways: 0, 1 (shared) or one per public subnet."
  type        = number
  default     = 1

  validation {
    condition     = var.nat_gateway_count >= 0 && floor(var.nat_gateway_count) == var.nat_gateway_count
    error_message = "nat_gateway_count must be a non-negative whole number."
  }
}

variable "enable_dns_hostnames" {
  description = "Whether instances get public DNS hostnames."
  type        = bool
  default     = true
}

variable "security_groups" {
  description = "Security groups keyed by short name; see the root module for the shape."
  type = map(object({
    description = optional(string, "Managed by Terraform")
    ingress = optional(list(object({
      description = optional(string)
      from_port   = number
      to_port     = optional(number)
      protocol    = optional(string, "tcp")
      cidr_blocks = optional(list(string))
      self        = optional(bool, false)
    })), [])
    allow_all_egress = optional(bool, true)
  }))
  default = {}
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}

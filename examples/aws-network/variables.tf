variable "region" {
  description = "AWS region to deploy the network into."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "The region must look like an AWS region name, e.g. \"eu-west-1\"."
  }
}

variable "name" {
  description = "Name prefix for every network resource."
  type        = string
  default     = "platform"

  validation {
    condition     = length(var.name) <= 24 && can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "The name must start with a letter, contain only lowercase letters, digits and dashes, and be at most 24 characters long."
  }
}

variable "environment" {
  description = "Deployment environment."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be one of: dev, staging, prod."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be a valid IPv4 CIDR block of size /20 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zone suffixes to spread subnets across (appended to the region)."
  type        = list(string)
  default     = ["a", "b", "c"]

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "Provide at least two distinct availability zones."
  }
}

variable "nat_gateway_mode" {
  description = "\"none\", \"single\" (one shared NAT gateway) or \"per_az\" (one per availability zone)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["none", "single", "per_az"], var.nat_gateway_mode)
    error_message = "nat_gateway_mode must be \"none\", \"single\" or \"per_az\"."
  }
}

variable "security_groups" {
  description = "Security groups to create, keyed by a short name. Rules default to TCP from inside the VPC."
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
  description = "Extra tags applied to every resource."
  type        = map(string)
  default     = {}
}

# Renders one environment's service configuration from a template.

variable "name" {
  description = "Deployment name."
  type        = string
}

variable "environment" {
  description = "Environment this configuration is for."
  type        = string
}

variable "replicas" {
  description = "How many replicas to run."
  type        = number
}

variable "output_dir" {
  description = "Directory the rendered file is written to."
  type        = string
}

variable "features" {
  description = "Feature flags, on or off."
  type        = map(bool)
  default     = {}
}

resource "local_file" "config" {
  filename        = "${var.output_dir}/${var.environment}/service.conf"
  file_permission = "0644"
  content = templatefile("${path.module}/templates/service.conf.tftpl", {
    name        = var.name
    environment = var.environment
    replicas    = var.replicas
    features    = var.features
  })
}

output "config_file" {
  description = "Path of the rendered configuration."
  value       = local_file.config.filename
}

variable "on" {
  type    = bool
  default = true
}

locals {
  v = var.on ? "yes" : {}
}

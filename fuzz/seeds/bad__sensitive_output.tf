variable "password" {
  type      = string
  sensitive = true
  default   = "x"
}

output "password" {
  value = var.password
}

variable "cidr_block" {
  type = string
}

output "id" {
  value = var.cidr_block
}

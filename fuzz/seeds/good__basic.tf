variable "n" {
  type = number
  default = 2
}

resource "terraform_data" "a" {
  count = var.n
  input = "x-${count.index}"
}

output "ids" {
  value = terraform_data.a[*].id
}

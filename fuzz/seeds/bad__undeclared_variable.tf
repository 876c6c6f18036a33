variable "region" {
  type    = string
  default = "eu-west-1"
}

resource "terraform_data" "a" {
  input = var.regoin
}

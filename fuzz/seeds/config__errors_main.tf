resourc "aws_x" "a" {
}

resource "aws_x" {
}

resource "aws_x" "1bad" {
}

resource "aws_x" "y" {
}

resource "aws_x" "y" {
}

resource "aws_x" "z" {
  count    = 1
  for_each = {}
}

variable "v" {
  foo = 1
}

variable "v" {}

output "o" {}

module "m" {}

locals {
  a = 1
}
locals {
  a = 2
}

variable "t" {
  type = strin
}

output "o2" {
  value    = 1
  sensitiv = true
}

resource "aws_x" "w" {
  lifecycle {
    foo = true
  }
}

terraform {
  bar = 1
}

variable "count" {}

module "bad name" {
  source = "./x"
}

output "o2" {
  value = 2
}

module "m3" {
  source = "./x"
}

module "m3" {
  source = "./x"
}

provider "aws" {}

provider "aws" {}

data "aws_y" "d" {}

data "aws_y" "d" {}

variable "extra" "label" {}

resource "aws_x" "deps" {
  depends_on = [aws_x.y.id[var.i], "aws_x.z"]
}

check "c" {}

moved {
  from = aws_x.a
}

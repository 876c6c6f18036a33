terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = "~> 5.0"
      configuration_aliases = [aws.west]
    }
    random = "~> 3.0"
  }
  backend "s3" {
    bucket = "state"
    key    = "prod/terraform.tfstate"
  }
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
  assume_role {
    role_arn = "arn:aws:iam::1:role/x"
  }
}

locals {
  name = "app-${var.env}"
  tags = { Name = local.name }
}

resource "aws_instance" "web" {
  count         = 2
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"
  provider      = aws.west
  depends_on    = [aws_vpc.main, module.net]

  ebs_block_device {
    device_name = "/dev/sdb"
  }

  dynamic "ingress" {
    for_each = var.ports
    iterator = port
    content {
      from_port = port.value
    }
  }

  lifecycle {
    create_before_destroy = true
    prevent_destroy       = false
    ignore_changes        = [tags, ami]
    replace_triggered_by  = [aws_vpc.main.id]
    precondition {
      condition     = var.env != ""
      error_message = "env must be set"
    }
    postcondition {
      condition     = self.id != ""
      error_message = "no id"
    }
  }

  connection {
    host = self.public_ip
  }

  provisioner "local-exec" {
    command = "echo hi"
    when    = destroy
  }
}

resource "aws_vpc" "main" {
  for_each   = toset(["a", "b"])
  cidr_block = "10.0.0.0/16"
  lifecycle {
    ignore_changes = all
  }
}

data "aws_ami" "ubuntu" {
  most_recent = true
}

module "net" {
  source    = "./modules/net"
  providers = {
    aws      = aws.west
    aws.east = aws
  }
  cidr = "10.0.0.0/16"
}

output "ip" {
  value       = aws_instance.web[0].public_ip
  description = "The IP"
  sensitive   = true
  depends_on  = [aws_instance.web]
  precondition {
    condition     = true
    error_message = "never"
  }
}

check "health" {
  data "http" "site" {
    url = "https://example.com"
  }
  assert {
    condition     = data.http.site.status_code == 200
    error_message = "down"
  }
}

import {
  to = aws_vpc.main["a"]
  id = "vpc-123"
}

moved {
  from = aws_instance.old
  to   = aws_instance.web
}

removed {
  from = aws_instance.gone
  lifecycle {
    destroy = false
  }
}

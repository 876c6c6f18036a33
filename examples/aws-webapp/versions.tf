terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

# Credentials and endpoints come from the environment (the standard AWS
# chain): real AWS with a profile or role, or a local AWS-API server such as
# moto with AWS_ENDPOINT_URL=http://127.0.0.1:5000.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "cairn"
    }
  }
}

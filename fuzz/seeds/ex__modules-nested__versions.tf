terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
  }
}

provider "aws" {
  region = var.primary_region
}

# Disaster-recovery copies of each service's resources live in a second region.
provider "aws" {
  alias  = "dr"
  region = var.dr_region
}

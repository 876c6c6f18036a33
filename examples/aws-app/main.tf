data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }

  lifecycle {
    postcondition {
      condition     = self.architecture == "x86_64" && self.root_device_type == "ebs"
      error_message = "The selected AMI must be an EBS-backed x86_64 image."
    }
  }
}

module "artifacts" {
  source = "./modules/s3-bucket"

  bucket_prefix      = "${local.name_prefix}-artifacts-"
  versioning_enabled = true
  force_destroy      = false
  access_log_bucket  = var.enable_access_logs ? aws_s3_bucket.access_logs[0].id : null

  noncurrent_version_expiration_days = 90
}

resource "aws_s3_bucket" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket_prefix = "${local.name_prefix}-access-logs-"
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket                  = aws_s3_bucket.access_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

module "app_role" {
  source = "./modules/iam-role"

  name                    = "${local.name_prefix}-app"
  trusted_services        = ["ec2.amazonaws.com"]
  create_instance_profile = true

  managed_policy_arns = [
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  ]

  inline_statements = [
    {
      sid       = "ReadArtifacts"
      actions   = ["s3:GetObject", "s3:ListBucket"]
      resources = [module.artifacts.bucket_arn, "${module.artifacts.bucket_arn}/*"]
    },
    {
      sid       = "WriteLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["arn:aws:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/${var.app_name}/*"]
    },
  ]
}

resource "aws_security_group" "app" {
  name_prefix = "${local.name_prefix}-app-"
  description = "Application instances"

  ingress {
    description = "Application traffic"
    from_port   = var.app_port
    to_port     = var.app_port
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_instance" "app" {
  for_each = local.instances

  ami                    = local.ami_id
  instance_type          = each.value.instance_type
  subnet_id              = each.value.subnet_id
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile   = module.app_role.instance_profile_name
  monitoring             = each.value.monitoring

  user_data = templatefile("${path.module}/templates/user_data.sh.tftpl", {
    app_name            = var.app_name
    environment         = each.key
    port                = var.app_port
    env_vars            = each.value.env
    ssh_authorized_keys = var.ssh_authorized_keys
    database_password   = var.database_password
  })
  user_data_replace_on_change = true

  metadata_options {
    http_tokens   = "required"
    http_endpoint = "enabled"
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = each.value.volume_size
    encrypted   = true
  }

  tags = {
    Name        = each.value.name
    Environment = each.key
  }

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [ami, tags["LastPatched"]]

    precondition {
      condition     = !startswith(each.value.instance_type, "t2.")
      error_message = "t2 instance types do not support the required IMDSv2 and gp3 settings; use t3 or newer."
    }

    postcondition {
      condition     = self.root_block_device[0].encrypted
      error_message = "The root volume of ${each.value.name} must be encrypted."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "cpu" {
  for_each = { for env, cfg in local.instances : env => cfg if cfg.monitoring }

  alarm_name          = "${each.value.name}-cpu-high"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 3
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 300
  statistic           = "Average"
  threshold           = 80
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    InstanceId = aws_instance.app[each.key].id
  }
}

check "artifact_bucket_is_private" {
  assert {
    condition     = module.artifacts.public_access_blocked
    error_message = "The artifact bucket ${module.artifacts.bucket_name} must block all public access."
  }
}

# The bucket used to be declared in this root module; it now lives in the
# reusable module. The moved block keeps the existing bucket.
moved {
  from = aws_s3_bucket.artifacts
  to   = module.artifacts.aws_s3_bucket.this
}

# Before environments existed there was a single instance.
moved {
  from = aws_instance.app_server
  to   = aws_instance.app["prod"]
}

# The alerts topic was created by hand during an incident; adopt it.
import {
  to = aws_sns_topic.alerts
  id = "arn:aws:sns:${var.region}:123456789012:${var.app_name}-alerts"
}

module "config" {
  source   = "./modules/app-config"
  for_each = var.environments

  path_prefix = "/${var.app_name}/${each.key}"
  settings    = local.instances[each.key].env
  secrets = {
    DATABASE_PASSWORD = var.database_password
  }
}

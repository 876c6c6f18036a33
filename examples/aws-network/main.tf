module "vpc" {
  source = "./modules/vpc"

  name            = "${var.name}-${var.environment}"
  cidr_block      = var.vpc_cidr
  public_subnets  = local.public_subnets
  private_subnets = local.private_subnets

  nat_gateway_count = (
    var.nat_gateway_mode == "none" ? 0 :
    var.nat_gateway_mode == "single" ? 1 :
    length(local.azs)
  )

  security_groups = var.security_groups

  tags = {
    FlowLogs = tostring(local.settings.flow_logs)
  }
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = local.settings.flow_logs ? 1 : 0

  name              = "/aws/vpc/${var.name}-${var.environment}/flow-logs"
  retention_in_days = local.settings.log_retention_days
}

data "aws_iam_policy_document" "flow_logs_assume" {
  count = local.settings.flow_logs ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  count = local.settings.flow_logs ? 1 : 0

  name_prefix        = "${var.name}-flow-logs-"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume[0].json
}

resource "aws_flow_log" "vpc" {
  count = local.settings.flow_logs ? 1 : 0

  vpc_id               = module.vpc.vpc_id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn         = aws_iam_role.flow_logs[0].arn
}

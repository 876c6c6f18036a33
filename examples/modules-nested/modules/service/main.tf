module "naming" {
  source   = "./modules/naming"
  for_each = var.components

  organization = var.organization
  environment  = var.environment
  service      = var.name
  component    = each.key
}

# A service-level name (no component), used for the shared parameter.
module "service_name" {
  source = "./modules/naming"
  count  = 1

  organization = var.organization
  environment  = var.environment
  service      = var.name
}

locals {
  tags = merge(module.service_name[0].tags, {
    Team = var.team
  })
  retention_seconds = var.retention_hours * 3600
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = var.components

  name                      = "${module.naming[each.key].name}-dlq"
  message_retention_seconds = 1209600
  tags                      = merge(local.tags, module.naming[each.key].tags)
}

resource "aws_sqs_queue" "this" {
  for_each = var.components

  name                      = module.naming[each.key].name
  message_retention_seconds = local.retention_seconds
  sqs_managed_sse_enabled   = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = 5
  })

  tags = merge(local.tags, module.naming[each.key].tags)
}

resource "aws_sqs_queue" "dr" {
  for_each = var.replicate ? var.components : toset([])
  provider = aws.dr

  name                      = module.naming[each.key].name
  message_retention_seconds = local.retention_seconds
  sqs_managed_sse_enabled   = true

  tags = merge(local.tags, module.naming[each.key].tags, { Role = "dr-replica" })
}

resource "aws_ssm_parameter" "queues" {
  name = "/${module.service_name[0].path}/queues"
  type = "String"
  value = jsonencode({
    primary = { for c, q in aws_sqs_queue.this : c => q.url }
    dr      = { for c, q in aws_sqs_queue.dr : c => q.url }
  })
  tags = local.tags
}

module "service" {
  source   = "./modules/service"
  for_each = var.services

  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  name            = each.key
  organization    = var.organization
  environment     = var.environment
  team            = each.value.team
  components      = each.value.components
  replicate       = each.value.replicate
  retention_hours = each.value.retention_hours
}

# A canary deployment runs in the DR region with the primary region as its
# replica target, so the provider configurations are swapped.
module "canary" {
  source = "./modules/service"
  count  = var.enable_canary ? 1 : 0

  providers = {
    aws    = aws.dr
    aws.dr = aws
  }

  name         = "billing-canary"
  organization = var.organization
  environment  = "canary"
  team         = var.services["billing"].team
  components   = ["invoices"]
  replicate    = false
}

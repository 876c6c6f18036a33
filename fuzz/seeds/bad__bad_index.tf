locals {
  zones = ["a", "b"]
  third = local.zones[2]
}

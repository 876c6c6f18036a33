# HCL evaluates both arms of a conditional but only reports diagnostics from
# the arm that is selected (hclsyntax ConditionalExpr.Value). Terraform
# accepts this; cairn reports the error from index() in the arm not taken.
locals {
  l = ["a"]
  i = contains(local.l, "b") ? index(local.l, "b") : 0
}

output "i" {
  value = local.i
}

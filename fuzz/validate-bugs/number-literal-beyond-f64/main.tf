# Terraform number literals are arbitrary precision (parsed into 512-bit
# floats), so 1e400 is a valid literal, and tonumber("1e400") works in cairn
# too. cairn's parser (hcl-edit, which reads number literals as f64) rejects
# the literal: "Invalid syntax: expected newline or eof" at the "e".
locals {
  huge = 1e400
}

output "is_bigger" {
  value = local.huge > tonumber("1e399")
}

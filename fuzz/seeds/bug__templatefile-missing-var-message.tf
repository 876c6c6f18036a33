# The template uses ${port}, which is not in the vars map. This is an error in
# Terraform too, but Terraform says:
#   Invalid value for "vars" parameter: vars map does not contain key "port",
#   referenced at ./greeting.tftpl:1:24.
# cairn instead reports "Invalid reference: A reference to a resource type
# must be followed by at least one attribute access, specifying the resource
# name.", which points the user at resources, not at the missing variable.
output "greeting" {
  value = templatefile("${path.module}/greeting.tftpl", { name = "world" })
}

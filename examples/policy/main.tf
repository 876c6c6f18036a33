# A configuration to try the example policies on; it needs nothing but
# cairn's built-in providers. Create it, then plan a change that deletes the
# production database and replaces the server:
#
#   cairn apply examples/policy
#   cairn plan -var keep_database=false -var server_image=image-2 \
#     --policy examples/policy examples/policy
#
# The plan is denied (main.deny: a production resource deleted) and warned
# about (main.warn_replace: random_pet.server replaced).

variable "keep_database" {
  description = "Set to false to plan the deletion of the production database."
  type        = bool
  default     = true
}

variable "server_image" {
  description = "Changing the image replaces the server."
  type        = string
  default     = "image-1"
}

resource "terraform_data" "prod_database" {
  count = var.keep_database ? 1 : 0
  input = "orders"
}

resource "random_pet" "server" {
  keepers = {
    image = var.server_image
  }
}

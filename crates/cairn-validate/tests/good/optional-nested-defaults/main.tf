# Terraform applies nested optional() defaults to a parent attribute's default
# value: var.buckets[0].website is {index_document = "index.html",
# error_document = "error.html", routing_rules = null} (this is the example in
# Terraform's type-constraints documentation). cairn leaves every nested
# attribute null, so upper() fails on a null argument.
variable "buckets" {
  type = list(object({
    name    = string
    enabled = optional(bool, true)
    website = optional(object({
      index_document = optional(string, "index.html")
      error_document = optional(string, "error.html")
      routing_rules  = optional(string)
    }), {})
  }))
  default = [{ name = "test" }]
}

output "index_document" {
  value = upper(var.buckets[0].website.index_document)
}

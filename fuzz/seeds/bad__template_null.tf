locals {
  name = "web-${null}"
}

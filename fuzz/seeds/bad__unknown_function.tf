locals {
  name = upperr("x")
}

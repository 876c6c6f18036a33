locals {
  n = 1 + "one"
}

locals {
  name = upper("a", "b")
  other = join(",")
}

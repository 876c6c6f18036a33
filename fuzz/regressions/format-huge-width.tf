locals {
  x = format("%-9223372036854775807d", 1)
}

locals {
  x = format("%.9223372036854775807f", 1)
}

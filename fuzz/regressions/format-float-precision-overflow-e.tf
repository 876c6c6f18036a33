locals {
  x = format("%.9223372036854775807e", 1)
}

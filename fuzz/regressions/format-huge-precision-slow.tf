locals {
  x = format("%.99999999f", 1)
}

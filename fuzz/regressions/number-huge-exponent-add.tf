locals {
  x = tonumber("1e9999999") + 1
}

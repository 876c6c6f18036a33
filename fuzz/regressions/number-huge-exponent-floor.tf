locals {
  x = floor(tonumber("1e99999999"))
}

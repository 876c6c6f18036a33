locals {
  x = format("%1000001é", 1)
}

locals {
  a = 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300
  b = local.a * local.a * local.a * local.a * local.a * local.a * local.a * local.a * local.a * local.a
  c = local.b * local.b * local.b * local.b * local.b * local.b * local.b * local.b * local.b * local.b
  d = local.c * local.c * local.c * local.c * local.c * local.c * local.c * local.c * local.c * local.c
  e = local.d + 1
}

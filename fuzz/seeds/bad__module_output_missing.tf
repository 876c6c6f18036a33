module "net" {
  source = "./net"
}

output "x" {
  value = module.net.nope
}

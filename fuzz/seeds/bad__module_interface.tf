module "net" {
  source = "./net"
  cidr_blok = "10.0.0.0/16"
}

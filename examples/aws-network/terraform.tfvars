name        = "platform"
environment = "staging"
vpc_cidr    = "10.20.0.0/16"

availability_zones = ["a", "b", "c"]
nat_gateway_mode   = "per_az"

tags = {
  CostCenter = "platform-engineering"
  Owner      = "network-team"
}

security_groups = {
  web = {
    description = "Public HTTP(S) load balancer"
    ingress = [
      { description = "HTTPS from anywhere", from_port = 443, cidr_blocks = ["0.0.0.0/0"] },
      { description = "HTTP redirect", from_port = 80, cidr_blocks = ["0.0.0.0/0"] },
    ]
  }

  app = {
    description = "Application servers"
    ingress = [
      { from_port = 8080, to_port = 8090 },
      { description = "Cluster gossip", from_port = 7946, protocol = "udp", self = true },
    ]
  }

  bastion = {
    ingress = [
      { description = "SSH from the office", from_port = 22, cidr_blocks = ["203.0.113.0/24"] },
    ]
    allow_all_egress = false
  }
}

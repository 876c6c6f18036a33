locals {
  public_azs  = sort(keys(var.public_subnets))
  private_azs = sort(keys(var.private_subnets))

  # NAT gateways live in the first N public subnets; every private subnet is
  # routed through the gateway in its own AZ, or the first one when shared.
  nat_azs = slice(local.public_azs, 0, min(var.nat_gateway_count, length(local.public_azs)))
  nat_index_for_az = {
    for az in local.private_azs : az => lookup(zipmap(local.nat_azs, range(length(local.nat_azs))), az, 0)
  }

  # Every (private route table, destination) pair that needs a route, built
  # with setproduct so additional destinations only need a list entry.
  private_route_destinations = ["0.0.0.0/0"]
  private_routes = length(local.nat_azs) == 0 ? {} : {
    for pair in setproduct(local.private_azs, local.private_route_destinations) :
    "${pair[0]}|${pair[1]}" => {
      az          = pair[0]
      destination = pair[1]
    }
  }
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = var.enable_dns_hostnames

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-igw" })
}

resource "aws_subnet" "public" {
  for_each = var.public_subnets

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = each.value
  map_public_ip_on_launch = true

  tags = merge(var.tags, {
    Name = "${var.name}-public-${each.key}"
    Tier = "public"
  })
}

resource "aws_subnet" "private" {
  for_each = var.private_subnets

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value

  tags = merge(var.tags, {
    Name = "${var.name}-private-${each.key}"
    Tier = "private"
  })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  count = length(local.nat_azs)

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${local.nat_azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = length(local.nat_azs)

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[local.nat_azs[count.index]].id

  tags = merge(var.tags, { Name = "${var.name}-nat-${local.nat_azs[count.index]}" })
}

resource "aws_route_table" "private" {
  for_each = var.private_subnets

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.private_routes

  route_table_id         = aws_route_table.private[each.value.az].id
  destination_cidr_block = each.value.destination
  nat_gateway_id         = aws_nat_gateway.this[local.nat_index_for_az[each.value.az]].id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[each.key].id
}

resource "aws_security_group" "this" {
  for_each = var.security_groups

  name_prefix = "${var.name}-${each.key}-"
  description = each.value.description
  vpc_id      = aws_vpc.this.id

  dynamic "ingress" {
    for_each = each.value.ingress
    iterator = rule

    content {
      description = coalesce(rule.value.description, "${each.key} rule ${rule.key}")
      from_port   = rule.value.from_port
      to_port     = coalesce(rule.value.to_port, rule.value.from_port)
      protocol    = rule.value.protocol
      cidr_blocks = rule.value.self ? null : coalesce(rule.value.cidr_blocks, [var.cidr_block])
      self        = rule.value.self ? true : null
    }
  }

  dynamic "egress" {
    for_each = each.value.allow_all_egress ? [1] : []

    content {
      description      = "All outbound traffic"
      from_port        = 0
      to_port          = 0
      protocol         = "-1"
      cidr_blocks      = ["0.0.0.0/0"]
      ipv6_cidr_blocks = ["::/0"]
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    create_before_destroy = true
  }
}

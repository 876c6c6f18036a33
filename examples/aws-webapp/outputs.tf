output "vpc_id" {
  value = aws_vpc.main.id
}

output "public_subnet_ids" {
  value = [for k, s in aws_subnet.this : s.id if local.subnets[k].public]
}

output "private_subnet_ids" {
  value = [for k, s in aws_subnet.this : s.id if !local.subnets[k].public]
}

output "instance_id" {
  value = aws_instance.web.id
}

output "instance_public_ip" {
  value = aws_instance.web.public_ip
}

output "assets_bucket" {
  value = aws_s3_bucket.assets.bucket
}

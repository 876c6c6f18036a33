output "id" {
  value = terraform_data.missing.id
}

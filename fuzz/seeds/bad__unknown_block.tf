resourc "terraform_data" "a" {
}

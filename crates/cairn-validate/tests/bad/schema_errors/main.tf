resource "terraform_data" "a" {
  inputt = "x"
}

resource "random_id" "b" {
  prefix = "p-"
}

resource "random_pet" "c" {
  id = "fixed"
}

resource "random_foo" "d" {
}

resource "local_file" "e" {
  filename = "x"
  content  = 5
  file_permission = ["0644"]
}

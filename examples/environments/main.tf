# One configuration, two environments: `cairn plan -env dev` and
# `cairn plan -env prod` read env/dev.tfvars or env/prod.tfvars (see
# cairn.hcl) and keep separate state (terraform.workspace is the
# environment's name).

variable "replicas" {
  type        = number
  description = "How many app instances to run."
}

variable "greeting" {
  type    = string
  default = "hello"
}

resource "random_pet" "app" {
  keepers = {
    environment = terraform.workspace
  }
}

resource "local_file" "instance" {
  count           = var.replicas
  filename        = "${path.module}/out/${terraform.workspace}/instance-${count.index}.txt"
  content         = "${var.greeting} from ${random_pet.app.id} (${terraform.workspace} #${count.index})\n"
  file_permission = "0644"
}

output "instances" {
  value = [for f in local_file.instance : f.filename]
}

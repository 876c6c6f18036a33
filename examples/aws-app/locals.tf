locals {
  name_prefix = "${var.app_name}-${data.aws_region.current.name}"

  ami_id = coalesce(var.ami_id, data.aws_ami.al2023.id)

  # Environment variables rendered into every instance's env file. The
  # environment's own map wins over the shared defaults.
  base_env = {
    APP_NAME = var.app_name
    APP_PORT = tostring(var.app_port)
    BUCKET   = module.artifacts.bucket_name
  }

  instances = {
    for env, cfg in var.environments : env => merge(cfg, {
      name = "${var.app_name}-${env}"
      env  = merge(local.base_env, { ENVIRONMENT = env }, cfg.extra_env)
    })
  }
}

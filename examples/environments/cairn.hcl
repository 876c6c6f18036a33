# Project settings for both environments.

policy {
  fail_on = "high"
}

environment "dev" {
  var_files = ["env/dev.tfvars"]
}

# prod is protected: `cairn apply` takes only a saved plan that two of the
# reviewers below approved with `cairn approve PLAN`. These are example
# keys; put your reviewers' `cairn keygen` lines here.
environment "prod" {
  var_files = ["env/prod.tfvars"]
  protected = true

  approvals {
    required  = 2
    reviewers = [
      "cairn-ed25519 dFQP3KaHbyiCpZjSBQAqtLNtfCxW1PVN8+RBYYWW0aI= alice",
      "cairn-ed25519 cmiOyx8pbU6gjJjQ6cFTVFzH0sxssJV2DYSGzVUUDrw= bob",
    ]
  }
}

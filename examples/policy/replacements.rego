# Warn when the plan replaces a resource (destroys it and creates a new
# one). Warnings are low severity and do not fail `cairn plan` at the default
# `--fail-on high`; replacing a resource that holds data is reported as
# medium, so that `--fail-on medium` stops it.
package main

import rego.v1

# Resource types whose objects hold data that a replacement loses.
stateful_types := {
	"aws_db_instance",
	"aws_dynamodb_table",
	"aws_ebs_volume",
	"aws_efs_file_system",
	"aws_elasticache_cluster",
	"aws_rds_cluster",
	"aws_s3_bucket",
}

replaced(rc) if {
	"delete" in rc.change.actions
	"create" in rc.change.actions
}

replace_severity(rc) := "medium" if {
	rc.type in stateful_types
} else := "low"

# Terraform says why in `action_reason` (a changed argument that forces
# replacement, `-replace`, a tainted object).
reason(rc) := sprintf(" (%s)", [rc.action_reason]) if {
	rc.action_reason
} else := ""

# The conftest-style name `warn_<name>` makes the rule ID `main.warn_replace`.
warn_replace contains msg if {
	some rc in input.resource_changes
	replaced(rc)
	msg := {
		"msg": sprintf("%s will be replaced%s", [rc.address, reason(rc)]),
		"address": rc.address,
		"severity": replace_severity(rc),
		"fix": "Check that losing the old object is acceptable; create_before_destroy or a moved block can avoid it",
	}
}

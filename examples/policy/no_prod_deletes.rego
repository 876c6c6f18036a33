# Deny plans that delete a production resource.
#
# "Production" is guessed from two things a Terraform user controls: a word
# of the resource address (`aws_db_instance.prod_orders`,
# `module.production.aws_s3_bucket.data`) and an `env` or `environment` tag
# on the object being deleted. Replacing a resource deletes the old object,
# so replacements count too: add `create_before_destroy` or move the object
# instead.
#
# Copy this file into your `policy/` directory and adjust `prod_words`.
package main

import rego.v1

prod_words := {"prod", "production", "prd", "live"}

# The words of an address: `module.prod_db.aws_db_instance.main[0]` gives
# module, prod, db, aws, db, instance, main, 0.
address_words(address) := {word | some word in regex.split("[^a-z0-9]+", lower(address))}

looks_like_production(rc) if {
	some word in address_words(rc.address)
	word in prod_words
}

looks_like_production(rc) if {
	some key, value in rc.change.before.tags_all
	lower(key) in {"env", "environment"}
	lower(value) in prod_words
}

# Deny: a production resource deleted, alone or as part of a replacement.
deny contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	looks_like_production(rc)
	msg := {
		"msg": sprintf("%s looks like production and the plan deletes it", [rc.address]),
		"address": rc.address,
		"fix": "Keep the resource in the configuration, or remove it in a reviewed change that suppresses this finding",
	}
}

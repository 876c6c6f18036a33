# Require tags on every AWS resource the plan creates or updates.
#
# The tags checked are `tags_all`: the resource's own `tags` merged with the
# provider's `default_tags`, as the AWS provider plans them. Resources whose
# planned values have no `tags_all` attribute do not take tags and are left
# alone, so no list of taggable types is needed. When the tags are not
# known until apply (computed from another resource), the check is skipped.
#
# A package under `main` is read by default, like `main` itself.
package main.tags

import rego.v1

required_tags := {"owner", "team"}

changing(rc) if {
	some action in rc.change.actions
	action in {"create", "update"}
}

# Tag names in the planned values; none when `tags_all` is null.
planned_tag_names(after) := {name | some name, _ in after.tags_all} if is_object(after.tags_all)

planned_tag_names(after) := set() if not is_object(after.tags_all)

# `after_unknown` says `true` for a value known only after apply; a known
# map shows as `{}` there.
tags_unknown(rc) if rc.change.after_unknown.tags_all == true

deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "managed"
	startswith(rc.type, "aws_")
	changing(rc)
	"tags_all" in object.keys(rc.change.after)
	not tags_unknown(rc)
	missing := required_tags - planned_tag_names(rc.change.after)
	count(missing) > 0
	msg := {
		"msg": sprintf("%s has no %s tag", [rc.address, concat(", ", sort(missing))]),
		"address": rc.address,
		"path": ["tags"],
		"fix": sprintf("Add %s to the resource's tags or to the provider's default_tags", [concat(", ", sort(missing))]),
	}
}

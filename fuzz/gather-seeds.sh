#!/usr/bin/env bash
# Copies the repository's own configurations (examples, validation test
# cases, config fixtures, fuzz regressions) into corpus/repo, a flat seed
# directory for libFuzzer, so they are not kept twice in git.
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/repo
mkdir -p "$out"
find ../examples ../crates/cairn-validate/tests ../crates/cairn-config/tests/fixtures regressions validate-bugs \
  -type f \( -name '*.tf' -o -name '*.tf.json' -o -name '*.tfvars' -o -name '*.tftpl' \) |
while read -r f; do
  name=$(echo "${f#../}" | tr '/' '_')
  cp "$f" "$out/$name"
done
echo "$(ls "$out" | wc -l) seeds in $out"

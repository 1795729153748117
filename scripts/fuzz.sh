#!/usr/bin/env bash
# Runs each fuzz target of the module for the given time (default 60s), one
# after the other, and stops at the first finding. FUZZPARALLEL sets the
# number of fuzzing workers (default: all cores).
set -euo pipefail
fuzztime=${1:-60s}
shift || true
cd "$(dirname "$0")/.."
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
par=()
[ -n "${FUZZPARALLEL:-}" ] && par=(-parallel "$FUZZPARALLEL")
for pkg in $(go list "${pkgs[@]}"); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $target for $fuzztime"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "${par[@]}" "$pkg" 2>&1 | tail -3
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz: FINDING in $pkg $target"; exit 1; }
  done
done
echo "fuzz: every target ran $fuzztime without a finding"

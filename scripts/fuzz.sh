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
    log=$(mktemp)
    if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "${par[@]}" "$pkg" >"$log" 2>&1; then
      tail -2 "$log"
    else
      tail -40 "$log"
      echo "fuzz: FAILED in $pkg $target (a finding is saved under testdata/fuzz/$target)"
      failed=1
    fi
    rm -f "$log"
  done
done
[ "${failed:-0}" -eq 0 ] || exit 1
echo "fuzz: every target ran $fuzztime without a finding"

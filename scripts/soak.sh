#!/usr/bin/env bash
# The UI soak test (docs/soak.md): the real kiosk binary under Xvfb, with the
# demo's simulators, plays SESSIONS whole patron sessions of mixed kinds from
# a generated scenario and samples its own memory every EVERY sessions. It
# fails when the heap after GC grows by more than 5 MB, or the RSS by more
# than 10 %, from session 50 to the end, and prints the samples as a table.
#
#   scripts/soak.sh                       # 500 sessions, seed 1
#   SESSIONS=100 MIN=100 SEED=7 scripts/soak.sh
#   KIOSK_BIN=/tmp/old-kiosk scripts/soak.sh   # judge another build
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-500}
EVERY=${EVERY:-50}
SEED=${SEED:-1}
MIN=${MIN:-$SESSIONS}
OUT=${OUT:-soak-out}
WAIT=${WAIT:-60s}
KIOSK_BIN=${KIOSK_BIN:-bin/kiosk}

if [ "$KIOSK_BIN" = bin/kiosk ]; then
  echo "soak: building bin/kiosk"
  mkdir -p bin
  go build -tags gles -o bin/kiosk ./cmd/kiosk
fi
rm -rf "$OUT"
mkdir -p "$OUT"
go run ./internal/soak/cmd gen -seed "$SEED" -sessions "$SESSIONS" -every "$EVERY" -idle 15 >"$OUT/soak.txt"

mkdir -p "${HOME:-/tmp}/.cache"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
. scripts/xvfb.sh
start_xvfb

echo "soak: playing $SESSIONS sessions (seed $SEED) on virtual display $xvfb_display; log in $OUT/kiosk.log"
start=$(date +%s)
status=0
"$KIOSK_BIN" --demo -config demo/soak.toml --script "$OUT/soak.txt" --shots "$OUT" --wait "$WAIT" 2>"$OUT/kiosk.log" || status=$?
end=$(date +%s)
echo "soak: played for $((end - start)) s"
if [ "$status" -ne 0 ]; then
  echo "soak: the kiosk stopped early (exit $status); last lines of $OUT/kiosk.log:" >&2
  tail -n 5 "$OUT/kiosk.log" >&2 || true
fi
if [ -f "$OUT/memstats.tsv" ]; then
  go run ./internal/soak/cmd check -min "$MIN" "$OUT/memstats.tsv" || status=1
else
  echo "soak: no samples written" >&2
  status=1
fi
exit "$status"

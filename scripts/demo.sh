#!/usr/bin/env bash
# Builds the kiosk and runs the demo. With a display it opens the kiosk and
# the simulator panel. Without one it starts a virtual X server (Xvfb),
# plays the bundled walkthrough of every screen in Danish and English, and
# prints where the screenshots and receipt images are.
#
#   scripts/demo.sh                 # as above
#   SCRIPT=my.txt OUT=dir scripts/demo.sh   # another scenario / output directory
#   WAIT=2m scripts/demo.sh                  # the shortest timeout of every wait
set -euo pipefail
cd "$(dirname "$0")/.."

SCRIPT=${SCRIPT:-demo/walkthrough.txt}
OUT=${OUT:-demo-out}
# On a loaded two-core machine (a build or the tests running beside the
# demo) an item can take well over the player's 15 s default to register.
# A wait ends as soon as its screen is there, so a generous timeout costs a
# quiet machine nothing and only keeps a busy one from failing the run.
WAIT=${WAIT:-60s}

echo "demo: building bin/kiosk (the first build takes a minute or two)"
mkdir -p bin
go build -tags gles -o bin/kiosk ./cmd/kiosk

# Fyne needs a writable cache directory.
mkdir -p "${HOME:-/tmp}/.cache"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}

if [ -n "${DISPLAY:-}" ] && [ -z "${HEADLESS:-}" ]; then
  exec bin/kiosk --demo
fi

if ! command -v Xvfb >/dev/null; then
  echo "demo: no display and no Xvfb; install xvfb (scripts/setup-deps.sh)" >&2
  exit 1
fi

. scripts/xvfb.sh
start_xvfb

rm -rf "$OUT"
mkdir -p "$OUT"
echo "demo: playing $SCRIPT on virtual display $xvfb_display"
status=0
bin/kiosk --demo -config demo/demo.toml --script "$SCRIPT" --shots "$OUT" --wait "$WAIT" 2>"$OUT/kiosk.log" || status=$?
kill "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
trap - EXIT

shots=$(find "$OUT" -name '[0-9]*.png' | wc -l)
receipts=$(find "$OUT" -name 'receipt-*.png' | wc -l)
echo "demo: $shots screenshots and $receipts receipt images in $(cd "$OUT" && pwd)"
if [ "$status" -ne 0 ]; then
  echo "demo: the walkthrough stopped early; see $OUT/kiosk.log" >&2
  tail -n 5 "$OUT/kiosk.log" >&2 || true
fi
exit "$status"

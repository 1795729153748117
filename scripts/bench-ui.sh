#!/usr/bin/env bash
# The UI rows of `make bench`: the kiosk window against a bare Fyne window
# (internal/uibench/bare) built the same way (-tags gles) and shown on the
# same virtual display, one after the other:
#
#   ui_idle_rss      resident memory after IDLE seconds on the first screen
#   ui_first_frame   process start to the first painted frame with content
#   ui_key_to_dot    PIN key press to the dot rendered, and to a frame holding it
#   ui_scan_to_pin   card scan to the PIN screen rendered
#
# The kiosk runs the demo (its simulators in the same process) and plays
# demo/bench-ui.txt; the bare window just shows a label.
set -euo pipefail
cd "$(dirname "$0")/.."

IDLE=${IDLE:-10}
OUT=${OUT:-$(mktemp -d)}
mkdir -p bin "$OUT"
go build -tags gles -o bin/kiosk ./cmd/kiosk
go build -tags gles -o bin/bare-window ./internal/uibench/bare

mkdir -p "${HOME:-/tmp}/.cache"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
. scripts/xvfb.sh
start_xvfb

# rss_mb PID: the resident set of a running process, in MB.
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# The bare window.
t0=$(date +%s%N)
bin/bare-window >"$OUT/bare.txt" 2>"$OUT/bare.log" &
bare=$!
sleep "$IDLE"
bare_rss=$(rss_mb "$bare")
kill "$bare"
wait "$bare" 2>/dev/null || true
bare_ff=$(sed -n 's/^first_frame_unix_ns=//p' "$OUT/bare.txt")
if [ -z "$bare_ff" ]; then
  echo "bench-ui: the bare window painted no frame; see $OUT/bare.log" >&2
  exit 1
fi
bare_first_ms=$(( (bare_ff - t0) / 1000000 ))

# The kiosk.
t0=$(date +%s%N)
bin/kiosk --demo -config demo/demo.toml --script demo/bench-ui.txt --shots "$OUT" --wait 60s 2>"$OUT/kiosk.log" &
kiosk=$!
sleep "$IDLE"
kiosk_rss=$(rss_mb "$kiosk")
status=0
wait "$kiosk" || status=$?
if [ "$status" -ne 0 ]; then
  echo "bench-ui: the kiosk's benchmark scenario failed; see $OUT/kiosk.log" >&2
  tail -n 3 "$OUT/kiosk.log" >&2
  exit 1
fi
kiosk_ff=$(sed -n 's/^first_frame_unix_ns=//p' "$OUT/bench.txt")
kiosk_first_ms=$(( (kiosk_ff - t0) / 1000000 ))

echo "# ui: kiosk = bin/kiosk --demo (simulators in the process) on the welcome screen; bare = internal/uibench/bare; both -tags gles on Xvfb $DISPLAY."
awk -v k="$kiosk_rss" -v b="$bare_rss" -v s="$IDLE" 'BEGIN { printf "ui_idle_rss after_s=%d kiosk_mb=%.1f bare_mb=%.1f ratio=%.2f\n", s, k, b, k / b }'
awk -v k="$kiosk_first_ms" -v b="$bare_first_ms" 'BEGIN { printf "ui_first_frame kiosk_ms=%d bare_ms=%d ratio=%.2f\n", k, b, k / b }'
sed -n '/^key_to_render/ { s/^key_to_render_ms_p50=/ui_key_to_dot render_ms_p50=/; s/ key_to_render_ms_p95=/ render_ms_p95=/; s/ key_to_frame_ms_p50=/ frame_ms_p50=/; s/ key_to_frame_ms_p95=/ frame_ms_p95=/; p }' "$OUT/bench.txt"
sed -n 's/^scan_to_pin_ms_p50=\([^ ]*\) scan_to_pin_ms_p95=\([^ ]*\) scans=\(.*\)/ui_scan_to_pin ms_p50=\1 ms_p95=\2 scans=\3/p' "$OUT/bench.txt"

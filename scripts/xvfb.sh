# Sourced by the scripts that run the kiosk on a virtual display (demo.sh,
# soak.sh, bench-ui.sh): start_xvfb starts Xvfb at 1920x1080 on the first
# free display number, waits for its socket, sets DISPLAY, xvfb (its pid)
# and xvfb_display, and stops it when the script exits.

start_xvfb() {
  local n=99
  while [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ]; do
    n=$((n + 1))
  done
  Xvfb ":${n}" -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill "$xvfb" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    [ -e "/tmp/.X11-unix/X${n}" ] && break
    sleep 0.1
  done
  xvfb_display=":${n}"
  export DISPLAY="$xvfb_display"
}

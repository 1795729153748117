#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need, and only
# when one of them is missing, so a second run costs a dpkg query and nothing else.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config make git
  # Fyne (GLFW, OpenGL ES) build headers.
  libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
  libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
  # gousb links libusb.
  libusb-1.0-0-dev
  # The sound cues (sound/, through oto) link ALSA.
  libasound2-dev
  # Headless demo and screenshots.
  xvfb xauth x11-apps imagemagick fonts-dejavu-core
  # Emulated USB devices for the usb/ tests.
  umockdev gir1.2-umockdev-1.0 python3-gi
)

# `setup-deps.sh fleet` (make fleet-test) adds a real Prometheus, with its
# promtool, and curl to query it; nothing else installs them.
if [ "${1:-}" = fleet ]; then
  packages+=(prometheus curl)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all system packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root, or install them with apt-get" >&2
  exit 1
fi

# Another apt or dpkg (unattended-upgrades, a second `make` in another
# terminal) may hold apt's locks for a while; setup waits this many seconds
# for them instead of failing at once.
lock_timeout=${APT_LOCK_TIMEOUT:-600}
# Seconds between two tries of apt-get update (tests make it short).
retry=${APT_LOCK_RETRY:-5}

# apt_update runs apt-get update, trying again while another process holds
# the package lists' lock: apt-get update (apt 2.6) gives up at once on that
# lock, although DPkg::Lock::Timeout is set.
apt_update() {
  local deadline=$((SECONDS + lock_timeout)) out said=""
  while true; do
    if out=$(apt-get update -qq -o DPkg::Lock::Timeout="$lock_timeout" 2>&1); then
      [ -z "$out" ] || echo "$out"
      return 0
    fi
    if ! grep -q 'Could not get lock' <<<"$out" || [ "$SECONDS" -ge "$deadline" ]; then
      echo "$out" >&2
      return 1
    fi
    if [ -z "$said" ]; then
      echo "setup: another apt or dpkg holds the package lists; waiting up to ${lock_timeout}s"
      said=1
    fi
    sleep "$retry"
  done
}

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_update
# DPkg::Lock::Timeout makes apt-get install itself wait for dpkg's locks.
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout="$lock_timeout" "${missing[@]}"

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
  # Headless demo and screenshots.
  xvfb xauth x11-apps imagemagick fonts-dejavu-core
  # Emulated USB devices for the usb/ tests.
  umockdev gir1.2-umockdev-1.0 python3-gi
)

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

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

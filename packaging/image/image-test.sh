#!/usr/bin/env bash
# make image-test: provisions one kiosk from the image build.sh wrote and
# boots it twice in QEMU (README, "Test"):
#
#  1. provision.sh writes a copy, test-kiosk.img, whose config partition
#     holds kiosk id test-kiosk-7, a library system address and a SIP2
#     password file (synthetic test data);
#  2. boot-test.sh boots it with the production unit: up, lockdown, the
#     system checks (read-only root, provisioning, kiosk id in the running
#     kiosk, sockets, the firewall made from the configuration,
#     systemd-analyze security, USBGuard against a keyboard and memory
#     sticks plugged in, the screen turned by display.rotation and the touch
#     calibration's udev rule), hold, kill; it leaves a marker on the data
#     partition;
#  3. boot-test.sh --demo boots the same disk again (a power cycle): the
#     demo comes up, and the marker is still on the data partition;
#  4. a third copy, test-live.img, is provisioned as a kiosk that serves
#     patrons: the demo library's SIP2 terminal login (plain TCP to the
#     simulator, allowed for its one address by sip2.plaintext_ok),
#     usb.allow for QEMU's FTDI adapter, no printer, opening hours
#     07:00-21:00 every day and the nightly reboot at 03:30.
#     boot-test.sh --live gives it a reader (padsim) and a library system
#     (sip2sim): the production unit must come up on the welcome screen,
#     hold, and come back after a kill; then the opening hours (--hours):
#     with the guest's clock after closing time the screen goes off (DPMS),
#     at opening time on again; at 03:30 the next night the kiosk reboots
#     the machine;
#  5. another copy, test-invalid.img, is provisioned with an invalid
#     sip2.transport: the kiosk must show the out-of-order screen with the
#     reason (expected/config-invalid.png), and the journal must have the
#     provisioning's error and the kiosk's.
#
# Usage (as root):  packaging/image/image-test.sh [IMAGE_DIR]   (default ../image-out)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
img=${1:-$(dirname "$repo")/image-out}
t0=$(date +%s)

# How long each boot may take to READY: generous, since the VMs of other
# builds may share the cores (boot-test.sh's own default is 240 s).
timeout=${BOOT_TIMEOUT:-480}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Synthetic: no real library's password.
echo "synthetic-test-password" >"$tmp/sip2-password"
# The lockdown of devices and display: a USB serial adapter allowed (QEMU's
# FTDI), the screen upside down and a touch calibration to match.
"$here/provision.sh" --force --id test-kiosk-7 --sip2-address 10.0.2.2:6001 \
	--set 'sip2.password_file="/etc/kiosk/sip2-password"' --file "$tmp/sip2-password" \
	--set 'usb.allow=["0403:6001"]' --set 'display.rotation=180' \
	--set 'display.touch_calibration=[-1, 0, 1, 0, -1, 1]' \
	"$img/kiosk.img" "$img/test-kiosk.img"
rm -f "$img/test-kiosk.img.marker"

"$here/boot-test.sh" --timeout "$timeout" --disk "$img/test-kiosk.img" --kiosk-id test-kiosk-7 --egress "10.0.2.2 . 6001" --marker write \
	--usb --rotated 180 --touch-matrix '-1 0 1 0 -1 1' "$img"
# The demo reads the same [display] (kiosk-display.service), so it is upside down too.
"$here/boot-test.sh" --timeout "$timeout" --demo --disk "$img/test-kiosk.img" --marker check --max-exposure "${DEMO_MAX_EXPOSURE:-none}" --rotated 180 "$img"
rm -f "$img/test-kiosk.img" "$img/test-kiosk.img.marker"

# shellcheck source=live.sh
. "$here/live.sh"
hours=()
for d in monday tuesday wednesday thursday friday saturday sunday; do
	hours+=(--set "hours.$d=\"07:00-21:00\"")
done
live_provision test-kiosk-9 "$img/kiosk.img" "$img/test-live.img" --set 'library.name="Demobiblioteket"' \
	"${hours[@]}" --set 'hours.reboot="03:30"'
"$here/boot-test.sh" --timeout "$timeout" --live --hours --disk "$img/test-live.img" --work "$img/boot-test-live" \
	--kiosk-id test-kiosk-9 --egress "10.0.2.100 . 6001" "$img"
rm -f "$img/test-live.img"

"$here/provision.sh" --force --id test-kiosk-8 --set 'sip2.transport="carrier-pigeon"' \
	"$img/kiosk.img" "$img/test-invalid.img"
"$here/boot-test.sh" --timeout "$timeout" --disk "$img/test-invalid.img" --work "$img/boot-test-invalid" \
	--expect "$here/expected/config-invalid.png" --hold 0 --no-kill --no-lockdown-checks --no-system-checks \
	--expect-log 'kiosk-provision.*error:.*sip2.transport' \
	--expect-log 'configuration /etc/kiosk/kiosk.toml is invalid' "$img"
rm -f "$img/test-invalid.img"
echo "image-test: OK in $(($(date +%s) - t0)) s"

#!/usr/bin/env bash
# Installs a bundle with the real RAUC service on this machine, without a
# VM: slots A and B are loop devices, the ESP is a directory, the system
# bus a private dbus-daemon, and the booted slot is given to the service
# (--override-boot-slot=A). It checks what a kiosk's RAUC would do with
# system.conf, rauc-bootloader and rauc-post-install:
#   1. a bundle signed by another CA is refused, and so is an unsigned file;
#   2. the bundle installs into slot B; B's kernel lands on the ESP; B
#      becomes the primary with boot counting (kiosk-primary+3.conf), A the
#      fall-back; `rauc status` says so (its JSON is kept for the Go parser);
#   3. mark-good on B (booted) drops the counter.
# It does not boot anything (that is `make update-test`, not written yet).
# Without device-mapper (/dev/mapper/control; containers and some VMs)
# RAUC cannot open a verity bundle: the bundle is then unpacked and signed
# again as a plain bundle, with the development key, for this test only,
# and the test conf allows plain. The verity check itself is then untested.
#
# Usage (as root):  packaging/image/rauc/host-test.sh BUNDLE [KEYRING]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bundle=$(realpath "${1:?usage: host-test.sh BUNDLE [KEYRING]}")
keyring=$(realpath "${2:-$here/dev-keys/ca.cert.pem}")
log() { printf '%s host-test: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
command -v rauc >/dev/null || fail "rauc is not installed (apt-get install rauc)"

t=$(mktemp -d /tmp/rauc-host-test.XXXXXX)
pids=() loops=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	umount -R "$t/esp" 2>/dev/null || true
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
	rm -rf "$t"
}
trap cleanup EXIT
t0=$(date +%s)

# The slots: A small (the "running" system, never written), B as large as
# the bundle's image.
size=$(rauc info --keyring="$keyring" --output-format=json "$bundle" 2>/dev/null |
	sed -n 's/.*"size":\([0-9]*\).*/\1/p')
[ -n "$size" ] || fail "rauc info could not read $bundle"
mkfs.ext4 -q -F "$t/a.img" 16M
truncate -s "$size" "$t/b.img"
a=$(losetup -f --show "$t/a.img") && loops+=("$a")
b=$(losetup -f --show "$t/b.img") && loops+=("$b")

# The ESP as build.sh leaves it: one entry, slot A.
mkdir -p "$t/esp/loader/entries" "$t/mnt"
printf 'title Library kiosk (slot A)\nlinux /root-a/vmlinuz\ninitrd /root-a/initrd.img\noptions root=PARTLABEL=root-a ro\n' \
	>"$t/esp/loader/entries/root-a.conf"
printf 'default root-a.conf\ntimeout 0\n' >"$t/esp/loader/loader.conf"

# system.conf with this machine's paths.
sed -e "s|^device=/dev/disk/by-partlabel/root-a|device=$a|" -e "s|^device=/dev/disk/by-partlabel/root-b|device=$b|" \
	-e "s|^statusfile=.*|statusfile=$t/rauc.status|" -e "s|^mountprefix=.*|mountprefix=$t/mnt|" \
	-e "s|^path=.*|path=$keyring|" \
	-e "s|/usr/local/lib/kiosk/|$here/|" "$here/system.conf" >"$t/system.conf"

# A private system bus, and the service on it.
cat >"$t/bus.conf" <<BUS
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=$t/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>
BUS
dbus-daemon --config-file="$t/bus.conf" --nofork --nopidfile &
pids+=($!)
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$t/bus
for _ in $(seq 50); do [ -S "$t/bus" ] && break; sleep 0.1; done
KIOSK_ESP=$t/esp rauc service --conf="$t/system.conf" --override-boot-slot=A >"$t/service.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do rauc status --conf="$t/system.conf" >/dev/null 2>&1 && break; sleep 0.2; done
rauc status --conf="$t/system.conf" >/dev/null 2>&1 || { cat "$t/service.log" >&2; fail "the RAUC service did not start"; }

formats=
if [ ! -e /dev/mapper/control ]; then
	log "no device-mapper here: testing with a plain-format copy of the bundle (verity untested)"
	# PLAIN_BUNDLE=FILE keeps the copy for the next run (it takes minutes).
	plain=${PLAIN_BUNDLE:-$t/plain.raucb}
	if [ ! -s "$plain" ]; then
		rauc extract --keyring="$keyring" "$bundle" "$t/content" >/dev/null 2>&1 || fail "rauc extract failed"
		sed -i 's/^format=verity/format=plain/' "$t/content/manifest.raucm"
		rauc bundle --cert="$here/dev-keys/dev.cert.pem" --key="$here/dev-keys/dev.key.pem" "$t/content" "$plain" >/dev/null 2>&1 ||
			fail "rauc bundle (plain) failed"
		rm -rf "$t/content"
	fi
	bundle=$plain
	formats="plain verity"
fi
if [ -n "$formats" ]; then
	sed -i "s/^bundle-formats=.*/bundle-formats=$formats/" "$t/system.conf"
	kill "${pids[1]}" && wait "${pids[1]}" 2>/dev/null || true
	KIOSK_ESP=$t/esp rauc service --conf="$t/system.conf" --override-boot-slot=A >>"$t/service.log" 2>&1 &
	pids[1]=$!
	for _ in $(seq 100); do rauc status --conf="$t/system.conf" >/dev/null 2>&1 && break; sleep 0.2; done
fi

# 1. Refusals.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=not the kiosk CA" \
	-keyout "$t/other.key" -out "$t/other.pem" 2>/dev/null
rauc resign --keyring="$keyring" --cert="$t/other.pem" --key="$t/other.key" --signing-keyring="$t/other.pem" \
	"$bundle" "$t/other.raucb" >/dev/null 2>&1 || fail "rauc resign failed"
if out=$(rauc install "$t/other.raucb" 2>&1); then fail "a bundle signed by another CA was installed"; fi
echo "$out" | grep -qi "signature" || fail "the wrong signature was refused, but not for its signature: $out"
log "wrongly signed bundle refused: $(echo "$out" | grep -i signature | tail -1)"
mkdir "$t/plain" && echo "synthetic, not a bundle" >"$t/plain/x"
mksquashfs "$t/plain" "$t/unsigned.raucb" -quiet -no-progress >/dev/null
if out=$(rauc install "$t/unsigned.raucb" 2>&1); then fail "an unsigned bundle was installed"; fi
log "unsigned bundle refused: $(echo "$out" | tail -1)"
[ ! -e "$t/esp/loader/entries/kiosk-primary+3.conf" ] || fail "a refused bundle changed the boot entries"

# 2. The install.
t1=$(date +%s)
rauc install "$bundle" >"$t/install.log" 2>&1 || { cat "$t/install.log" "$t/service.log" >&2; fail "rauc install failed"; }
log "installed into slot B in $(($(date +%s) - t1)) s"
ls "$t/esp/loader/entries" >&2
[ -f "$t/esp/loader/entries/kiosk-primary+3.conf" ] || fail "no kiosk-primary+3.conf for the new slot"
grep -q 'rauc.slot=B' "$t/esp/loader/entries/kiosk-primary+3.conf" || fail "the primary entry is not slot B"
grep -q 'rauc.slot=A' "$t/esp/loader/entries/kiosk-fallback.conf" || fail "the fall-back entry is not slot A"
[ -s "$t/esp/root-b/vmlinuz" ] && [ -s "$t/esp/root-b/initrd.img" ] || fail "slot B's kernel is not on the ESP"
rauc status --conf="$t/system.conf" --detailed --output-format=json >"$here/../../../update/testdata/rauc-status-host.json"
grep -q '"boot_primary":"rootfs.1"' "$here/../../../update/testdata/rauc-status-host.json" || fail "rauc status does not name rootfs.1 primary"
grep -q '"rootfs.1":{[^}]*"boot_status":"bad"' "$here/../../../update/testdata/rauc-status-host.json" ||
	fail "slot B counts as good before it was marked good"
log "rauc status: primary rootfs.1, not yet good (kept as update/testdata/rauc-status-host.json)"

# 3. Mark-good as the kiosk would, on a service that booted B.
kill "${pids[1]}" && wait "${pids[1]}" 2>/dev/null || true
KIOSK_ESP=$t/esp rauc service --conf="$t/system.conf" --override-boot-slot=B >>"$t/service.log" 2>&1 &
pids[1]=$!
for _ in $(seq 100); do rauc status --conf="$t/system.conf" >/dev/null 2>&1 && break; sleep 0.2; done
rauc status mark-good >/dev/null 2>&1 || { tail "$t/service.log" >&2; fail "mark-good failed"; }
[ -f "$t/esp/loader/entries/kiosk-primary.conf" ] || fail "mark-good left the counter: $(ls "$t/esp/loader/entries")"
rauc status --conf="$t/system.conf" --output-format=json | grep -q '"rootfs.1":{[^}]*"state":"booted"[^}]*"boot_status":"good"' ||
	fail "rauc status does not call booted B good after mark-good"
log "mark-good on B: kiosk-primary.conf (no counter)"
log "PASS in $(($(date +%s) - t0)) s"

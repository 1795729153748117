#!/usr/bin/env bash
# A/B updates in QEMU (issue 16): boots the disk image by UEFI (OVMF, the
# ESP's systemd-boot) and updates it with the image's own RAUC, the way a
# library's kiosk is updated:
#
#  0. bundles:  v2 (slot A of the image, version stamp v2) and a broken v3
#               (version v3, kiosk.service's ExecStart=/bin/false), both
#               signed with the development key; a copy of v2 signed by
#               another CA; an unsigned squashfs. They reach the guest on a
#               second virtio disk.
#  1. boot v1:  slot A (rauc.slot=A) is booted and good; the kiosk runs and
#               serves (a simulated reader and library system, as
#               boot-test.sh --live gives them); the wrongly signed and the
#               unsigned bundle are refused when pushed with `kioskctl
#               update` and change no boot entry; `kioskctl update` installs
#               v2 through the kiosk's update client into slot B, and the
#               kiosk reboots itself (no patron is being served).
#  2. boot v2:  slot B runs v2, not good yet; the kiosk marks it good itself
#               once it is READY, its watchdog fed and the library system
#               answering; then `kioskctl update` installs v3 into slot A and
#               the kiosk reboots.
#  3. v3:       its kiosk fails three times, systemd reboots (StartLimitAction),
#               systemd-boot counts slot A's tries down, and after they are
#               used up boots the fall-back, slot B (v2) again; the test only
#               restarts QEMU after each reboot (-no-reboot).
#  4. back:     slot B with v2 is booted and good, and the kiosk's audit log
#               has update-fell-back.
#
#  5. power:   (--power-loss, a run of its own on a fresh copy of the disk)
#               boot v1; `rauc install` of v3 starts, and 20 s after RAUC
#               began writing slot B QEMU is killed (power loss); the next
#               boot runs slot A again, booted and good.
#
# Usage (as root):  packaging/image/update-test.sh [--power-loss] IMAGE_DIR
#   IMAGE_DIR  what build.sh wrote (kiosk.img); the test works in
#              IMAGE_DIR/update-test (serial-N.log per boot, guest.log,
#              result.txt) on a scratch copy of the disk. Bundles there that
#              are newer than kiosk.img are reused.
# The guest channel is boot-test.sh's: a systemd.run= command reading
# /dev/ttyS1, put on each boot entry's command line by this test on the
# host, between boots (the image has no shell for anyone).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
only_power=0
if [ "${1:-}" = --power-loss ]; then
	only_power=1
	shift
fi
img=$(cd "${1:?usage: update-test.sh [--power-loss] IMAGE_DIR}" && pwd)
# The bundles are kept in IMAGE_DIR/update-test; --power-loss works beside
# it, in IMAGE_DIR/update-test-power.
bdir=$img/update-test
work=$bdir
[ "$only_power" = 0 ] || work=$img/update-test-power
mkdir -p "$bdir" "$work"
res=$work/result.txt
guestlog=$work/guest.log
: >"$res"
: >"$guestlog"
log() { printf '%s update-test: %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$res" >&2; }
fail() {
	log "FAIL: $*"
	[ -z "${serial:-}" ] || tail -n 30 "$serial" >&2
	exit 1
}
T0=$(date +%s)
since() { echo $(($(date +%s) - $1)); }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v rauc >/dev/null || need+=(rauc)
command -v mcopy >/dev/null || need+=(mtools)
command -v debugfs >/dev/null || need+=(e2fsprogs)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || need+=(ovmf)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- 0. Bundles.
b=$bdir/bundles
mkdir -p "$b"
fresh() { [ -s "$1" ] && [ "$1" -nt "$img/kiosk.img" ]; }
n=$(sgdisk -p "$img/kiosk.img" | awk '$7 == "root-a" { print $1 }')
start=$(sgdisk -i "$n" "$img/kiosk.img" | awk '/^First sector/ { print $3 }')
end=$(sgdisk -i "$n" "$img/kiosk.img" | awk '/^Last sector/ { print $3 }')
# rootfs VERSION: slot A of the image with /etc/kiosk-version = VERSION.
rootfs() {
	dd if="$img/kiosk.img" of="$work/rootfs-$1.ext4" bs=512 skip="$start" count=$((end - start + 1)) conv=sparse status=none
	echo "$1" >"$work/version"
	debugfs -w -R "rm /etc/kiosk-version" "$work/rootfs-$1.ext4" >/dev/null 2>&1
	debugfs -w -R "write $work/version /etc/kiosk-version" "$work/rootfs-$1.ext4" >/dev/null 2>&1
}
for v in v2 v3; do
	fresh "$b/kiosk-$v.raucb" && continue
	t=$(date +%s)
	rootfs "$v"
	if [ "$v" = v3 ]; then
		# The broken v3: its kiosk exits 1 at once, every time.
		printf '[Service]\nExecStart=\nExecStart=/bin/false\n' >"$work/broken.conf"
		debugfs -w -R "mkdir /etc/systemd/system/kiosk.service.d" "$work/rootfs-v3.ext4" >/dev/null 2>&1
		debugfs -w -R "write $work/broken.conf /etc/systemd/system/kiosk.service.d/broken.conf" "$work/rootfs-v3.ext4" >/dev/null 2>&1
	fi
	BUNDLE_OUT=$b BUNDLE_ROOTFS=$work/rootfs-$v.ext4 BUNDLE_MKSQUASHFS_ARGS="-comp lz4" \
		bash "$here/rauc/bundle.sh" "$img" "$v" 2>&1 | tee -a "$res" >&2
	[ -s "$b/kiosk-$v.raucb" ] || fail "bundle $v was not made"
	rm -f "$work/rootfs-$v.ext4"
	log "bundle $v: $(du -m "$b/kiosk-$v.raucb" | cut -f1) MB in $(since "$t") s"
done
keys=$here/rauc/dev-keys
if ! fresh "$b/other.raucb"; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=not the kiosk CA" \
		-keyout "$work/other.key" -out "$work/other.pem" 2>/dev/null
	rm -f "$b/other.raucb" # rauc writes no bundle over an existing file
	rauc resign --keyring="$keys/ca.cert.pem" --cert="$work/other.pem" --key="$work/other.key" \
		--signing-keyring="$work/other.pem" "$b/kiosk-v2.raucb" "$b/other.raucb" >/dev/null 2>&1 || fail "rauc resign failed"
fi
if ! fresh "$b/unsigned.raucb"; then
	rm -rf "$work/unsigned" && mkdir "$work/unsigned" && echo "synthetic, not a bundle" >"$work/unsigned/x"
	mksquashfs "$work/unsigned" "$b/unsigned.raucb" -quiet -no-progress -noappend >/dev/null
fi
if ! fresh "$bdir/bundles.ext4" || [ -n "$(find "$b" -newer "$bdir/bundles.ext4")" ]; then
	rm -f "$bdir/bundles.ext4"
	# Room for the file system's own blocks too (its journal alone is 64 MB
	# at 2 GB).
	mkfs.ext4 -q -F -L bundles -d "$b" "$bdir/bundles.ext4" "$(($(du -sm "$b" | cut -f1) * 11 / 10 + 128))M"
fi
log "bundles ready in $(since "$T0") s"

# --- The VM: a kiosk provisioned to serve (live.sh, as image-test.sh's
# live boot), with its reader (padsim) and library system (sip2sim)
# simulated on the host.
disk=$work/disk.img
# shellcheck source=live.sh
. "$here/live.sh"
live_provision update-test-1 "$img/kiosk.img" "$disk" >>"$res" 2>&1 || fail "provision.sh failed"
live_start "$work" || fail "the simulators did not start"
esp_start=$(sgdisk -p "$disk" | awk '$NF == "esp" { print $2 }')
esp="$disk@@$((esp_start * 512))"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/ovmf-vars.fd"
# shellcheck disable=SC2016 # the $ are for the guest's shell
chancmd='/bin/sh -c '\''exec </dev/ttyS1 >/dev/ttyS1 2>&1; stty raw -echo; while read -r l; do eval $$l; echo @@done $$?; done'\'''
append="console=ttyS0 systemd.show_status=1 systemd.journald.forward_to_console=1 systemd.run=\"$chancmd\" systemd.run_success_action=none systemd.run_failure_action=none systemd.wants=kernel-command-line.service"

# guest_entries: the boot entries as the guest sees them (RAUC's backend
# mounts the ESP only while it works on it).
# shellcheck disable=SC2016 # the $ are for the guest's shell
guest_entries() { guest 'mkdir -p /run/test-esp && mount -o ro /dev/disk/by-partlabel/esp /run/test-esp && ls /run/test-esp/loader/entries; umount /run/test-esp' | tr '\n' ' '; }
# entries: the boot entries on the disk's ESP, one name a line.
entries() { mdir -b -i "$esp" ::/loader/entries 2>/dev/null | sed 's|.*/||' | grep '\.conf$' || true; }
# patch_entries: the test's additions on every entry's command line (the
# boot loader backend writes entries without them).
patch_entries() {
	local e
	for e in $(entries); do
		mtype -i "$esp" "::/loader/entries/$e" | tr -d '\r' >"$work/entry"
		grep -q 'systemd.run=' "$work/entry" && continue
		while IFS= read -r line; do
			case $line in "options "*) line="$line $append" ;; esac
			printf '%s\n' "$line"
		done <"$work/entry" >"$work/entry.new"
		mcopy -o -i "$esp" "$work/entry.new" "::/loader/entries/$e"
	done
}

boot=0
qemu=
stop_qemu() {
	[ -n "$qemu" ] || return 0
	kill "$qemu" 2>/dev/null || true
	wait "$qemu" 2>/dev/null || true
	qemu=
}
trap 'stop_qemu; live_stop; [ "${KEEP:-0}" = 1 ] || rm -f "$disk"' EXIT
start_vm() {
	boot=$((boot + 1))
	patch_entries
	log "boot $boot: entries $(entries | tr '\n' ' ')"
	serial=$work/serial-$boot.log
	ctl=$work/control-$boot.sock
	rm -f "$ctl"
	bootstart=$(date +%s)
	qemu-system-x86_64 \
		-machine q35,accel=tcg -cpu Skylake-Client-v4 -m 1536 -smp 2 \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd" \
		-drive "if=pflash,format=raw,unit=1,file=$work/ovmf-vars.fd" \
		-drive "file=$disk,if=virtio,format=raw" \
		-drive "file=$bdir/bundles.ext4,if=virtio,format=raw,readonly=on" \
		-vga none -device virtio-gpu-pci -display none \
		-netdev "$live_netdev" -device virtio-net-pci,netdev=net0 "${live_qemu[@]}" \
		-serial "file:$serial" -chardev "socket,id=ctl,path=$ctl,server=on,wait=off" -serial chardev:ctl \
		-no-reboot >"$work/qemu-$boot.log" 2>&1 &
	qemu=$!
}
# wait_down SEC: the guest rebooted (QEMU exits, -no-reboot) within SEC.
wait_down() {
	local i
	for i in $(seq 1 "$1"); do
		kill -0 "$qemu" 2>/dev/null || { wait "$qemu" 2>/dev/null || true; qemu=; return 0; }
		sleep 1
	done
	return 1
}
guest() {
	printf '$ %s\n' "$1" >>"$guestlog"
	python3 "$here/guest-channel.py" "$ctl" "$1" "${2:-60}" 2>>"$guestlog" | tee -a "$guestlog"
}
# guest_up SEC: the channel answers within SEC of the boot's start; false
# when the guest went down first.
guest_up() {
	while [ "$(since "$bootstart")" -lt "$1" ]; do
		kill -0 "$qemu" 2>/dev/null || return 1
		[ -S "$ctl" ] && [ "$(guest 'echo ready' 3 2>/dev/null)" = ready ] && return 0
		sleep 3
	done
	return 1
}
# until_guest SEC CMD: runs CMD in the guest every 5 s until it succeeds.
until_guest() {
	local t
	t=$(date +%s)
	while [ "$(since "$t")" -lt "$1" ]; do
		guest "$2" 60 >/dev/null 2>&1 && return 0
		kill -0 "$qemu" 2>/dev/null || return 1
		sleep 5
	done
	return 1
}
status_json() { guest 'rauc status --detailed --output-format=json 2>/dev/null' 60; }
booted_ok() { # booted_ok SLOT VERSION: booted SLOT, marked good, /etc/kiosk-version VERSION
	local j
	j=$(status_json) || return 1
	echo "$j" | grep -q "\"booted\":\"$1\"" || return 1
	[ "$(guest 'cat /etc/kiosk-version')" = "$2" ] || return 1
	echo "$j" | python3 -c '
import json, sys
s = json.load(sys.stdin)
for sl in s["slots"]:
    for name, v in sl.items():
        if v.get("bootname") == sys.argv[1]:
            sys.exit(0 if v.get("state") == "booted" and v.get("boot_status") == "good" else 1)
sys.exit(1)' "$1"
}
# serving: the kiosk's core has started and its control socket answers.
serving() { until_guest 600 'kioskctl status'; }
# install VERSION: `kioskctl update` of the bundle in the guest: the kiosk's
# update client has RAUC install it into the other slot, which RAUC makes
# primary, and the kiosk reboots into it (no patron is being served)
# through kiosk-reboot.service.
install() {
	local t st
	t=$(date +%s)
	guest "kioskctl update /run/bundles/kiosk-$1.raucb" 60 >>"$work/install-$1.log" 2>&1 ||
		fail "the kiosk refused kioskctl update $1: $(tail -5 "$work/install-$1.log")"
	# The kiosk installs, then asks for the reboot at once (no patron is
	# being served): the machine goes down. Until then the update's state
	# is asked for every 10 s; a failed install fails the test.
	while kill -0 "$qemu" 2>/dev/null; do
		[ "$(since "$t")" -lt 1500 ] || fail "the kiosk did not reboot within 1500 s of kioskctl update $1: $st"
		st=$(guest 'kioskctl update status' 30 2>&1 | tr '\n' ' ') || true
		case $st in
		*"phase "*" failed"*) fail "the kiosk's install of $1 failed: $st" ;;
		esac
		sleep 10
	done
	wait "$qemu" 2>/dev/null || true
	qemu=
	grep -aq 'kiosk-reboot: the kiosk asked for a reboot' "$serial" || fail "the guest went down after $1, but not at the kiosk's request"
	grep -aq '"audit":"update-install".*"result":"ok"' "$serial" || fail "the guest rebooted, but the kiosk did not audit a good update-install of $1"
	log "$1 installed by the kiosk and the guest rebooted at its request $(since "$t") s after kioskctl update; entries $(entries | tr '\n' ' ')"
}

# power_loss SLOT VERSION: with SLOT booted, good and running
# VERSION, starts installing v3, kills QEMU while RAUC writes the other
# slot, boots again and expects SLOT, VERSION, good.
power_loss() {
	local t
	guest 'mkdir -p /run/bundles && (mountpoint -q /run/bundles || mount -o ro /dev/vdb /run/bundles)' || fail "cannot mount the bundles disk"
	guest 'systemd-run --unit=power-loss-install rauc install /run/bundles/kiosk-v3.raucb' 30 >/dev/null || fail "could not start rauc install"
	t=$(date +%s)
	until grep -aq 'writing data to device' "$serial"; do
		[ "$(since "$t")" -lt 600 ] || fail "power loss: RAUC did not start writing within 600 s"
		sleep 2
	done
	sleep 20
	log "power loss: QEMU killed 20 s into RAUC's write of the other slot ($(since "$t") s after rauc install); entries $(entries | tr '\n' ' ')"
	kill -9 "$qemu" 2>/dev/null || true
	wait "$qemu" 2>/dev/null || true
	qemu=
	start_vm
	guest_up 600 || fail "after the power loss the guest did not come up"
	until_guest 600 'systemctl is-active kiosk.service' || fail "after the power loss kiosk.service is not active"
	booted_ok "$1" "$2" || fail "after the power loss slot $1 ($2) is not booted and good: $(status_json)"
	log "power loss: boot $boot runs slot $1 ($2), good; entries $(entries | tr '\n' ' ')"
}

# --- 1. v1.
start_vm
guest_up 600 || fail "boot 1: the guest channel did not answer within 600 s"
until_guest 600 'systemctl is-active kiosk.service' || fail "boot 1: kiosk.service is not active"
log "boot 1: kiosk active $(since "$bootstart") s after power-on"
booted_ok A "$(guest 'cat /etc/kiosk-version')" || fail "boot 1: slot A is not booted and good: $(status_json)"
log "boot 1: slot A booted and good ($(guest 'cat /etc/kiosk-version'))"
if [ "$only_power" = 1 ]; then
	power_loss A "$(guest 'cat /etc/kiosk-version')"
	guest 'systemctl poweroff' 10 >/dev/null 2>&1 || true
	wait_down 120 || stop_qemu
	log "PASS (power loss only) in $(since "$T0") s"
	exit 0
fi
serving || fail "boot 1: the kiosk's control socket does not answer"
log "boot 1: the kiosk serves: $(guest 'kioskctl status' | grep -m1 -i 'library system\|in service' || true)"
guest 'mkdir -p /run/bundles && mount -o ro /dev/vdb /run/bundles' || fail "cannot mount the bundles disk"
if out=$(guest 'kioskctl update /run/bundles/other.raucb -wait' 300); then fail "a bundle signed by another CA was installed"; fi
echo "$out" | grep -qi 'signature' || fail "the wrongly signed bundle was refused, but not for its signature: $out"
log "wrongly signed bundle refused by the kiosk: $(echo "$out" | grep -i signature | tail -1)"
if out=$(guest 'kioskctl update /run/bundles/unsigned.raucb -wait' 300); then fail "an unsigned bundle was installed"; fi
log "unsigned bundle refused by the kiosk: $(echo "$out" | tail -1)"
entries | grep -q kiosk-primary && fail "a refused bundle changed the boot entries"
install v2
entries | grep -q 'kiosk-primary+3.conf' || fail "after installing v2 there is no kiosk-primary+3.conf: $(entries)"

# --- 2. v2.
start_vm
guest_up 600 || fail "boot 2: the guest channel did not answer"
until_guest 600 'systemctl is-active kiosk.service' || fail "boot 2: kiosk.service is not active"
log "boot 2: kiosk active $(since "$bootstart") s after power-on; entries now $(entries | tr '\n' ' ')"
# (Whether RAUC counts slot B good before the kiosk marks it cannot be
# asked without racing the kiosk, which marks it seconds after READY: the
# boot entry's try counter, read off the disk, says it is on trial.)
entries | grep -q 'kiosk-primary+2-1.conf' || fail "boot 2: systemd-boot did not count the try down: $(entries)"
# The kiosk marks the slot good itself once it is READY, its watchdog fed
# and the library system answering (update.MarkGoodLoop).
t=$(date +%s)
until booted_ok B v2; do
	[ "$(since "$t")" -lt 600 ] || fail "boot 2: the kiosk did not mark slot B good within 600 s: $(status_json)"
	sleep 5
done
log "boot 2: slot B booted on trial (try counter), v2; the kiosk marked it good ($(since "$bootstart") s after power-on); ESP: $(guest_entries)"
guest 'kioskctl audit' 60 | grep -q 'update-mark-good' || fail "boot 2: the kiosk's audit log has no update-mark-good"
serving || fail "boot 2: the kiosk's control socket does not answer"
guest 'mkdir -p /run/bundles && mount -o ro /dev/vdb /run/bundles' || fail "cannot mount the bundles disk"
install v3

# --- 3. v3 fails, until the boot loader falls back.
fellback=0
for try in 1 2 3 4 5; do
	start_vm
	if guest_up 600 && guest 'grep -o "rauc.slot=[AB]" /proc/cmdline' 10 | grep -q 'rauc.slot=B'; then
		fellback=1
		break
	fi
	log "boot $boot: slot A (v3); waiting for its reboot"
	wait_down 900 || fail "boot $boot: v3 did not reboot within 900 s"
	log "boot $boot: v3 rebooted after $(since "$bootstart") s ($(grep -a -m1 -o 'kiosk.service: Start request repeated too quickly' "$serial" || echo 'see serial log'))"
done
[ "$fellback" = 1 ] || fail "the boot loader did not fall back to slot B"
log "boot $boot: fell back to slot B; entries $(entries | tr '\n' ' ')"

# --- 4. Back on v2.
until_guest 600 'systemctl is-active kiosk.service' || fail "fall-back boot: kiosk.service is not active"
guest 'cat /etc/kiosk-version' | grep -qx v2 || fail "fall-back boot: not v2"
booted_ok B v2 || fail "fall-back boot: slot B is not booted, good and v2: $(status_json)"
until_guest 300 'kioskctl audit | grep -q update-fell-back' || fail "fall-back boot: the kiosk's audit log has no update-fell-back: $(guest 'kioskctl audit' | tail -5)"
log "fall-back boot: slot B, v2, good; the kiosk's audit: $(guest 'kioskctl audit' | grep update-fell-back | tail -1)"
guest 'systemctl poweroff' 10 >/dev/null 2>&1 || true
wait_down 120 || stop_qemu
log "PASS in $(since "$T0") s"

#!/usr/bin/env bash
# Boots the kiosk image under QEMU (TCG, no KVM needed), waits until the kiosk
# unit has started and its screen shows more than a blank console, takes a
# screenshot through the QEMU monitor, and powers the machine off.
#
# Usage:  packaging/image/boot-test.sh [--demo] [--no-lockdown-checks] [--hold SEC] [--timeout SEC] [--size WxH] [--shot FILE] IMAGE_DIR
#
#   IMAGE_DIR     what build.sh wrote: kiosk.ext4, vmlinuz, initrd.img
#   --demo        run kiosk-demo.service instead of kiosk.service (kernel command
#                 line: systemd.mask=kiosk.service systemd.wants=kiosk-demo.service)
#   --timeout SEC give up after this long (default 150; a TCG boot to the first
#                 kiosk frame takes about 40-60 s on 2 cores)
#   --size WxH    screen size of the virtio GPU (default 1920x1080)
#   --shot FILE   where to put the PNG (default IMAGE_DIR/boot-test/screen.png)
#   --no-lockdown-checks  skip the keyboard checks done after the screenshot:
#                 Alt+SysRq+B, Ctrl+Alt+Del and Ctrl+Alt+F2 must change nothing
#   --hold SEC    then keep the kiosk running SEC seconds more and fail if systemd
#                 timed it out, restarted it or saw it crash (Type=notify, watchdog)
#
# The image is booted with -snapshot, so the test never changes kiosk.ext4.
# The guest gets QEMU user networking with restrict=on: DHCP works, but
# nothing leaves the host. Exit status 0 when the kiosk came up and passed
# the checks, 1 otherwise (with the tail of the serial log), 2 for usage errors.
set -euo pipefail

demo=0
checks=1
hold=0
timeout=150
size=1920x1080
shot=
while [ $# -gt 0 ]; do
	case $1 in
	--demo) demo=1 ;;
	--no-lockdown-checks) checks=0 ;;
	--hold) hold=$2 && shift ;;
	--timeout) timeout=$2 && shift ;;
	--size) size=$2 && shift ;;
	--shot) shot=$2 && shift ;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	-*)
		echo "boot-test.sh: unknown option $1" >&2
		exit 2
		;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || {
	echo "usage: boot-test.sh [--demo] [--no-lockdown-checks] [--hold SEC] [--timeout SEC] [--size WxH] [--shot FILE] IMAGE_DIR" >&2
	exit 2
}
img=$(cd "$1" && pwd)
for f in kiosk.ext4 vmlinuz initrd.img; do
	[ -f "$img/$f" ] || {
		echo "boot-test.sh: $img/$f is missing (run build.sh first)" >&2
		exit 2
	}
done
xres=${size%x*}
yres=${size#*x}

log() { printf '%s boot-test.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# The tools: QEMU, and ImageMagick's own convert (/usr/bin/convert).
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /usr/bin/convert ] || need+=(imagemagick)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
convert=/usr/bin/convert

work=$img/boot-test
rm -rf "$work"
mkdir -p "$work"
[ -n "$shot" ] || shot=$work/screen.png
serial=$work/serial.log
mon=$work/monitor.sock

# monitor CMD: one command on QEMU's human monitor; prints its answer.
monitor() {
	python3 - "$mon" "$1" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
def until_prompt():
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf
until_prompt()
s.sendall(sys.argv[2].encode() + b"\n")
out = until_prompt().decode(errors="replace")
# The monitor echoes the command with terminal escapes; keep the answer only.
lines = [l for l in out.replace("\r", "").split("\n")[1:] if not l.startswith("(qemu)")]
print("\n".join(lines).strip())
EOF
}

# screendump FILE.png: the current screen, via PPM.
screendump() {
	rm -f "$work/screen.ppm"
	monitor "screendump $work/screen.ppm" >/dev/null || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$work/screen.ppm" ] && break
		sleep 0.2
	done
	"$convert" "$work/screen.ppm" "$1"
}

# How much the screen varies: a blank console is near 0, the kiosk is not.
spread() { "$convert" "$1" -colorspace gray -format '%[fx:standard_deviation]' info:; }

# BOOT_TEST_APPEND adds to the kernel command line (e.g. sysrq_always_enabled,
# to see the lockdown check fail).
append="root=/dev/vda rw console=ttyS0 systemd.show_status=1 systemd.journald.forward_to_console=1 ${BOOT_TEST_APPEND:-}"
unit=kiosk.service
if [ "$demo" = 1 ]; then
	append="$append systemd.mask=kiosk.service systemd.wants=kiosk-demo.service"
	unit=kiosk-demo.service
fi

log "booting $img/kiosk.ext4 ($unit, ${size}, timeout ${timeout} s)"
start=$(date +%s)
qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -m 1536 -smp 2 \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$append" \
	-drive "file=$img/kiosk.ext4,if=virtio,format=raw" -snapshot \
	-vga none -device "virtio-gpu-pci,xres=$xres,yres=$yres" -display none \
	-netdev user,id=net0,restrict=on -device virtio-net-pci,netdev=net0 \
	-monitor "unix:$mon,server,nowait" -serial "file:$serial" \
	-no-reboot >"$work/qemu.log" 2>&1 &
qemu=$!
stop_qemu() {
	if kill -0 "$qemu" 2>/dev/null; then
		monitor system_powerdown >/dev/null 2>&1 || true
		for _ in $(seq 1 40); do
			kill -0 "$qemu" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$qemu" 2>/dev/null; then
			monitor quit >/dev/null 2>&1 || kill "$qemu" 2>/dev/null || true
		fi
		wait "$qemu" 2>/dev/null || true
	fi
}
trap stop_qemu EXIT

since() { echo $(($(date +%s) - start)); }
started_at=
ready_at=
visible_at=
result=fail
while [ "$(since)" -lt "$timeout" ]; do
	sleep 3
	kill -0 "$qemu" 2>/dev/null || {
		log "QEMU exited early: $(cat "$work/qemu.log")"
		break
	}
	[ -S "$mon" ] || continue
	if [ -z "$started_at" ] && grep -q "Start\(ing\|ed\) .*${unit%.service}" "$serial" 2>/dev/null; then
		started_at=$(since)
		log "$unit starting after ${started_at} s"
	fi
	# Type=notify: "Started" only once the kiosk has said READY=1.
	if [ -z "$ready_at" ] && grep -q "Started ${unit}\|Started .*${unit%.service}" "$serial" 2>/dev/null; then
		ready_at=$(since)
		log "$unit started (ready) after ${ready_at} s"
	fi
	[ -n "$started_at" ] || continue
	screendump "$work/poll.png" || continue
	s=$(spread "$work/poll.png")
	if awk -v s="$s" 'BEGIN { exit !(s > 0.05) }'; then
		visible_at=$(since)
		log "the screen shows the kiosk after ${visible_at} s (spread $s); letting it settle"
		# Fyne draws its first frame in steps; a few seconds more give the whole screen.
		sleep 8
		screendump "$shot"
		result=ok
		break
	fi
done

# The lockdown, from a keyboard as a patron would try it: SysRq must be off,
# Ctrl+Alt+Del must not reboot (-no-reboot would end QEMU), and Ctrl+Alt+F2
# must not leave the kiosk's screen.
lockdown=skipped
if [ "$result" = ok ] && [ "$checks" = 1 ]; then
	lockdown=ok
	monitor "sendkey alt-sysrq-b" >/dev/null # b = reboot at once, if SysRq were on
	sleep 3
	# With kernel.sysrq=0 the kernel drops its SysRq handler: nothing is logged.
	if ! kill -0 "$qemu" 2>/dev/null; then
		lockdown="FAILED: alt+sysrq+b rebooted the machine"
	elif grep -aq "sysrq: " "$serial"; then
		lockdown="FAILED: the kernel handled SysRq ($(grep -a -m1 'sysrq: ' "$serial"))"
	fi
	if [ "$lockdown" = ok ]; then
		monitor "sendkey ctrl-alt-delete" >/dev/null
		sleep 5
		kill -0 "$qemu" 2>/dev/null || lockdown="FAILED: ctrl+alt+delete rebooted the machine"
	fi
	if [ "$lockdown" = ok ]; then
		monitor "sendkey ctrl-alt-f2" >/dev/null
		sleep 4
		screendump "$work/after-vt-switch.png"
		s=$(spread "$work/after-vt-switch.png")
		awk -v s="$s" 'BEGIN { exit !(s > 0.05) }' ||
			lockdown="FAILED: ctrl+alt+f2 left the kiosk (screen spread $s)"
	fi
	log "lockdown: $lockdown"
	[ "$lockdown" = ok ] || result=fail
fi

# --hold: keep the kiosk running a while, then check that systemd never had to
# kill or restart it (a start timeout, a missed watchdog ping, a crash).
stability=skipped
if [ "$result" = ok ] && [ "$hold" -gt 0 ]; then
	log "holding for ${hold} s to watch the unit"
	sleep "$hold"
	if ! kill -0 "$qemu" 2>/dev/null; then
		stability="FAILED: the machine went down"
	elif grep -aE "${unit}: (.*[Tt]imed out|Watchdog timeout|Failed with result|Scheduled restart)" "$serial" >"$work/unit-failures.log"; then
		stability="FAILED: $(head -1 "$work/unit-failures.log" | sed 's/^\[ *[0-9.]*\] //')"
	else
		stability=ok
	fi
	log "stability: $stability"
	[ "$stability" = ok ] || result=fail
fi

if [ "$result" != ok ] && [ -S "$mon" ] && kill -0 "$qemu" 2>/dev/null; then
	# A picture of the failure helps too.
	screendump "$shot" 2>/dev/null || true
fi
# What happened to the unit, from the guest's own log on the serial line.
grep -a -E "kiosk|cage|Failed|watchdog" "$serial" | grep -av 'kernel:' | tail -n 15 >"$work/kiosk-lines.log" || true
stop_qemu
trap - EXIT
total=$(since)

echo "boot-test: unit=$unit starting=${started_at:--}s ready=${ready_at:--}s visible=${visible_at:--}s lockdown=$lockdown stability=$stability total=${total}s screenshot=$shot"
if [ "$result" != ok ]; then
	if [ -n "$visible_at" ]; then
		echo "boot-test: FAILED: lockdown: $lockdown; stability: $stability. Serial log tail ($serial):" >&2
	else
		echo "boot-test: FAILED: the kiosk did not come up within ${timeout} s. Serial log tail ($serial):" >&2
	fi
	tail -n 40 "$serial" >&2
	exit 1
fi
if [ "$demo" = 0 ] && [ -z "$ready_at" ]; then
	echo "boot-test: warning: kiosk.service never reported READY=1 (Type=notify); systemd will time it out and restart it" >&2
fi
echo "boot-test: OK"

#!/usr/bin/env bash
# Builds the kiosk OS image: a Debian 12 (bookworm) minbase root file system
# made with mmdebstrap, holding the kiosk binaries, its systemd unit and udev
# rules, and nothing to log in with. It writes to OUT_DIR:
#
#   kiosk.ext4        the root file system (label kiosk-root), to dd to a partition
#   vmlinuz, initrd.img   the kernel and initramfs taken out of the image
#   cmdline.txt       the kernel command line a boot loader should pass
#   manifest.txt      package versions, binary checksums and build inputs
#   kiosk.squashfs    only with KIOSK_SQUASHFS=1 (a read-only root, for later)
#
# Usage (as root):  packaging/image/build.sh [OUT_DIR]       (default: ../image-out beside the repo)
#
# Knobs (environment):
#   KIOSK_DEMO=1        boot into the demo (built-in simulators) instead of the real kiosk
#   KIOSK_DEMO_SCRIPT=FILE  the demo's scenario (default files/demo-idle.txt: the
#                       welcome screen; demo/walkthrough.txt loops the walkthrough)
#   KIOSK_SQUASHFS=1    also write kiosk.squashfs (about a minute more)
#   KIOSK_CONFIG=FILE   kiosk configuration to install (default packaging/kiosk.toml)
#   KIOSK_MIRROR=URL    Debian mirror (default http://deb.debian.org/debian);
#   KIOSK_SECURITY_MIRROR=URL  (default http://deb.debian.org/debian-security)
#   KIOSK_IMAGE_SIZE=SIZE  ext4 size such as 1500M (default: contents plus 40 %)
#   KIOSK_KEEP_ROOTFS=1 keep the unpacked rootfs directory in OUT_DIR for inspection
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$(dirname "$repo")/image-out}
suite=bookworm # pinned: the image is Debian 12, whatever the build host runs
mirror=${KIOSK_MIRROR:-http://deb.debian.org/debian}
security_mirror=${KIOSK_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
config=${KIOSK_CONFIG:-$repo/packaging/kiosk.toml}
demo=${KIOSK_DEMO:-0}

log() { printf '%s build.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap --mode=root, file ownership in the image)"
[ -f "$config" ] || die "no configuration at $config"

# The tools. qemu is only for boot-test.sh, which installs it itself.
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v mksquashfs >/dev/null || need+=(squashfs-tools)
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The binaries: built here only when missing (make build does it otherwise).
if [ ! -x "$repo/bin/kiosk" ] || [ ! -x "$repo/bin/kioskctl" ]; then
	log "building bin/kiosk and bin/kioskctl (-tags gles)"
	(cd "$repo" && PATH=$PATH:/usr/local/go/bin GOFLAGS=-buildvcs=false \
		go build -tags gles -o bin/ ./cmd/kiosk ./cmd/kioskctl)
fi

# Timestamps inside the image follow the last commit, so two builds of one
# commit differ as little as mmdebstrap allows.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

# What the image holds. No getty, no ssh, no shell for the kiosk user.
# GLFW dlopen()s the libwayland-*, libx* and libxkbcommon libraries, so ldd
# does not list them: they are named here on purpose (platform.md §5).
packages=(
	systemd-sysv udev dbus kmod linux-image-amd64
	cage xwayland seatd
	libgl1 libgl1-mesa-dri libegl1 libgles2
	libwayland-cursor0 libwayland-egl1 libxcursor1 libxi6 libxinerama1 libxkbcommon0 libxrandr2
	libusb-1.0-0 fonts-dejavu-core ca-certificates
	chrony systemd-resolved
)
include=$(
	IFS=,
	echo "${packages[*]}"
)

mkdir -p "$out"
out=$(cd "$out" && pwd)
rootfs=$out/rootfs
rm -rf "$rootfs" "$out/kiosk.ext4" "$out/kiosk.squashfs"

t0=$(date +%s)
log "mmdebstrap $suite (${#packages[@]} packages and their dependencies) into $rootfs"
# Documentation, man pages and message catalogues are left out (the copyright
# files stay); nobody reads them on a kiosk and they cost 100 MB.
mmdebstrap --mode=root --variant=minbase --format=directory \
	--include="$include" \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--dpkgopt='path-exclude=/usr/share/lintian/*' \
	"$suite" "$rootfs" \
	"deb $mirror $suite main" \
	"deb $mirror $suite-updates main" \
	"deb $security_mirror $suite-security main" >"$out/mmdebstrap.log" 2>&1 ||
	{
		tail -30 "$out/mmdebstrap.log" >&2
		die "mmdebstrap failed (full log: $out/mmdebstrap.log)"
	}
t1=$(date +%s)
log "mmdebstrap done in $((t1 - t0)) s"

r=$rootfs
# --- The kiosk itself.
install -D -m 0755 "$repo/bin/kiosk" "$r/usr/local/bin/kiosk"
install -D -m 0755 "$repo/bin/kioskctl" "$r/usr/local/bin/kioskctl"

# The kiosk user: no password, no shell; a home with the ~/.cache and
# ~/.config that Fyne and Mesa write to.
for g in video input render dialout plugdev; do
	grep -q "^$g:" "$r/etc/group" || groupadd --root "$r" --system "$g"
done
useradd --root "$r" --system --user-group --create-home --home-dir /home/kiosk \
	--shell /usr/sbin/nologin --groups video,input,render,dialout,plugdev kiosk
# Numeric ids: the build host has no kiosk user.
kuid=$(awk -F: '$1 == "kiosk" { print $3 }' "$r/etc/passwd")
kgid=$(awk -F: '$1 == "kiosk" { print $3 }' "$r/etc/group")
install -d -o "$kuid" -g "$kgid" -m 0700 "$r/home/kiosk/.cache" "$r/home/kiosk/.config"
chmod 0700 "$r/home/kiosk"
# Root cannot log in either: its password is locked (and there is no getty).
usermod --root "$r" --lock root

# The configuration is readable by the kiosk user only; SIP2 and maintenance
# credentials are provisioned per kiosk at install time, never baked in.
install -d -o 0 -g "$kgid" -m 0750 "$r/etc/kiosk"
install -o 0 -g "$kgid" -m 0640 "$config" "$r/etc/kiosk/kiosk.toml"

# --- systemd units and udev rules.
install -m 0644 "$repo/packaging/systemd/kiosk.service" "$r/etc/systemd/system/kiosk.service"
install -m 0644 "$here/files/kiosk-demo.service" "$r/etc/systemd/system/kiosk-demo.service"
install -D -m 0644 "${KIOSK_DEMO_SCRIPT:-$here/files/demo-idle.txt}" "$r/usr/local/share/kiosk/demo.txt"
install -D -m 0644 "$repo/packaging/udev/70-kiosk.rules" "$r/etc/udev/rules.d/70-kiosk.rules"
# The lockdown and system settings (each file says why).
cp -r "$here/files/etc/." "$r/etc/"
# /tmp on tmpfs: nothing a session leaves behind survives a reboot.
cp "$r/usr/share/systemd/tmp.mount" "$r/etc/systemd/system/tmp.mount"

echo kiosk >"$r/etc/hostname"
# A UTF-8 locale for PAM and every service (the kiosk has its own translations).
echo LANG=C.UTF-8 >"$r/etc/default/locale"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkiosk\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
printf 'LABEL=kiosk-root\t/\text4\tdefaults,noatime\t0\t1\n' >"$r/etc/fstab"
# Every installed kiosk gets its own machine id on first boot.
: >"$r/etc/machine-id"
rm -f "$r/var/lib/dbus/machine-id"

sc() { systemctl --root="$r" --quiet "$@"; }
sc set-default graphical.target
sc enable seatd.service systemd-networkd.service systemd-resolved.service chrony.service tmp.mount
if [ "$demo" = 1 ]; then
	sc enable kiosk-demo.service
	log "KIOSK_DEMO=1: the image boots into the demo (kiosk-demo.service)"
else
	sc enable kiosk.service
fi
# No way to a shell or a reboot from the keyboard: no gettys on any VT or
# serial line, no debug shell, no Ctrl+Alt+Del.
sc mask ctrl-alt-del.target getty.target getty@tty1.service getty@.service autovt@.service \
	serial-getty@.service console-getty.service debug-shell.service
# The image is updated as a whole (README: A/B plan), never by apt on the kiosk.
sc mask apt-daily.timer apt-daily-upgrade.timer

# resolv.conf points at systemd-resolved's stub (the package sets this up,
# but not inside mmdebstrap's chroot, where the host's file is bind-mounted).
ln -sf ../run/systemd/resolve/stub-resolv.conf "$r/etc/resolv.conf"

# Clean up what the build left behind.
rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb \
	"$r/var/log/"*.log "$r/var/log/apt/"* "$r/tmp/"* "$r/root/.bash_history"

# --- Checks: fail the build, not the kiosk at boot.
problems=()
for f in usr/bin/cage usr/bin/Xwayland usr/sbin/seatd usr/sbin/chronyd; do
	[ -x "$r/$f" ] || problems+=("/$f is missing")
done
# GLFW dlopen()s these, so ldd cannot vouch for them (platform.md §5).
for lib in libwayland-cursor.so.0 libwayland-egl.so.1 libxkbcommon.so.0 libXcursor.so.1 \
	libXi.so.6 libXinerama.so.1 libXrandr.so.2 libEGL.so.1 libGLESv2.so.2; do
	[ -e "$r/usr/lib/x86_64-linux-gnu/$lib" ] || problems+=("$lib is missing (GLFW dlopens it)")
done
if chroot "$r" ldd /usr/local/bin/kiosk | grep -q 'not found'; then
	problems+=("kiosk: $(chroot "$r" ldd /usr/local/bin/kiosk | grep 'not found' | tr -s ' \t\n' ' ')")
fi
if [ -e "$r/usr/sbin/sshd" ]; then
	problems+=("an ssh server is installed")
fi
for u in getty.target getty@tty1.service serial-getty@.service ctrl-alt-del.target debug-shell.service; do
	[ "$(readlink "$r/etc/systemd/system/$u")" = /dev/null ] || problems+=("$u is not masked")
done
wanted=kiosk.service
if [ "$demo" = 1 ]; then
	wanted=kiosk-demo.service
fi
[ -L "$r/etc/systemd/system/graphical.target.wants/$wanted" ] || problems+=("$wanted is not enabled")
if [ ${#problems[@]} -gt 0 ]; then
	printf 'build.sh: check failed: %s\n' "${problems[@]}" >&2
	die "the image is not fit to boot (rootfs kept in $r)"
fi
log "checks passed: binaries, dlopened libraries, ldd, no sshd, gettys masked, $wanted enabled"

# --- The manifest: what went in, so an image can be rebuilt or audited.
kver=$(find "$r/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
{
	echo "# kiosk image manifest"
	echo "suite: $suite"
	echo "mirror: $mirror ($suite, $suite-updates) and $security_mirror ($suite-security)"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
	echo "git: $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "demo: $demo"
	echo "kernel: $kver"
	echo "config: $(basename "$config")"
	echo
	echo "# sha256"
	(cd "$r" && sha256sum usr/local/bin/kiosk usr/local/bin/kioskctl etc/kiosk/kiosk.toml \
		etc/systemd/system/kiosk.service etc/udev/rules.d/70-kiosk.rules)
	echo
	echo "# packages ($(chroot "$r" dpkg-query -W | wc -l))"
	# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
	chroot "$r" dpkg-query -W -f='${Package}\t${Version}\t${Architecture}\n'
} >"$out/manifest.txt"

# --- Kernel, initramfs and the command line for a boot loader.
install -m 0644 "$r/boot/vmlinuz-$kver" "$out/vmlinuz"
install -m 0644 "$r/boot/initrd.img-$kver" "$out/initrd.img"
# quiet + loglevel=3 keep kernel messages off the kiosk screen; the cursor is
# hidden on the text console; no sysrq even before sysctl runs.
echo "root=LABEL=kiosk-root ro quiet loglevel=3 sysctl.kernel.sysrq=0 vt.global_cursor_default=0" >"$out/cmdline.txt"

# --- The file systems.
used_mb=$(du -sm "$r" | cut -f1)
size=${KIOSK_IMAGE_SIZE:-$((used_mb * 14 / 10 + 100))M}
t2=$(date +%s)
mkfs.ext4 -q -F -L kiosk-root -d "$r" "$out/kiosk.ext4" "$size"
t3=$(date +%s)
log "kiosk.ext4: $size for ${used_mb} MB of files, in $((t3 - t2)) s"
if [ "${KIOSK_SQUASHFS:-0}" = 1 ]; then
	# mksquashfs takes its timestamps from SOURCE_DATE_EPOCH itself.
	mksquashfs "$r" "$out/kiosk.squashfs" -comp zstd -noappend -quiet -no-progress
	log "kiosk.squashfs: $(du -h "$out/kiosk.squashfs" | cut -f1) in $(($(date +%s) - t3)) s"
fi
[ "${KIOSK_KEEP_ROOTFS:-0}" = 1 ] || rm -rf "$r"

log "done in $(($(date +%s) - t0)) s: $out"
ls -la "$out" >&2

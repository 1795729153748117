#!/usr/bin/env bash
# Builds the kiosk OS image: a Debian 12 (bookworm) minbase system made with
# mmdebstrap, holding the kiosk binaries, its systemd units and udev rules,
# and nothing to log in with, on one GPT disk image that boots by UEFI
# (README, "Disk layout"). It writes to OUT_DIR:
#
#   kiosk.img         the disk image, to dd to a disk: EFI system partition
#                     with systemd-boot, root slots A and B, config, data
#   vmlinuz, initrd.img, systemd-bootx64.efi   what went on the ESP
#   cmdline.txt       the kernel command line of the boot entry (after root=)
#   manifest.txt      package versions, binary checksums and build inputs
#   kiosk.squashfs    only with KIOSK_SQUASHFS=1 (a compressed root, for later)
#
# Usage (as root):  packaging/image/build.sh [OUT_DIR]       (default: ../image-out beside the repo)
#
# Knobs (environment):
#   KIOSK_DEMO=1        boot into the demo (built-in simulators) instead of the real kiosk
#   KIOSK_DEMO_SCRIPT=FILE  the demo's scenario (default files/demo-idle.txt: the
#                       welcome screen; demo/walkthrough.txt loops the walkthrough)
#   KIOSK_CONFIG=FILE   the template configuration on the config partition
#                       (default packaging/kiosk.toml; provision.sh makes per-kiosk copies)
#   KIOSK_TIMEZONE=ZONE the system's time zone (default Europe/Copenhagen)
#   KIOSK_MIRROR=URL    Debian mirror (default http://deb.debian.org/debian);
#   KIOSK_SECURITY_MIRROR=URL  (default http://deb.debian.org/debian-security)
#   KIOSK_BASE_CACHE=DIR  keep mmdebstrap's result there for a day and reuse it
#   KIOSK_ROOT_SIZE_MB=N  size of each root slot (default: contents plus 20 % and 100 MB)
#   KIOSK_DATA_SIZE_MB=N  size of the data partition (default 256)
#   KIOSK_SQUASHFS=1    also write kiosk.squashfs (about a minute more)
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
timezone=${KIOSK_TIMEZONE:-Europe/Copenhagen}

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
command -v sgdisk >/dev/null || need+=(gdisk)
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
command -v mcopy >/dev/null || need+=(mtools)
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
	# The boot loader: only its EFI binary is used, copied to the ESP.
	systemd-boot-efi
	cage xwayland seatd
	libgl1 libgl1-mesa-dri libegl1 libgles2
	libwayland-cursor0 libwayland-egl1 libxcursor1 libxi6 libxinerama1 libxkbcommon0 libxrandr2
	libusb-1.0-0 fonts-dejavu-core ca-certificates tzdata
	# The sound cues (sound/, oto) link ALSA's library.
	libasound2
	# The clock: timesyncd takes the NTP servers systemd-networkd got by DHCP.
	systemd-timesyncd systemd-resolved
	# The lockdown: the egress firewall, ss for the socket audit, USBGuard.
	nftables iproute2 usbguard
	# Firmware for common kiosk PCs (README, "Firmware").
	firmware-misc-nonfree firmware-realtek firmware-amd-graphics
)
include=$(
	IFS=,
	echo "${packages[*]}"
)
components="main non-free-firmware"
# Documentation, man pages and message catalogues are left out (the copyright
# files stay); nobody reads them on a kiosk and they cost 100 MB.
dpkgopts=(
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-include=/usr/share/locale/locale.alias'
	--dpkgopt='path-exclude=/usr/share/lintian/*'
)

mkdir -p "$out"
out=$(cd "$out" && pwd)
rootfs=$out/rootfs
rm -rf "$rootfs" "$out/kiosk.img" "$out/kiosk.ext4" "$out/kiosk.squashfs"

t0=$(date +%s)
# The base system (mmdebstrap's output) depends only on these inputs. With
# KIOSK_BASE_CACHE=DIR it is kept there as a tar named by their hash and
# reused while it is younger than a day, so that a rebuild after a change to
# the kiosk or to build.sh's own steps skips the download and install.
base_key=$(printf '%s\n' "$suite" "$mirror" "$security_mirror" "$components" "$include" "${dpkgopts[@]}" | sha256sum | cut -c1-16)
base_tar=
if [ -n "${KIOSK_BASE_CACHE:-}" ]; then
	mkdir -p "$KIOSK_BASE_CACHE"
	base_tar=$(cd "$KIOSK_BASE_CACHE" && pwd)/base-$base_key.tar
	find "$base_tar" -mmin +1440 -delete 2>/dev/null || true
fi
mkdir -p "$rootfs"
if [ -n "$base_tar" ] && [ -s "$base_tar" ]; then
	log "base system from the cache: $base_tar"
	tar -C "$rootfs" --numeric-owner -xpf "$base_tar"
else
	log "mmdebstrap $suite (${#packages[@]} packages and their dependencies)"
	tmp_tar=${base_tar:-$out/base.tar}.part
	mmdebstrap --mode=root --variant=minbase --format=tar \
		--include="$include" --components="${components// /,}" "${dpkgopts[@]}" \
		"$suite" "$tmp_tar" \
		"deb $mirror $suite $components" \
		"deb $mirror $suite-updates $components" \
		"deb $security_mirror $suite-security $components" >"$out/mmdebstrap.log" 2>&1 ||
		{
			tail -30 "$out/mmdebstrap.log" >&2
			die "mmdebstrap failed (full log: $out/mmdebstrap.log)"
		}
	tar -C "$rootfs" --numeric-owner -xpf "$tmp_tar"
	if [ -n "$base_tar" ]; then
		mv "$tmp_tar" "$base_tar"
	else
		rm -f "$tmp_tar"
	fi
fi
t1=$(date +%s)
log "base system ready in $((t1 - t0)) s"
[ "${KIOSK_BASE_ONLY:-0}" = 0 ] || exit 0

r=$rootfs
# --- The kiosk itself.
install -D -m 0755 "$repo/bin/kiosk" "$r/usr/local/bin/kiosk"
install -D -m 0755 "$repo/bin/kioskctl" "$r/usr/local/bin/kioskctl"

# The kiosk user: no password, no shell. Its home is a tmpfs at run time
# (fstab below): Fyne's settings and the Mesa and fontconfig caches live in
# RAM and go with a reboot.
for g in video input render dialout plugdev; do
	grep -q "^$g:" "$r/etc/group" || groupadd --root "$r" --system "$g"
done
useradd --root "$r" --system --user-group --create-home --home-dir /home/kiosk \
	--shell /usr/sbin/nologin --groups video,input,render,dialout,plugdev kiosk
# Numeric ids: the build host has no kiosk user.
kuid=$(awk -F: '$1 == "kiosk" { print $3 }' "$r/etc/passwd")
kgid=$(awk -F: '$1 == "kiosk" { print $3 }' "$r/etc/group")
chmod 0700 "$r/home/kiosk"
# Root cannot log in either: its password is locked (and there is no getty).
usermod --root "$r" --lock root

# /etc/kiosk is an empty mount point in the image: at boot a tmpfs is
# mounted there and kiosk-provision.service fills it from the config
# partition (README, "Provisioning"). The data partition is mounted on
# /var/lib/kiosk, the config partition on /run/kiosk-config.
install -d -o 0 -g "$kgid" -m 0750 "$r/etc/kiosk"
install -d -m 0755 "$r/var/lib/kiosk"
install -D -m 0755 "$here/files/kiosk-provision" "$r/usr/local/lib/kiosk/kiosk-provision"

# --- systemd units and udev rules.
install -m 0644 "$repo/packaging/systemd/kiosk.service" "$r/etc/systemd/system/kiosk.service"
install -m 0644 "$here/files/kiosk-demo.service" "$r/etc/systemd/system/kiosk-demo.service"
install -m 0644 "$here/files/kiosk-provision.service" "$r/etc/systemd/system/kiosk-provision.service"
install -m 0644 "$here/files/kiosk-firewall.service" "$r/etc/systemd/system/kiosk-firewall.service"
install -m 0644 "$here/files/kiosk-firewall.timer" "$r/etc/systemd/system/kiosk-firewall.timer"
install -m 0644 "$here/files/kiosk-screen.path" "$r/etc/systemd/system/kiosk-screen.path"
install -m 0644 "$here/files/kiosk-screen.service" "$r/etc/systemd/system/kiosk-screen.service"
install -m 0644 "$here/files/kiosk-reboot.path" "$r/etc/systemd/system/kiosk-reboot.path"
install -m 0644 "$here/files/kiosk-reboot.service" "$r/etc/systemd/system/kiosk-reboot.service"
# The firewall before this kiosk's configuration is known: the template
# configuration's (kiosk-firewall.service replaces it at boot).
{
	echo '#!/usr/sbin/nft -f'
	"$repo/bin/kiosk" -firewall "$config"
} >"$r/etc/nftables.conf" || die "kiosk -firewall $config failed"
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
# The system's zone (the kiosk has its own key, kiosk.time_zone, with the
# same default): journal times and the nightly jobs follow it.
[ -f "$r/usr/share/zoneinfo/$timezone" ] || die "KIOSK_TIMEZONE=$timezone: no such zone in tzdata"
ln -sf "../usr/share/zoneinfo/$timezone" "$r/etc/localtime"
echo "$timezone" >"$r/etc/timezone"

# The mounts. The root slot is read-only: the kernel mounts it so ("ro" on
# the command line, which the boot loader entry carries) and this fstab
# says the same, so systemd-remount-fs keeps it so. Everything a running
# system writes goes to tmpfs, except /var/lib/kiosk on the data partition.
cat >"$r/etc/fstab" <<FSTAB
# The root is the slot the boot loader chose (root=PARTLABEL=root-a or
# root-b on the kernel command line), read-only.
/dev/root		/		ext4	ro,noatime			0 0
# The kiosk's state (offline queue, journal, audit log): the only
# persistent writable file system.
PARTLABEL=kiosk-data	/var/lib/kiosk	ext4	noatime,nodev,nosuid,noexec	0 2
# The config partition (FAT, written by provision.sh), read by root only;
# kiosk-provision.service mounts it and copies it into /etc/kiosk.
PARTLABEL=kiosk-config	/run/kiosk-config vfat	ro,noauto,nodev,nosuid,noexec,uid=0,gid=0,umask=0077	0 0
tmpfs			/etc/kiosk	tmpfs	mode=0750,uid=0,gid=$kgid,size=4m,nodev,nosuid,noexec	0 0
tmpfs			/home/kiosk	tmpfs	mode=0700,uid=$kuid,gid=$kgid,size=256m,nodev,nosuid	0 0
tmpfs			/var/log	tmpfs	mode=0755,size=32m,nodev,nosuid,noexec	0 0
tmpfs			/var/tmp	tmpfs	mode=1777,size=64m,nodev,nosuid		0 0
tmpfs			/var/cache	tmpfs	mode=0755,size=64m,nodev,nosuid,noexec	0 0
tmpfs			/var/lib/systemd tmpfs	mode=0755,size=16m,nodev,nosuid,noexec	0 0
FSTAB
# Every installed kiosk gets its own machine id at each boot (a read-only
# root: systemd keeps it in /run). D-Bus finds it through the link that
# systemd-tmpfiles would otherwise try to make on the read-only root.
: >"$r/etc/machine-id"
ln -sf /etc/machine-id "$r/var/lib/dbus/machine-id"
# A mount point cannot be made at boot on a read-only root: all exist now.
for d in $(awk '$1 !~ /^#/ && NF >= 2 && $2 != "/" && $2 !~ "^/run/" { print $2 }' "$r/etc/fstab"); do
	[ -d "$r$d" ] || install -d -m 0755 "$r$d"
done

sc() { systemctl --root="$r" --quiet "$@"; }
sc set-default graphical.target
sc enable seatd.service systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
	tmp.mount kiosk-provision.service nftables.service kiosk-firewall.service kiosk-firewall.timer \
	kiosk-screen.path kiosk-reboot.path
if [ "$demo" = 1 ]; then
	sc enable kiosk-demo.service
	log "KIOSK_DEMO=1: the image boots into the demo (kiosk-demo.service)"
else
	sc enable kiosk.service
fi
# --- Lockdown (issue 11): USBGuard with the policy of this kiosk's devices,
# made at every boot from its configuration (kiosk -usbguard, in the drop-in
# files/etc/systemd/system/usbguard.service.d/kiosk.conf); the daemon's
# settings (files/etc/usbguard) block every other device. The D-Bus bridge is
# not needed. kiosk-display.service writes cage's rotation and the touch
# calibration's udev rule.
chmod 0600 "$r/etc/usbguard/usbguard-daemon.conf"
install -m 0644 "$here/files/kiosk-display.service" "$r/etc/systemd/system/kiosk-display.service"
sc enable usbguard.service kiosk-display.service
sc mask usbguard-dbus.service
# --- End of the lockdown block.
# No way to a shell or a reboot from the keyboard: no gettys on any VT or
# serial line, no debug or emergency shell, no Ctrl+Alt+Del.
sc mask ctrl-alt-del.target getty.target getty@tty1.service getty@.service autovt@.service \
	serial-getty@.service console-getty.service debug-shell.service emergency.service rescue.service
# The image is updated as a whole (a root slot at a time), never by apt on
# the kiosk; apt itself is removed below.
sc mask apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true

# --- RAUC, the keyring and the update units (issue 16; rauc/install.sh).
# shellcheck source=rauc/install.sh
. "$here/rauc/install.sh"

# resolv.conf points at systemd-resolved's stub (the package sets this up,
# but not inside mmdebstrap's chroot, where the host's file is bind-mounted).
ln -sf ../run/systemd/resolve/stub-resolv.conf "$r/etc/resolv.conf"

# --- Kernel and initramfs, for the EFI system partition. The initramfs is
# made at build time only (linux-image-amd64 ran initramfs-tools in the
# chroot); the runtime image needs neither it nor apt nor perl.
kver=$(find "$r/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
[ -f "$r/boot/initrd.img-$kver" ] || die "no initramfs for kernel $kver"
install -m 0644 "$r/boot/vmlinuz-$kver" "$out/vmlinuz"
install -m 0644 "$r/boot/initrd.img-$kver" "$out/initrd.img"
install -m 0644 "$r/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$out/systemd-bootx64.efi"
drop=()
# usrmerge (perl's only user here) has done its work in the chroot.
for p in apt initramfs-tools initramfs-tools-core klibc-utils libklibc busybox cpio \
	usrmerge libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl \
	perl libperl5.36 perl-modules-5.36 perl-base systemd-boot-efi; do
	if chroot "$r" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		drop+=("$p")
	fi
done
log "removing what only the build needs: ${drop[*]}"
# perl-base is Essential, for dpkg's maintainer scripts and debconf; the
# image never runs dpkg again (it is replaced as a whole), and nothing
# that runs on a kiosk is a perl script.
chroot "$r" dpkg --purge --force-depends --force-remove-essential "${drop[@]}" >"$out/purge.log" 2>&1 ||
	{
		tail -20 "$out/purge.log" >&2
		die "dpkg --purge failed (log: $out/purge.log)"
	}

# Clean up what the build left behind.
rm -rf "$r/var/lib/apt" "$r/var/cache/apt" "$r/etc/apt" \
	"$r/var/log/"*.log "$r/tmp/"* "$r/root/.bash_history"

# --- Checks: fail the build, not the kiosk at boot.
problems=()
for f in usr/bin/cage usr/bin/Xwayland usr/sbin/seatd usr/lib/systemd/systemd-timesyncd usr/sbin/nft usr/bin/ss \
	usr/local/lib/kiosk/kiosk-provision usr/sbin/usbguard-daemon usr/bin/usbguard; do
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
for f in usr/sbin/sshd usr/bin/apt usr/bin/perl usr/sbin/update-initramfs; do
	[ ! -e "$r/$f" ] || problems+=("/$f is in the runtime image")
done
for u in getty.target getty@tty1.service serial-getty@.service ctrl-alt-del.target debug-shell.service \
	emergency.service rescue.service; do
	[ "$(readlink "$r/etc/systemd/system/$u")" = /dev/null ] || problems+=("$u is not masked")
done
wanted=kiosk.service
if [ "$demo" = 1 ]; then
	wanted=kiosk-demo.service
fi
[ -L "$r/etc/systemd/system/graphical.target.wants/$wanted" ] || problems+=("$wanted is not enabled")
# What the kiosk user asks root for: the screen off and on, the reboot.
for u in kiosk-screen.path kiosk-reboot.path; do
	[ -L "$r/etc/systemd/system/multi-user.target.wants/$u" ] || problems+=("$u is not enabled")
done
grep -q '^/dev/root[[:space:]]\+/[[:space:]]\+ext4[[:space:]]\+ro,' "$r/etc/fstab" || problems+=("fstab does not mount / read-only")
grep -q 'policy drop' "$r/etc/nftables.conf" || problems+=("/etc/nftables.conf has no drop policy")
if [ ${#problems[@]} -gt 0 ]; then
	printf 'build.sh: check failed: %s\n' "${problems[@]}" >&2
	die "the image is not fit to boot (rootfs kept in $r)"
fi
log "checks passed: binaries, dlopened libraries, ldd, no sshd/apt/perl/update-initramfs, gettys masked, $wanted and the request path units enabled, / ro in fstab"

# --- The manifest: what went in, so an image can be rebuilt or audited.
npkg=$(chroot "$r" dpkg-query -W | wc -l)
{
	echo "# kiosk image manifest"
	echo "suite: $suite ($components)"
	echo "mirror: $mirror ($suite, $suite-updates) and $security_mirror ($suite-security)"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
	echo "git: $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "demo: $demo"
	echo "kernel: $kver"
	echo "time zone: $timezone"
	echo "config: $(basename "$config") (on the config partition)"
	echo "removed after the build: ${drop[*]}"
	echo
	echo "# sha256"
	(cd "$r" && sha256sum usr/local/bin/kiosk usr/local/bin/kioskctl \
		etc/systemd/system/kiosk.service etc/udev/rules.d/70-kiosk.rules)
	sha256sum "$config" | sed "s|$repo/||"
	echo
	echo "# packages ($npkg)"
	# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
	chroot "$r" dpkg-query -W -f='${Package}\t${Version}\t${Architecture}\n'
} >"$out/manifest.txt"

# The kernel command line of a production boot: the root slot, read-only;
# no kernel messages on the kiosk screen, no cursor on the text console, no
# SysRq even before sysctl runs, and no automatic mounting of partitions by
# their GPT type (the fstab names each one).
cmdline="ro rootfstype=ext4 quiet loglevel=3 sysctl.kernel.sysrq=0 vt.global_cursor_default=0 systemd.gpt_auto=0"
echo "$cmdline" >"$out/cmdline.txt"

# --- The disk image: GPT with the EFI system partition, root slots A and
# B, the config partition and the data partition (README, "Disk layout").
used_mb=$(du -sm "$r" | cut -f1)
esp_mb=256
cfg_mb=16
data_mb=${KIOSK_DATA_SIZE_MB:-256}
root_mb=${KIOSK_ROOT_SIZE_MB:-$(((used_mb * 12 / 10 + 100 + 3) / 4 * 4))}
[ "$root_mb" -gt "$used_mb" ] || die "KIOSK_ROOT_SIZE_MB=$root_mb is smaller than the root's $used_mb MB"
parts=$out/parts
rm -rf "$parts"
mkdir -p "$parts"
t2=$(date +%s)
# Root slot A: the root file system. B: a well-formed, empty ext4 of the
# same size, for the updater (issue 16) to write the next version into.
mkfs.ext4 -q -F -L kiosk-root -d "$r" "$parts/root-a.ext4" "${root_mb}M" >/dev/null
mkfs.ext4 -q -F -L kiosk-root -E root_owner=0:0 "$parts/root-b.ext4" "${root_mb}M" >/dev/null
mkfs.ext4 -q -F -L kiosk-data -E root_owner=0:0 "$parts/data.ext4" "${data_mb}M" >/dev/null

# The config partition: FAT, so that it can be read and written anywhere;
# the template holds the build's configuration and a note.
mkfs.vfat -n KIOSKCFG -C "$parts/config.vfat" $((cfg_mb * 1024)) >/dev/null
mcopy -i "$parts/config.vfat" "$config" ::kiosk.toml
mcopy -i "$parts/config.vfat" "$here/files/config-README.txt" ::README.txt

# The EFI system partition: systemd-boot at the removable-media path (no
# firmware boot entry needed, so the disk boots wherever it is written),
# slot A's kernel and initramfs, and one boot entry (root-a.conf, with
# rauc.slot=A: RAUC finds the booted slot by it, and rauc-bootloader counts
# a slot booted by root-a.conf good until the first update replaces it by
# kiosk-primary*.conf and kiosk-fallback.conf). The menu is hidden and
# its editor off, so nobody at the keyboard can change the command line.
mkfs.vfat -F 32 -n KIOSK-ESP -C "$parts/esp.vfat" $((esp_mb * 1024)) >/dev/null
mmd -i "$parts/esp.vfat" ::EFI ::EFI/BOOT ::loader ::loader/entries ::root-a
mcopy -i "$parts/esp.vfat" "$out/systemd-bootx64.efi" ::EFI/BOOT/BOOTX64.EFI
mcopy -i "$parts/esp.vfat" "$out/vmlinuz" ::root-a/vmlinuz
mcopy -i "$parts/esp.vfat" "$out/initrd.img" ::root-a/initrd.img
printf 'default root-a.conf\ntimeout 0\neditor no\nauto-entries no\nauto-firmware no\n' >"$parts/loader.conf"
printf 'title Library kiosk (slot A)\nlinux /root-a/vmlinuz\ninitrd /root-a/initrd.img\noptions root=PARTLABEL=root-a rauc.slot=A %s\n' \
	"$cmdline" >"$parts/root-a.conf"
mcopy -i "$parts/esp.vfat" "$parts/loader.conf" ::loader/loader.conf
mcopy -i "$parts/esp.vfat" "$parts/root-a.conf" ::loader/entries/root-a.conf

# The GPT, then each partition's file system written into its place.
disk=$out/kiosk.img
rm -f "$disk"
total_mb=$((1 + esp_mb + 2 * root_mb + cfg_mb + data_mb + 1))
truncate -s "${total_mb}M" "$disk"
sgdisk -o \
	-n "1:1M:+${esp_mb}M" -t 1:ef00 -c 1:esp \
	-n "2:0:+${root_mb}M" -t 2:8304 -c 2:root-a \
	-n "3:0:+${root_mb}M" -t 3:8304 -c 3:root-b \
	-n "4:0:+${cfg_mb}M" -t 4:0700 -c 4:kiosk-config \
	-n "5:0:0" -t 5:8300 -c 5:kiosk-data \
	"$disk" >/dev/null
n=1
for f in esp.vfat root-a.ext4 root-b.ext4 config.vfat data.ext4; do
	start=$(sgdisk -i "$n" "$disk" | awk '/^First sector/ { print $3 }')
	[ -n "$start" ] || die "partition $n of $disk is missing"
	dd if="$parts/$f" of="$disk" bs=4M seek=$((start * 512)) oflag=seek_bytes conv=notrunc,sparse status=none
	n=$((n + 1))
done
t3=$(date +%s)
rm -rf "$parts"
log "kiosk.img: ${total_mb} MB (root slots ${root_mb} MB for ${used_mb} MB of files), in $((t3 - t2)) s"
sgdisk -p "$disk" | sed -n '/^Number/,$p' >&2
if [ "${KIOSK_SQUASHFS:-0}" = 1 ]; then
	# mksquashfs takes its timestamps from SOURCE_DATE_EPOCH itself.
	mksquashfs "$r" "$out/kiosk.squashfs" -comp zstd -noappend -quiet -no-progress
	log "kiosk.squashfs: $(du -h "$out/kiosk.squashfs" | cut -f1) in $(($(date +%s) - t3)) s"
fi
[ "${KIOSK_KEEP_ROOTFS:-0}" = 1 ] || rm -rf "$r"

log "packages: $npkg; root file system: ${used_mb} MB; kiosk.img: ${total_mb} MB ($(du -m "$disk" | cut -f1) MB allocated)"
log "done in $(($(date +%s) - t0)) s: $out"
ls -la "$out" >&2

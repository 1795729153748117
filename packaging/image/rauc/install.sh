# shellcheck shell=bash
# Sourced by packaging/image/build.sh (issue 16): puts RAUC and the update
# machinery into the root file system $r. Kept apart from build.sh so that
# the image's other work and this one merge without touching each other.
#
#   RAUC_KEYRING=FILE  the CA certificate(s) bundles must be signed under
#       (PEM): the production CA, whose key is kept off the repository (on
#       the release machine or an HSM; README, "Updates"). Unset, the
#       development CA of packaging/image/rauc/dev-keys/ is used (made by
#       dev-keys.sh if missing), and the manifest says so: such an image
#       takes bundles signed with the development key only.
#
# What goes in: Debian's rauc package (it ships only /usr/bin/rauc, so the
# service unit and its D-Bus activation file are ours), /etc/rauc/system.conf
# and keyring.pem, the D-Bus policy, the boot loader backend and the
# post-install handler, and kiosk-update-check.timer. RAUC's status file is
# on the data partition (system.conf: statusfile=), the root being read-only.
rauc_src=$here/rauc

log "RAUC: installing Debian's rauc package into the image"
# The chroot needs a resolver for apt; build.sh makes resolv.conf a link to
# systemd-resolved's stub afterwards.
rm -f "$r/etc/resolv.conf"
cp -L /etc/resolv.conf "$r/etc/resolv.conf"
mount -t proc proc "$r/proc"
rauc_apt_ok=0
if chroot "$r" apt-get update -qq >"$out/rauc-apt.log" 2>&1 &&
	chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rauc >>"$out/rauc-apt.log" 2>&1; then
	rauc_apt_ok=1
fi
umount "$r/proc"
[ "$rauc_apt_ok" = 1 ] || {
	tail -20 "$out/rauc-apt.log" >&2
	die "apt-get install rauc in the image failed (log: $out/rauc-apt.log)"
}

if [ -n "${RAUC_KEYRING:-}" ]; then
	rauc_keyring=$RAUC_KEYRING
	rauc_keyring_note="RAUC_KEYRING ($(basename "$rauc_keyring"))"
else
	bash "$rauc_src/dev-keys.sh"
	rauc_keyring=$rauc_src/dev-keys/ca.cert.pem
	rauc_keyring_note="the development CA (packaging/image/rauc/dev-keys; not for production)"
	log "RAUC: keyring is the DEVELOPMENT CA; give RAUC_KEYRING=FILE for a production image"
fi
openssl x509 -in "$rauc_keyring" -noout 2>/dev/null || die "RAUC keyring $rauc_keyring is not a PEM certificate"
install -D -m 0644 "$rauc_src/system.conf" "$r/etc/rauc/system.conf"
install -m 0644 "$rauc_keyring" "$r/etc/rauc/keyring.pem"
install -D -m 0644 "$rauc_src/de.pengutronix.rauc.kiosk.conf" "$r/etc/dbus-1/system.d/de.pengutronix.rauc.kiosk.conf"
install -D -m 0644 "$rauc_src/de.pengutronix.rauc.service" "$r/usr/share/dbus-1/system-services/de.pengutronix.rauc.service"
install -m 0644 "$rauc_src/rauc.service" "$r/etc/systemd/system/rauc.service"
for f in rauc-bootloader rauc-post-install kiosk-update-check; do
	install -D -m 0755 "$rauc_src/$f" "$r/usr/local/lib/kiosk/$f"
done
install -m 0644 "$rauc_src/kiosk-update-check.service" "$rauc_src/kiosk-update-check.timer" "$r/etc/systemd/system/"
sc enable kiosk-update-check.timer
# The version the image reports before its first update (rauc status shows
# a bundle's version only for slots written by an install).
echo "${KIOSK_VERSION:-$(git -C "$repo" describe --tags --always --dirty 2>/dev/null || echo dev)}" >"$r/etc/kiosk-version"

rauc_problems=()
for f in usr/bin/rauc etc/rauc/system.conf etc/rauc/keyring.pem usr/local/lib/kiosk/rauc-bootloader \
	usr/local/lib/kiosk/rauc-post-install usr/local/lib/kiosk/kiosk-update-check; do
	[ -e "$r/$f" ] || rauc_problems+=("/$f is missing")
done
chroot "$r" ldd /usr/bin/rauc | grep -q 'not found' && rauc_problems+=("rauc: $(chroot "$r" ldd /usr/bin/rauc | grep 'not found' | tr -s ' \t\n' ' ')")
[ -L "$r/etc/systemd/system/timers.target.wants/kiosk-update-check.timer" ] || rauc_problems+=("kiosk-update-check.timer is not enabled")
if [ ${#rauc_problems[@]} -gt 0 ]; then
	printf 'build.sh: RAUC check failed: %s\n' "${rauc_problems[@]}" >&2
	die "RAUC is not installed right"
fi
log "RAUC: $(chroot "$r" rauc --version), keyring: $rauc_keyring_note, version stamp $(cat "$r/etc/kiosk-version")"

#!/usr/bin/env bash
# Builds a signed RAUC bundle (verity format) of the kiosk's root file
# system, from the disk image build.sh made (root slot A of kiosk.img).
#
# Usage (as root):  packaging/image/rauc/bundle.sh IMAGE_OUT [VERSION]
#
# Writes IMAGE_OUT/kiosk-VERSION.raucb (BUNDLE_OUT=DIR: there; BUNDLE_ROOTFS=FILE
# bundles that ext4 image instead of slot A; BUNDLE_MKSQUASHFS_ARGS="-comp lz4"
# trades size for speed, as update-test.sh does). The key and certificate:
#   RAUC_KEY, RAUC_CERT  the signing key and certificate. Unset, a
#       development CA, key and certificate are made once in
#       packaging/image/rauc/dev-keys/ (git-ignored) and used; the
#       development keyring is dev-keys/ca.cert.pem. The production key is
#       kept outside the repository, on the release machine or an HSM,
#       and given here by path: it never enters the repo or an image.
#   RAUC_KEYRING  the keyring the bundle is checked against after signing
#       (default: dev-keys/ca.cert.pem with the development key).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: bundle.sh IMAGE_OUT [VERSION]}
version=${2:-$(git -C "$here" describe --tags --always --dirty 2>/dev/null || echo dev)}
log() { printf '%s bundle.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

need=()
command -v rauc >/dev/null || need+=(rauc)
command -v sgdisk >/dev/null || need+=(gdisk)
command -v openssl >/dev/null || need+=(openssl)
command -v mksquashfs >/dev/null || need+=(squashfs-tools)
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

keys=$here/dev-keys
if [ -z "${RAUC_KEY:-}" ]; then
	bash "$here/dev-keys.sh"
	RAUC_KEY=$keys/dev.key.pem RAUC_CERT=$keys/dev.cert.pem
	RAUC_KEYRING=${RAUC_KEYRING:-$keys/ca.cert.pem}
fi
: "${RAUC_CERT:?RAUC_CERT: the certificate of RAUC_KEY}"

img=$out/kiosk.img
[ -f "$img" ] || die "no $img: run make image first"
t0=$(date +%s)
dest=${BUNDLE_OUT:-$out}
mkdir -p "$dest"
work=$(mktemp -d "$dest/bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/content"
# Root slot A is partition 2 (label root-a) of the image.
n=$(sgdisk -p "$img" | awk '$7 == "root-a" { print $1 }')
[ -n "$n" ] || die "$img has no partition labelled root-a"
start=$(sgdisk -i "$n" "$img" | awk '/^First sector/ { print $3 }')
end=$(sgdisk -i "$n" "$img" | awk '/^Last sector/ { print $3 }')
if [ -n "${BUNDLE_ROOTFS:-}" ]; then
	# A root file system made elsewhere (update-test.sh's broken v3).
	cp --sparse=always "$BUNDLE_ROOTFS" "$work/content/rootfs.ext4"
else
	dd if="$img" of="$work/content/rootfs.ext4" bs=512 skip="$start" count=$((end - start + 1)) conv=sparse status=none
fi
cat >"$work/content/manifest.raucm" <<MANIFEST
[update]
compatible=danbib-kiosk-amd64
version=$version
description=Library kiosk root file system
build=$(date -u +%Y%m%d%H%M%S)

[bundle]
format=verity

[image.rootfs]
filename=rootfs.ext4
MANIFEST
bundle=$dest/kiosk-$version.raucb
rm -f "$bundle"
rauc bundle ${BUNDLE_MKSQUASHFS_ARGS:+"--mksquashfs-args=$BUNDLE_MKSQUASHFS_ARGS"} --cert="$RAUC_CERT" --key="$RAUC_KEY" "$work/content" "$bundle" >"$work/rauc.log" 2>&1 ||
	{ cat "$work/rauc.log" >&2; die "rauc bundle failed"; }
if [ -n "${RAUC_KEYRING:-}" ]; then
	rauc info --keyring="$RAUC_KEYRING" "$bundle" >/dev/null || die "the bundle does not verify against $RAUC_KEYRING"
fi
log "$bundle: $(du -h "$bundle" | cut -f1), version $version, in $(($(date +%s) - t0)) s"

#!/usr/bin/env bash
# Makes one kiosk's disk image from the template build.sh wrote: a copy of
# kiosk.img whose config partition (FAT, label KIOSKCFG, partition name
# kiosk-config) holds this kiosk's kiosk.toml, with its id and library system
# set, and its secret files. At boot kiosk-provision.service installs them
# into /etc/kiosk with the right owners and modes and checks them. Needs no
# root and no loop device: mtools writes into the partition inside the file.
#
# Usage:  packaging/image/provision.sh [options] TEMPLATE.img OUT.img
#
#   --id ID                    kiosk.id (letters, digits, ".", "_", "-")
#   --sip2-address HOST:PORT   sip2.address (the library system, tls or tcp)
#   --set SECTION.KEY=VALUE    any other key; VALUE is written as TOML, so a
#                              string needs its quotes: --set 'sip2.user="kiosk-7"'
#   --config FILE              start from FILE, not from the template's kiosk.toml
#   --file FILE                copy FILE onto the partition under its own name;
#                              repeat for each (sip2-password, maintenance-pin,
#                              acs-ca.pem ...); README.txt there says which are secret
#   --force                    overwrite OUT.img
#
# Fifty kiosks from one template, for instance:
#   while IFS=, read -r id pw; do
#     printf '%s\n' "$pw" >/tmp/sip2-password
#     provision.sh --id "$id" --set "sip2.user=\"$id\"" --file /tmp/sip2-password \
#       kiosk.img "kiosk-$id.img"
#   done <kiosks.csv
set -euo pipefail

die() {
	echo "provision.sh: $*" >&2
	exit 2
}
sets=()
files=()
config=
force=0
while [ $# -gt 0 ]; do
	case $1 in
	--id)
		[[ ${2:-} =~ ^[A-Za-z0-9._-]+$ ]] || die "--id ${2:-}: use letters, digits, '.', '_' and '-'"
		sets+=("kiosk.id=\"$2\"") && shift
		;;
	--sip2-address)
		hostport='^[][A-Za-z0-9.:_-]+:[0-9]+$'
		[[ ${2:-} =~ $hostport ]] || die "--sip2-address ${2:-}: use HOST:PORT"
		sets+=("sip2.address=\"$2\"") && shift
		;;
	--set)
		[[ ${2:-} =~ ^[a-z0-9_.]+\.[a-z0-9_]+=.+$ ]] || die "--set ${2:-}: use SECTION.KEY=VALUE"
		sets+=("$2") && shift
		;;
	--config) config=$2 && shift ;;
	--file)
		[ -f "${2:-}" ] || die "--file ${2:-}: no such file"
		files+=("$2") && shift
		;;
	--force) force=1 ;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 2 ] || die "usage: provision.sh [--id ID] [--sip2-address HOST:PORT] [--set S.K=V]... [--config FILE] [--file FILE]... [--force] TEMPLATE.img OUT.img"
template=$1
out=$2
[ -f "$template" ] || die "no template image at $template"
[ "$force" = 1 ] || [ ! -e "$out" ] || die "$out exists (--force overwrites it)"
for t in sgdisk mcopy; do
	command -v "$t" >/dev/null || die "$t is missing (apt-get install gdisk mtools)"
done

# The config partition's byte offset, found by its GPT name.
start=$(sgdisk -p "$template" | awk '$NF == "kiosk-config" { print $2 }')
[ -n "$start" ] || die "$template has no partition named kiosk-config (not an image from build.sh?)"
part="$out@@$((start * 512))"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The copy keeps the template's holes: the image is mostly empty space.
cp --sparse=always "$template" "$out.part"
if [ -n "$config" ]; then
	cp "$config" "$tmp/kiosk.toml"
else
	mcopy -n -i "$template@@$((start * 512))" ::kiosk.toml "$tmp/kiosk.toml"
fi

# set_key SECTION KEY VALUE: replaces KEY's line in [SECTION] of
# $tmp/kiosk.toml, or adds it at the end of the section (or a new section).
set_key() {
	S=$1 K=$2 V=$3 awk '
	function put() { if (insec && !done) { print ENVIRON["K"] " = " ENVIRON["V"]; done = 1 } }
	/^[ \t]*\[/ {
		h = $0; sub(/^[ \t]*\[+[ \t]*/, "", h); sub(/[ \t]*\].*$/, "", h)
		put(); insec = (h == ENVIRON["S"]); print; next
	}
	insec && match($0, "^[ \t]*" ENVIRON["K"] "[ \t]*=") {
		if (!done) { print ENVIRON["K"] " = " ENVIRON["V"]; done = 1 }
		next
	}
	{ print }
	END { put(); if (!done) { print ""; print "[" ENVIRON["S"] "]"; print ENVIRON["K"] " = " ENVIRON["V"] } }
	' "$tmp/kiosk.toml" >"$tmp/kiosk.toml.new"
	mv "$tmp/kiosk.toml.new" "$tmp/kiosk.toml"
}
for s in "${sets[@]}"; do
	kv=${s%%=*}
	set_key "${kv%.*}" "${kv##*.}" "${s#*=}"
	echo "provision.sh: ${kv} = ${s#*=}"
done

mcopy -o -i "$part.part" "$tmp/kiosk.toml" ::kiosk.toml 2>/dev/null ||
	mcopy -o -i "$out.part@@$((start * 512))" "$tmp/kiosk.toml" ::kiosk.toml
for f in "${files[@]}"; do
	mcopy -o -i "$out.part@@$((start * 512))" "$f" "::$(basename "$f")"
	echo "provision.sh: $(basename "$f") onto the config partition"
done
mv "$out.part" "$out"
echo "provision.sh: $out: config partition now holds:"
mdir -b -i "$out@@$((start * 512))" :: | sed 's|^::/|  |'

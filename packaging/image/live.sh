# shellcheck shell=bash
# Sourced by image-test.sh, boot-test.sh (--live) and update-test.sh: a kiosk
# that serves in QEMU, its reader and library system simulated on the host.
#
#   live_provision ID TEMPLATE.img OUT.img [provision.sh options...]
#       provision.sh for a kiosk of the demo library (its SIP2 terminal
#       "kiosk", synthetic; plain TCP to 10.0.2.100:6001, allowed for that
#       one address by sip2.plaintext_ok), with QEMU's FTDI adapter in
#       usb.allow and no printer; the options add to it
#   live_start DIR
#       starts padsim (the virtual pad, a FEIG reader, on DIR/pad.sock) and
#       sip2sim (on a free loopback port), logging into DIR; sets live_qemu
#       (QEMU's arguments for the FTDI adapter that connects to padsim,
#       attached from power-on as a reader is) and live_netdev (user
#       networking with restrict=on, where each guest connection to
#       10.0.2.100:6001 gets a relay.py to sip2sim: QEMU forwards nothing to
#       its own gateway address, 10.0.2.2, and nothing else leaves the VM)
#   live_stop
#       stops what live_start started
live_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
live_repo=$(cd "$live_here/../.." && pwd)
live_pids=()
live_qemu=()
live_netdev=

live_provision() {
	local id=$1 template=$2 out=$3 dir rc=0
	shift 3
	dir=$(mktemp -d)
	echo kiosk >"$dir/sip2-password"
	"$live_here/provision.sh" --force --id "$id" --sip2-address 10.0.2.100:6001 \
		--set 'sip2.transport="tcp"' --set 'sip2.plaintext_ok=["10.0.2.100"]' \
		--set 'sip2.institution="DK-799000"' --set 'sip2.user="kiosk"' \
		--set 'sip2.password_file="/etc/kiosk/sip2-password"' --file "$dir/sip2-password" \
		--set 'usb.allow=["0403:6001"]' --set 'printer.driver="none"' \
		"$@" "$template" "$out" || rc=$?
	rm -rf "$dir"
	return "$rc"
}

live_start() {
	local dir=$1 b port
	for b in padsim sip2sim; do
		[ -x "$live_repo/bin/$b" ] || {
			echo "live.sh: $live_repo/bin/$b is missing (make build)" >&2
			return 2
		}
	done
	"$live_repo/bin/padsim" -listen "unix:$dir/pad.sock" 2>"$dir/padsim.log" &
	live_pids+=($!)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$live_repo/bin/sip2sim" -tcp "127.0.0.1:$port" 2>"$dir/sip2sim.log" &
	live_pids+=($!)
	for _ in $(seq 1 50); do
		[ -S "$dir/pad.sock" ] && break
		sleep 0.1
	done
	live_qemu=(-device qemu-xhci,id=livexhci
		-chardev "socket,id=pad,path=$dir/pad.sock,reconnect=1"
		-device usb-serial,bus=livexhci.0,chardev=pad)
	live_netdev="user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:6001-cmd:python3 $live_here/relay.py $port"
}

live_stop() {
	[ ${#live_pids[@]} -eq 0 ] || kill "${live_pids[@]}" 2>/dev/null || true
	live_pids=()
}

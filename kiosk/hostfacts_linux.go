package kiosk

import "golang.org/x/sys/unix"

// hostFacts reads the addresses, the free space of the state directory and
// whether the kernel's clock is synchronised (the flag NTP daemons such as
// systemd-timesyncd and chrony clear once they have steered the clock).
func hostFacts(stateDir string) HostFacts {
	h := HostFacts{IPs: localIPs(), FreeBytes: -1, NTP: "unknown"}
	dir := stateDir
	if dir == "" {
		dir = "/"
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil {
		h.FreeBytes = int64(st.Bavail) * int64(st.Bsize)
	}
	var tx unix.Timex
	if state, err := unix.Adjtimex(&tx); err == nil {
		if state == unix.TIME_ERROR || tx.Status&unix.STA_UNSYNC != 0 {
			h.NTP = "no"
		} else {
			h.NTP = "yes"
		}
	}
	return h
}

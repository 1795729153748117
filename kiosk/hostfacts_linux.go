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
	if synced, known := ClockSynchronised(); known {
		h.NTP = "no"
		if synced {
			h.NTP = "yes"
		}
	}
	return h
}

// ClockSynchronised reads the kernel's flag that NTP daemons (chrony,
// systemd-timesyncd) clear once they have steered the clock. known is
// false when the kernel cannot be asked.
func ClockSynchronised() (synced, known bool) {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false, false
	}
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0, true
}

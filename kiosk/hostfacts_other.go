//go:build !linux

package kiosk

// hostFacts knows only the addresses off Linux.
func hostFacts(string) HostFacts {
	return HostFacts{IPs: localIPs(), FreeBytes: -1, NTP: "unknown"}
}

// ClockSynchronised cannot ask the kernel off Linux: unknown.
func ClockSynchronised() (synced, known bool) { return false, false }

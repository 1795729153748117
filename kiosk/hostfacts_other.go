//go:build !linux

package kiosk

// hostFacts knows only the addresses off Linux.
func hostFacts(string) HostFacts {
	return HostFacts{IPs: localIPs(), FreeBytes: -1, NTP: "unknown"}
}

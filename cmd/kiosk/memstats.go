package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/danbib/kiosk/cmd/kiosk/scenario"
)

// sampleProcess measures the kiosk process for the scenario command
// memstats (the soak test): the resident set size and thread count as the
// kernel sees them, and the live Go heap right after a forced collection, so
// that garbage waiting for the next cycle does not look like a leak.
func sampleProcess() scenario.Sample {
	runtime.GC()
	runtime.GC() // The second cycle also frees what finalizers released in the first.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := scenario.Sample{HeapAfterGC: ms.HeapAlloc, Goroutines: runtime.NumGoroutine()}
	s.RSS, s.Threads = procStatus("/proc/self/status")
	return s
}

// procStatus reads VmRSS (in bytes) and Threads from a /proc status file;
// both are 0 where the file cannot be read (not Linux).
func procStatus(path string) (rss uint64, threads int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		switch k {
		case "VmRSS":
			// The kernel writes "VmRSS:  123456 kB".
			if n, err := strconv.ParseUint(fields[0], 10, 64); err == nil {
				rss = n << 10
			}
		case "Threads":
			threads, _ = strconv.Atoi(fields[0])
		}
	}
	return rss, threads
}

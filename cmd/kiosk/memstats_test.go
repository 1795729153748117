package main

import (
	"os"
	"path/filepath"
	"testing"
)

// procStatus must read the kernel's units (kB) and the thread count, and
// give zeros for a file it cannot read rather than failing the soak.
func TestProcStatus(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "status")
	body := "Name:\tkiosk\nVmPeak:\t  999 kB\nVmRSS:\t  2048 kB\nThreads:\t17\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	rss, threads := procStatus(path)
	if rss != 2048*1024 || threads != 17 {
		t.Fatalf("procStatus = %d bytes, %d threads; want %d, 17", rss, threads, 2048*1024)
	}
	if rss, threads := procStatus(filepath.Join(dir, "missing")); rss != 0 || threads != 0 {
		t.Fatalf("missing file: %d, %d", rss, threads)
	}
	// The real process has a resident set and at least one thread.
	s := sampleProcess()
	if s.RSS == 0 || s.Threads == 0 || s.HeapAfterGC == 0 || s.Goroutines == 0 {
		t.Fatalf("sampleProcess = %+v", s)
	}
}

package logging

import (
	"io"
	"strings"
	"testing"
)

// The ring keeps the newest lines first, and only redacted ones.
func TestRingKeepsRedactedLinesNewestFirst(t *testing.T) {
	l, err := New(io.Discard, "info")
	if err != nil {
		t.Fatal(err)
	}
	r := NewRing(3)
	l.AddHook(r)
	for _, m := range []string{"one", "two", "three", "four"} {
		l.Info(m)
	}
	l.WithField("cpr", "0101700042").Warn("patron 010170-0042 scanned")
	got := r.Lines()
	if len(got) != 3 || !strings.Contains(got[1], "four") || !strings.Contains(got[2], "three") {
		t.Fatalf("lines %q", got)
	}
	if strings.Contains(strings.Join(got, "\n"), "0042") {
		t.Fatalf("a CPR number in the ring: %q", got[0])
	}
}

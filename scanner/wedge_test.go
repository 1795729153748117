package scanner

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// feed types text with the given gap between keys and returns the scans.
func feed(w *Wedge, text string, start time.Time, gap time.Duration) ([]Scan, time.Time) {
	var scans []Scan
	at := start
	for _, r := range text {
		if s, ok := w.Feed(r, at); ok {
			scans = append(scans, s)
		}
		at = at.Add(gap)
	}
	return scans, at
}

func TestWedgeScanVersusTyping(t *testing.T) {
	w := NewWedge(DefaultWedgeOptions())
	// A scanner: 5 ms per key.
	scans, at := feed(w, "12345678\n", t0, 5*time.Millisecond)
	if len(scans) != 1 || string(scans[0].Text) != "12345678" || scans[0].Source != SourceWedge {
		t.Fatalf("scanner burst gave %v", scans)
	}
	// A person typing the same digits, 120 ms per key: no scan.
	scans, at = feed(w, "12345678\n", at.Add(time.Second), 120*time.Millisecond)
	if len(scans) != 0 {
		t.Fatalf("typing counted as a scan: %d", len(scans))
	}
	// A fast typist at 60 ms per key, just above the 50 ms gap: no scan.
	scans, at = feed(w, "0101701234\n", at.Add(time.Second), 60*time.Millisecond) // synthetic CPR
	if len(scans) != 0 {
		t.Fatal("fast typing counted as a scan")
	}
	// Typing, then a scan right after a pause: only the scan counts.
	_, at = feed(w, "abc", at.Add(time.Second), 150*time.Millisecond)
	scans, at = feed(w, "LL1234\n", at.Add(200*time.Millisecond), 4*time.Millisecond)
	if len(scans) != 1 || string(scans[0].Text) != "LL1234" {
		t.Fatalf("scan after typing gave %v", scans)
	}
	// A quick burst shorter than MinLength (e.g. a double key press).
	scans, at = feed(w, "12\n", at.Add(time.Second), 5*time.Millisecond)
	if len(scans) != 0 {
		t.Fatal("two quick keys counted as a scan")
	}
	// Enter arriving late after a fast burst: not a scan.
	_, at = feed(w, "12345678", at.Add(time.Second), 5*time.Millisecond)
	if _, ok := w.Feed('\n', at.Add(300*time.Millisecond)); ok {
		t.Fatal("Enter after a pause completed a scan")
	}
	// A configurable gap.
	w2 := NewWedge(WedgeOptions{MaxGap: 200 * time.Millisecond})
	if scans, _ := feed(w2, "12345678\r", t0, 120*time.Millisecond); len(scans) != 1 {
		t.Fatal("MaxGap 200ms did not accept 120ms keys")
	}
}

func TestWedgeFlushWithoutEnter(t *testing.T) {
	w := NewWedge(DefaultWedgeOptions())
	_, at := feed(w, "12345678", t0, 5*time.Millisecond)
	if !w.Pending() {
		t.Fatal("burst not pending")
	}
	if _, ok := w.Flush(at); ok {
		t.Fatal("flushed while keys may still come")
	}
	s, ok := w.Flush(at.Add(time.Second))
	if !ok || string(s.Text) != "12345678" {
		t.Fatalf("flush = %v %v", s, ok)
	}
	if w.Pending() {
		t.Fatal("still pending after flush")
	}
}

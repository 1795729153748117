package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/danbib/kiosk/usb/usbio"
	"github.com/sirupsen/logrus"
)

func press(mod, code byte) []byte { return []byte{mod, 0, code, 0, 0, 0, 0, 0} }

var release = make([]byte, 8)

// reportsFor builds press/release pairs from explicit usage codes, written
// out by hand here so the decoder is not checked against itself.
func reportsFor(keys ...[2]byte) [][]byte {
	var out [][]byte
	for _, k := range keys {
		out = append(out, press(k[0], k[1]), release)
	}
	return out
}

func TestReportDecoder(t *testing.T) {
	var d ReportDecoder
	// "Ab1!" then Enter: A = shift+0x04, b = 0x05, 1 = 0x1E, ! = shift+0x1E.
	reports := reportsFor([2]byte{0x02, 0x04}, [2]byte{0, 0x05}, [2]byte{0, 0x1E}, [2]byte{0x20, 0x1E}, [2]byte{0, 0x28})
	var got []string
	for _, r := range reports {
		if s, ok := d.Feed(r); ok {
			got = append(got, string(s))
		}
	}
	if len(got) != 1 || got[0] != "Ab1!" {
		t.Fatalf("scans = %q, want [Ab1!]", got)
	}

	// The same key twice needs a release in between; rollover reports
	// (a new key while the old is still down) count the new key only.
	d.Reset()
	seq := [][]byte{
		press(0, 0x1E), press(0, 0x1E), // held: one '1'
		{0, 0, 0x1E, 0x1F, 0, 0, 0, 0}, // '2' pressed while '1' held
		release,
		press(0, 0x1E), release, // '1' again
		{0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01}, // phantom state: ignored
		release,
		press(0, 0x58), // keypad Enter
	}
	var last string
	for _, r := range seq {
		if s, ok := d.Feed(r); ok {
			last = string(s)
		}
	}
	if last != "121" {
		t.Errorf("rollover scan = %q, want 121", last)
	}

	// Ctrl+J (a scanner's control code) adds no 'j'.
	d.Reset()
	for _, r := range [][]byte{press(0, 0x1E), release, press(0x01, 0x0D), release, press(0, 0x1F), release, press(0, 0x28)} {
		if s, ok := d.Feed(r); ok {
			last = string(s)
		}
	}
	if last != "12" {
		t.Errorf("scan with Ctrl+J = %q, want 12", last)
	}

	// Enter alone, and short reports, produce nothing.
	d.Reset()
	if _, ok := d.Feed(press(0, 0x28)); ok {
		t.Error("Enter alone made a scan")
	}
	if _, ok := d.Feed([]byte{0, 0, 0x1E}); ok {
		t.Error("short report made a scan")
	}
}

// fakeHID is a usbio.Transport that plays reports and then errors.
type fakeHID struct {
	mu      sync.Mutex
	reads   []fakeRead
	control []string
}

type fakeRead struct {
	data []byte
	err  error
}

func (f *fakeHID) Write(ctx context.Context, p []byte) (int, error) {
	return 0, errors.New("no OUT endpoint")
}

func (f *fakeHID) Read(ctx context.Context, p []byte) (int, error) {
	f.mu.Lock()
	if len(f.reads) == 0 {
		f.mu.Unlock()
		<-ctx.Done() // nothing scanned: the poll times out
		return 0, fmt.Errorf("fake: %w", usbio.ErrTimeout)
	}
	r := f.reads[0]
	f.reads = f.reads[1:]
	f.mu.Unlock()
	return copy(p, r.data), r.err
}

func (f *fakeHID) Close() error { return nil }

func (f *fakeHID) Control(ctx context.Context, rt, req uint8, value, index uint16, data []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.control = append(f.control, fmt.Sprintf("%02x %02x", rt, req))
	return 0, nil
}

func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func TestHIDReadScan(t *testing.T) {
	f := &fakeHID{}
	// "0101701234" (synthetic CPR) typed as usage codes, then Enter; the
	// second transfer carries two reports at once.
	codes := []byte{0x27, 0x1E, 0x27, 0x1E, 0x24, 0x27, 0x1E, 0x1F, 0x20, 0x21}
	for _, c := range codes {
		f.reads = append(f.reads, fakeRead{data: press(0, c)}, fakeRead{data: release})
	}
	f.reads = append(f.reads, fakeRead{data: append(press(0, 0x28), release...)})
	f.reads = append(f.reads, fakeRead{err: fmt.Errorf("gone: %w", usbio.ErrDisconnected)})

	h := NewHID(f, quietLog(), DefaultHIDOptions())
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h.now = func() time.Time { return now }
	ctx := context.Background()
	s, err := h.ReadScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Text) != "0101701234" || s.Source != SourceHID || !s.At.Equal(now) {
		t.Fatalf("scan = %q %v %v", s.Text, s.Source, s.At)
	}
	if len(f.control) != 2 || f.control[0] != "21 0b" || f.control[1] != "21 0a" {
		t.Errorf("control requests = %v, want SET_PROTOCOL and SET_IDLE", f.control)
	}
	if _, err := h.ReadScan(ctx); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("after unplug err = %v, want ErrDisconnected", err)
	}
}

func TestHIDRunSurvivesDisconnect(t *testing.T) {
	f := &fakeHID{}
	f.reads = append(f.reads, fakeRead{data: press(0, 0x1E)}, fakeRead{data: release})
	// Unplugged mid-scan: the half scan "1" must not leak into the next one.
	f.reads = append(f.reads, fakeRead{err: usbio.ErrDisconnected})
	for _, c := range []byte{0x1F, 0x20, 0x21, 0x22, 0x28} {
		f.reads = append(f.reads, fakeRead{data: press(0, c)}, fakeRead{data: release})
	}
	h := NewHID(f, quietLog(), DefaultHIDOptions())
	retry := make(chan time.Time)
	var waited int
	h.after = func(time.Duration) <-chan time.Time {
		waited++
		return retry
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan Scan)
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, out) }()
	retry <- time.Time{} // release the retry pause without sleeping
	s := <-out
	if string(s.Text) != "2345" {
		t.Errorf("scan after reconnect = %q, want 2345", s.Text)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if waited != 1 {
		t.Errorf("retry pauses = %d, want 1", waited)
	}
}

func FuzzReportDecoder(f *testing.F) {
	f.Add(append(press(0x02, 0x04), release...))
	f.Add(append(press(0, 0x1E), press(0, 0x28)...))
	f.Add([]byte{0, 0, 1, 1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d ReportDecoder
		for off := 0; off+8 <= len(data); off += 8 {
			s, ok := d.Feed(data[off : off+8])
			if !ok {
				continue
			}
			if len(s) == 0 {
				t.Fatal("empty scan")
			}
			for _, r := range string(s) {
				if r == '\n' || r == '\r' {
					t.Fatalf("scan %q contains Enter", s)
				}
			}
		}
	})
}

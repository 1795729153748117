package printer_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
	"github.com/danbib/kiosk/usb/usbio"
)

func newUSB(vp *printertest.Printer, o printer.USBOptions) *printer.USBPrinter {
	return printer.NewUSBPrinter(vp.Open, o, nil)
}

func TestUSBPrintAndStatus(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	p := newUSB(vp, printer.DefaultUSBOptions())
	defer p.Close()

	cases := []struct {
		set   func()
		state printer.State
		word  string
	}{
		{func() {}, printer.StateReady, "ok"},
		{func() { vp.SetPaper(escpos.PaperNearEnd) }, printer.StatePaperNearEnd, "near-end"},
		{func() { vp.SetPaper(escpos.PaperOut) }, printer.StatePaperOut, "out"},
		{func() { vp.SetPaper(escpos.PaperOK); vp.SetCoverOpen(true) }, printer.StateCoverOpen, "offline"},
		{func() { vp.SetCoverOpen(false); vp.SetOffline(true) }, printer.StateOffline, "offline"},
		{func() { vp.SetOffline(false) }, printer.StateReady, "ok"},
	}
	for i, c := range cases {
		c.set()
		st, err := p.Status(ctx)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if st.State() != c.state || st.PaperWord() != c.word {
			t.Errorf("case %d: %v (%s), want %v (%s)", i, st.State(), st.PaperWord(), c.state, c.word)
		}
	}

	j := job("Hej fra USB – æøå")
	big := append(bytes.Repeat([]byte("x"), 10000), j...)
	if err := p.Print(ctx, big); err != nil {
		t.Fatal(err)
	}
	jobs := vp.Jobs()
	if len(jobs) != 1 || !jobs[0].Complete {
		t.Fatalf("jobs: %d", len(jobs))
	}
	// The job arrives byte for byte, without the status requests.
	if !bytes.Equal(jobs[0].Bytes, big) {
		t.Errorf("job differs: %d bytes, want %d", len(jobs[0].Bytes), len(big))
	}
}

func TestUSBRefusesWhenPaperOut(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	vp.SetPaper(escpos.PaperOut)
	p := newUSB(vp, printer.DefaultUSBOptions())
	err := p.Print(ctx, job("x"))
	if !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("err = %v, want ErrPaperOut", err)
	}
	if vp.Count() != 0 {
		t.Error("job sent although the paper is out")
	}
}

func TestUSBReopensAfterUnplug(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	p := newUSB(vp, printer.DefaultUSBOptions())
	if err := p.Print(ctx, job("first")); err != nil {
		t.Fatal(err)
	}
	vp.SetUnplugged(true)
	if st, err := p.Status(ctx); err == nil || st.State() != printer.StateDisconnected || !errors.Is(err, printer.ErrNotConnected) {
		t.Errorf("unplugged: %v %v", st, err)
	}
	if err := p.Print(ctx, job("lost")); !errors.Is(err, printer.ErrNotConnected) {
		t.Errorf("print while unplugged: %v", err)
	}
	vp.SetUnplugged(false)
	if err := p.Print(ctx, job("second")); err != nil {
		t.Fatalf("after replug: %v", err)
	}
	if vp.Count() != 2 {
		t.Fatalf("%d jobs", vp.Count())
	}
	if txt, _ := vp.Text(1); txt != "second\n--- cut ---\n" {
		t.Errorf("second job %q", txt)
	}
}

// TestUSBReplugBetweenCalls: the handle went stale while nobody was
// looking; the first write fails before any byte left, so the job is sent
// once on a fresh handle.
func TestUSBReplugBetweenCalls(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	o := printer.DefaultUSBOptions()
	o.CheckBeforePrint = false
	p := newUSB(vp, o)
	if err := p.Print(ctx, job("one")); err != nil {
		t.Fatal(err)
	}
	vp.SetUnplugged(true)
	vp.SetUnplugged(false)
	if err := p.Print(ctx, job("two")); err != nil {
		t.Fatalf("after replug: %v", err)
	}
	if vp.Count() != 2 {
		t.Errorf("%d jobs, want 2", vp.Count())
	}
}

func TestUSBJamIsIncomplete(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	o := printer.DefaultUSBOptions()
	o.ChunkSize = 8
	p := newUSB(vp, o)
	vp.JamAfter(20)
	err := p.Print(ctx, job("a long enough receipt line"))
	if !errors.Is(err, printer.ErrIncomplete) || !errors.Is(err, usbio.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	st, _ := p.Status(ctx)
	if st.CanPrint() {
		t.Errorf("jammed printer reports %v", st)
	}
	jobs := vp.Jobs()
	if len(jobs) != 1 || jobs[0].Complete || len(jobs[0].Bytes) != 20 {
		t.Errorf("jobs %+v", jobs)
	}
}

func TestUSBPortStatusFallback(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	vp.SetStatusReplies(false)
	p := newUSB(vp, printer.DefaultUSBOptions())
	st, err := p.Status(ctx)
	if err != nil || st.State() != printer.StateReady {
		t.Errorf("ready: %v %v", st, err)
	}
	vp.SetPaper(escpos.PaperOut)
	st, err = p.Status(ctx)
	if err != nil || st.State() != printer.StatePaperOut {
		t.Errorf("paper out via GET_PORT_STATUS: %v %v", st, err)
	}
}

func TestDecodePortStatus(t *testing.T) {
	cases := map[byte]printer.State{
		0x18: printer.StateReady,
		0x38: printer.StatePaperOut,
		0x08: printer.StateOffline,
		0x10: printer.StateError,
	}
	for b, want := range cases {
		if got := printer.DecodePortStatus(b).State(); got != want {
			t.Errorf("%#02x: %v, want %v", b, got, want)
		}
	}
}

// flakyTransport answers the status with garbage first, as a printer with
// automatic status back enabled might.
type flakyTransport struct {
	replies [][]byte
	written [][]byte
}

func (f *flakyTransport) Write(ctx context.Context, p []byte) (int, error) {
	f.written = append(f.written, append([]byte(nil), p...))
	return len(p), nil
}

func (f *flakyTransport) Read(ctx context.Context, p []byte) (int, error) {
	if len(f.replies) == 0 {
		return 0, usbio.ErrTimeout
	}
	n := copy(p, f.replies[0])
	f.replies = f.replies[1:]
	return n, nil
}

func (f *flakyTransport) Close() error { return nil }

func TestUSBStatusSkipsStrayBytes(t *testing.T) {
	ft := &flakyTransport{replies: [][]byte{{0xFF, 0x00, 0x7E}, {0x12}}}
	p := printer.NewUSBPrinter(func(context.Context) (usbio.Transport, error) { return ft, nil }, printer.DefaultUSBOptions(), nil)
	st, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Paper != escpos.PaperOut {
		t.Errorf("paper %v, want out", st.Paper)
	}
	if len(ft.written) < 1 || !bytes.Equal(ft.written[0], []byte{0x10, 0x04, 0x04}) {
		t.Errorf("first request % x", ft.written)
	}
}

// job is a small complete ESC/POS job: initialise, one line, cut.
func job(text string) []byte {
	b := escpos.NewBuilder(escpos.DefaultOptions())
	b.Initialize().Line(text).Cut(escpos.CutPartial, 3)
	p, _ := b.Bytes()
	return p
}

package rfidtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/usb/usbio"
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func near(t *testing.T, what string, got time.Duration, wantMS, tolMS float64) {
	t.Helper()
	if math.Abs(ms(got)-wantMS) > tolMS {
		t.Errorf("%s = %.2f ms, want %.1f ± %.1f ms", what, ms(got), wantMS, tolMS)
	}
}

// The model reproduces the figures of docs/protocols.md §6.
func TestTimingMatchesProtocolFigures(t *testing.T) {
	tm := DefaultTiming()
	near(t, "inventory round, 1 tag", tm.InventoryAir(1), 15, 0.5)
	near(t, "inventory round, 5 tags", tm.InventoryAir(5), 30, 0.5)
	near(t, "inventory round, 10 tags", tm.InventoryAir(10), 49, 0.5)
	near(t, "inventory round, 16 tags", tm.InventoryAir(16), 71, 0.5)
	near(t, "read 8 blocks", tm.ReadAir(8), 15.7, 0.3)
	near(t, "read 9 blocks", tm.ReadAir(9), 16.9, 0.3)
	if w := tm.WriteAFIAir(); w < 10*time.Millisecond || w > 25*time.Millisecond {
		t.Errorf("write AFI %v outside 10–25 ms", w)
	}
	// Host link: a 42-byte response at 38400 8E1 takes ≈ 12 ms.
	near(t, "42 bytes on the serial line", tm.host(42, 0), 12, 0.1)
	// Floors grow with the number of tags, and USB is faster than serial.
	for n := 1; n < 40; n++ {
		if tm.InventoryFloor(n+1) <= tm.InventoryFloor(n) {
			t.Fatalf("InventoryFloor(%d) not above InventoryFloor(%d)", n+1, n)
		}
	}
	if u := USBTiming(); u.ScanFloor(10, 9) >= tm.ScanFloor(10, 9) {
		t.Error("USB scan floor not below serial")
	}
	if ScanFloor(5, 9) != tm.InventoryFloor(5)+5*(tm.SystemInfoFloor()+tm.ReadFloor(9)) {
		t.Error("ScanFloor is not inventory plus reads")
	}
}

// Anticollision never beats the no-collision floor, and colliding UIDs cost more.
func TestAnticollision(t *testing.T) {
	tm := DefaultTiming()
	var distinct, colliding []uint64
	for i := range 16 {
		distinct = append(distinct, uint64(i))
		colliding = append(colliding, uint64(i)<<4) // all in slot 0 of the first round
	}
	if got := tm.anticollision(distinct, 0); got != tm.InventoryAir(16) {
		t.Errorf("16 distinct slots: %v, want %v", got, tm.InventoryAir(16))
	}
	if got := tm.anticollision(colliding, 0); got <= tm.InventoryAir(16) {
		t.Errorf("16 colliding tags: %v, not above the floor %v", got, tm.InventoryAir(16))
	}
	if got := tm.anticollision(nil, 0); got != tm.InventoryAir(0) {
		t.Errorf("empty field %v", got)
	}
}

type sleepLog struct {
	mu    sync.Mutex
	total time.Duration
	n     int
}

func (s *sleepLog) sleep(d time.Duration) {
	s.mu.Lock()
	s.total += d
	s.n++
	s.mu.Unlock()
}

// With timing on, each operation spends the model's time through the sleep seam.
func TestPadAppliesTiming(t *testing.T) {
	tm := DefaultTiming()
	var log sleepLog
	pad := NewPad(PadOptions{Timing: &tm, Sleep: log.sleep, MaxPerFrame: 30})
	for i := range 5 {
		tag, _ := NewItemTag(TestUID(uint32(i+1)), "1", "DK710100", 1, 1)
		pad.Place(tag)
	}
	var psst sleepLog
	d := feig.New(pad.Transport(), feig.Options{Now: func() time.Time { return time.Unix(1, 0) }, Sleep: psst.sleep})
	ctx := context.Background()
	if _, err := d.Inventory(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SystemInfo(ctx, TestUID(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadBlocks(ctx, TestUID(1), 0, 9); err != nil {
		t.Fatal(err)
	}
	// The pad's time is the floor minus the driver's PSST pauses.
	want := tm.InventoryFloor(5) + tm.ReadTagFloor(9) - 3*tm.PSST
	if log.total != want || log.n != 3 {
		t.Errorf("pad slept %v in %d calls, want %v in 3", log.total, log.n, want)
	}
	if pad.Stats().AirTime != want {
		t.Errorf("AirTime %v", pad.Stats().AirTime)
	}
	if psst.n != 2 || psst.total != 2*tm.PSST {
		t.Errorf("driver PSST %v in %d calls", psst.total, psst.n)
	}
}

func TestPadFaults(t *testing.T) {
	pad := NewPad(PadOptions{})
	d := feig.New(pad.Transport(), feig.Options{PSST: -1})
	ctx := context.Background()
	a, _ := NewItemTag(TestUID(1), "1001", "DK710100", 1, 1)
	b, _ := NewItemTag(TestUID(2), "1002", "DK710100", 1, 1)
	pad.Place(a, b)
	pad.Flicker(b.UID, false, true, true)
	var seen []int
	for range 6 {
		tags, err := d.Inventory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, len(tags))
	}
	if want := []int{1, 2, 2, 1, 2, 2}; !equalInts(seen, want) {
		t.Errorf("flicker: %v, want %v", seen, want)
	}

	// Writes: fail twice, then succeed.
	pad.FailWrites(a.UID, 2)
	for i, want := range []error{feig.ErrISOProgramFail, feig.ErrISOProgramFail, nil} {
		if err := d.WriteAFI(ctx, a.UID, 0xC2); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Fatalf("write %d: %v, want %v", i, err, want)
		}
	}
	if got, _ := pad.Tag(a.UID); got.AFI != 0xC2 {
		t.Errorf("AFI %#02x", got.AFI)
	}

	// Reads fail once.
	pad.FailReads(a.UID, 1)
	if _, err := d.ReadBlocks(ctx, a.UID, 0, 9); !errors.Is(err, feig.ErrRFComm) {
		t.Errorf("failed read: %v", err)
	}
	if _, err := d.ReadBlocks(ctx, a.UID, 0, 9); err != nil {
		t.Errorf("second read: %v", err)
	}

	// Unplugged: every call reports usbio.ErrDisconnected until replugged.
	pad.Unplug()
	if _, err := d.Inventory(ctx); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("unplugged: %v", err)
	}
	pad.Replug()
	if _, err := d.SoftwareVersion(ctx); err != nil {
		t.Errorf("replugged: %v", err)
	}

	// Garbage memory does not decode.
	g := NewGarbageTag(TestUID(3), 1)
	pad.Place(g)
	mem, err := d.ReadBlocks(ctx, g.UID, 0, 9)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ddm.Decode(mem); err == nil {
		t.Error("garbage decoded")
	}
	if !bytes.Equal(mem, g.Memory[:36]) {
		t.Error("block order not preserved through the reader")
	}

	// A request with a bad CRC gets no answer.
	tr := pad.Transport()
	if _, err := tr.Write(ctx, []byte{0x05, 0xFF, 0x65, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Read(ctx, make([]byte, 64)); !errors.Is(err, usbio.ErrTimeout) {
		t.Errorf("bad CRC answered: %v", err)
	}
	tr.Close()
	if _, err := tr.Write(ctx, []byte{0x05, 0xFF, 0x65, 0xE5, 0xCB}); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("closed transport: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The pad is safe while a simulator panel places and removes tags during polling.
func TestPadConcurrentUse(t *testing.T) {
	pad := NewPad(PadOptions{})
	d := feig.New(pad.Transport(), feig.Options{PSST: -1})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			tags, err := d.Inventory(ctx)
			if err != nil {
				if ctx.Err() == nil {
					t.Error(err)
				}
				return
			}
			for _, tg := range tags {
				_, _ = d.ReadBlocks(ctx, tg.UID, 0, 9)
			}
		}
	}()
	for i := range 200 {
		tag, _ := NewItemTag(TestUID(uint32(i%7)), "1", "DK710100", 1, 1)
		pad.Place(tag)
		if i%3 == 0 {
			pad.Remove(TestUID(uint32(i % 5)))
		}
		_ = pad.Tags()
	}
	cancel()
	wg.Wait()
}

// Recording a session against the pad and replaying the transcript gives the
// same answers.
func TestRecordReplay(t *testing.T) {
	pad := NewPad(PadOptions{})
	tag, _ := NewItemTag(TestUID(1), "1001", "DK-710100", 1, 1)
	pad.Place(tag)
	var buf bytes.Buffer
	rec := NewRecorder(pad.Transport(), &buf)
	ctx := context.Background()
	run := func(tr feig.Transport, r *Recorder) (feig.SystemInfo, error) {
		d := feig.New(tr, feig.Options{PSST: -1})
		if r != nil {
			r.Comment("inventory")
		}
		if _, err := d.Inventory(ctx); err != nil {
			return feig.SystemInfo{}, err
		}
		if r != nil {
			r.Comment("system info")
		}
		return d.SystemInfo(ctx, tag.UID)
	}
	want, err := run(rec, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "# system info\n> 0F FF B0 2B 01") {
		t.Fatalf("transcript:\n%s", buf.String())
	}
	pb := NewPlayback(t, "recorded", strings.NewReader(buf.String()))
	got, err := run(pb, nil)
	if err != nil || got != want {
		t.Fatalf("replayed %+v, %v; recorded %+v", got, err, want)
	}
	pb.Close()
}

// A playback that sees the wrong bytes fails the test through testing.TB.
func TestPlaybackMismatchFails(t *testing.T) {
	ft := &fakeTB{TB: t}
	pb := NewPlayback(ft, "x", strings.NewReader("# step\n> 01 02\n< 03\n"))
	if _, err := pb.Write(context.Background(), []byte{1, 3}); err == nil || ft.errors != 1 {
		t.Fatalf("mismatch: %v, %d errors", err, ft.errors)
	}
	pb.Close()
	if ft.errors != 2 {
		t.Fatalf("leftover steps not reported (%d errors)", ft.errors)
	}
}

type fakeTB struct {
	testing.TB
	errors int
}

func (f *fakeTB) Errorf(string, ...any) { f.errors++ }
func (f *fakeTB) Helper()               {}

// Tags lifted between the frames of one inventory (the host asks for MORE
// after the first frame) are still reported with what the anticollision
// read: a real reader answers from what it collected. The pad crashed here
// when the soak cleared it during a large inventory.
func TestTagsLiftedBetweenInventoryFrames(t *testing.T) {
	p := NewPad(PadOptions{MaxPerFrame: 2})
	var uids []feig.UID
	for i := range 5 {
		tag, err := NewItemTag(TestUID(uint32(0x100+i)), fmt.Sprintf("38000%05d", i), "DK-799000", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		p.Place(tag)
		uids = append(uids, tag.UID)
	}
	st, out, _ := p.inventory(0x00)
	if st != feig.StatusMoreData || len(out) < 1 || out[0] != 2 {
		t.Fatalf("first frame: status %v, %x", st, out)
	}
	if got := p.Take(uids...); len(got) != 5 {
		t.Fatalf("took %d tags", len(got))
	}
	seen := 2
	for {
		st, out, _ = p.inventory(0x80)
		if st != feig.StatusMoreData && st != feig.StatusOK {
			t.Fatalf("continued inventory: status %v", st)
		}
		seen += int(out[0])
		if out[1] != 0x03 || out[2] != DSFIDDDM {
			t.Fatalf("record %x: want flags 0x03 and the DSFID the anticollision read", out[1:3])
		}
		if st == feig.StatusOK {
			break
		}
	}
	if seen != 5 {
		t.Fatalf("reported %d tags of the 5 collected", seen)
	}
	if st, _, _ := p.inventory(0x00); st != feig.StatusNoTransponder {
		t.Fatalf("new inventory on an empty pad: %v", st)
	}
}

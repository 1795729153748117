package rfid_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/usb/usbio"
)

// drain returns the events delivered so far, without waiting.
func drain(w *rfid.Watcher) []rfid.Event {
	var evs []rfid.Event
	for {
		select {
		case e := <-w.Events():
			evs = append(evs, e)
		default:
			return evs
		}
	}
}

// summary renders events compactly: "item added 1001 complete", …
func summary(evs []rfid.Event) []string {
	var out []string
	for _, e := range evs {
		s := e.Kind.String()
		switch e.Kind {
		case rfid.ItemAdded, rfid.ItemChanged, rfid.ItemRemoved, rfid.ForeignItem:
			s += " " + e.Item.ID
			if e.Kind != rfid.ItemRemoved {
				if e.Item.Complete {
					s += " complete"
				} else {
					s += fmt.Sprintf(" missing %v", e.Item.Missing)
				}
			}
		case rfid.SetIncomplete:
			s += fmt.Sprintf(" %s missing %v", e.Item.ID, e.Item.Missing)
		case rfid.TagUnreadable, rfid.UnreadableGone:
			s += " " + e.UID.String()
		}
		out = append(out, s)
	}
	return out
}

func expect(t *testing.T, round string, w *rfid.Watcher, want ...string) []rfid.Event {
	t.Helper()
	evs := drain(w)
	got := summary(evs)
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", round, got, want)
	}
	return evs
}

func newWatcher(t *testing.T, opts rfid.WatcherOptions) (*rfidtest.Pad, *rfid.FEIGReader, *rfid.Watcher) {
	t.Helper()
	pad, r := newPadReader(t, rfid.Options{})
	return pad, r, rfid.NewWatcher(r, opts, nil)
}

// A stack of 20 tags: 14 single items and two 3-part sets, with one tag at
// the edge of the field flickering and one that never stays long enough to
// count until it settles; then part of the stack is taken away and the
// reader is unplugged and plugged in again.
func TestWatcherStackOf20(t *testing.T) {
	pad, _, w := newWatcher(t, rfid.WatcherOptions{HomeISILs: []string{"DK-710100"}})
	ctx := context.Background()
	var tags []*rfidtest.Tag
	for i := range 14 {
		tags = append(tags, itemTag(t, uint32(i+1), fmt.Sprintf("10%02d", i+1), "DK710100", 1, 1))
	}
	setA, _ := rfidtest.NewItemSet(15, "2001", "DK-710100", 3)
	setB, _ := rfidtest.NewItemSet(18, "2002", "DK-710100", 3)
	tags = append(append(tags, setA...), setB...)
	pad.Place(tags...)
	pad.Flicker(tags[2].UID, true, true, false) // item 1003: seen two rounds in three
	pad.Flicker(setA[1].UID, false, true)       // part 2 of 2001: never twice in a row

	w.Poll(ctx)
	expect(t, "round 1 (nothing confirmed yet)", w)

	w.Poll(ctx)
	var want []string
	for i := range 14 {
		want = append(want, fmt.Sprintf("item added 10%02d complete", i+1))
	}
	want = append(want, "item added 2001 missing [2]", "set incomplete 2001 missing [2]", "item added 2002 complete")
	evs := expect(t, "round 2", w, want...)
	for _, e := range evs {
		if e.Kind == rfid.ItemAdded && e.Item.ID == "2002" {
			if len(e.Item.Tags) != 3 || e.Item.Tags[2].PartNo != 3 || e.Item.Tags[2].UID != setB[2].UID ||
				!e.Item.Tags[0].Secured || e.Item.Tags[0].AFI != 0x07 || e.Item.OwnerISIL != "DK710100" || e.Item.Foreign {
				t.Errorf("set 2002: %+v", e.Item)
			}
		}
	}

	for round := 3; round <= 7; round++ {
		w.Poll(ctx)
		expect(t, fmt.Sprintf("round %d (flickering only)", round), w)
	}

	pad.Flicker(setA[1].UID) // part 2 settles on the pad
	w.Poll(ctx)
	expect(t, "part 2 seen once", w)
	w.Poll(ctx)
	expect(t, "part 2 counted", w, "item changed 2001 complete")

	pad.Remove(setB[0].UID, setB[1].UID, setB[2].UID, tags[0].UID)
	pad.Remove(setA[2].UID)
	w.Poll(ctx)
	expect(t, "removed, first round missing", w)
	w.Poll(ctx)
	expect(t, "removed", w, "item removed 1001", "item removed 2002",
		"item changed 2001 missing [3]", "set incomplete 2001 missing [3]")

	pad.Unplug()
	w.Poll(ctx)
	evs = expect(t, "unplugged", w, "reader down")
	if !errors.Is(evs[0].Err, rfid.ErrReaderGone) {
		t.Errorf("reader down cause: %v", evs[0].Err)
	}
	pad.Remove(tags[1].UID) // taken away while the reader is down
	w.Poll(ctx)
	w.Poll(ctx)
	expect(t, "still unplugged", w)
	// While the reader is away the watcher knows nothing about the pad.
	if s := w.Snapshot(); !s.ReaderDown || len(s.Items) != 0 {
		t.Errorf("snapshot while down: down=%v, %d items", s.ReaderDown, len(s.Items))
	}
	pad.Replug()
	w.Poll(ctx)
	expect(t, "replugged", w, "reader up")
	// What lies on the pad is reported afresh; 1002, taken away while the
	// reader was down, is not among it.
	w.Poll(ctx)
	expect(t, "replugged, second round", w,
		"item added 1004 complete", "item added 1005 complete", "item added 1006 complete", "item added 1007 complete",
		"item added 1008 complete", "item added 1009 complete", "item added 1010 complete", "item added 1011 complete",
		"item added 1012 complete", "item added 1013 complete", "item added 1014 complete",
		"item added 2001 missing [3]", "set incomplete 2001 missing [3]")
	// 1003, at the edge of the field, counts again once seen twice in a row.
	var later []string
	for range 3 {
		w.Poll(ctx)
		later = append(later, summary(drain(w))...)
	}
	if !slices.Equal(later, []string{"item added 1003 complete"}) {
		t.Errorf("flickering item after replug: %q", later)
	}
	if s := w.Snapshot(); s.ReaderDown || len(s.Items) != 13 {
		t.Errorf("final snapshot: down=%v, %d items", s.ReaderDown, len(s.Items))
	}
}

func TestWatcherUnreadableAndForeign(t *testing.T) {
	pad, _, w := newWatcher(t, rfid.WatcherOptions{Confirm: 1, Vanish: 1, HomeISILs: []string{"DK-710100", "DK-710104"}})
	ctx := context.Background()
	garbage := rfidtest.NewGarbageTag(rfidtest.TestUID(50), 7)
	pad.Place(garbage, itemTag(t, 1, "3001", "DK-761500", 1, 1), itemTag(t, 2, "3002", "DK710104", 1, 1))
	w.Poll(ctx)
	// Items are reported in order of owner ISIL and item id.
	evs := expect(t, "first round", w, "tag unreadable "+garbage.UID.String(),
		"item added 3002 complete", "item added 3001 complete", "foreign item 3001 complete")
	if !errors.Is(evs[0].Err, rfid.ErrUnreadable) {
		t.Errorf("unreadable cause %v", evs[0].Err)
	}
	w.Poll(ctx)
	expect(t, "second round: no repeats", w)
	if s := w.Snapshot(); len(s.Unreadable) != 1 || s.Unreadable[0] != garbage.UID {
		t.Errorf("snapshot unreadable %v", s.Unreadable)
	}
	pad.Remove(garbage.UID)
	w.Poll(ctx)
	expect(t, "garbage removed", w, "unreadable tag gone "+garbage.UID.String())
}

// A tag that leaves between inventory and read is not reported as unreadable
// unless its reads keep failing while it is listed.
func TestWatcherTagLeavesMidRead(t *testing.T) {
	pad, _, w := newWatcher(t, rfid.WatcherOptions{Confirm: 1, Vanish: 1, ReadAttempts: 2})
	ctx := context.Background()
	tag := itemTag(t, 1, "4001", "DK710100", 1, 1)
	pad.Place(tag)
	pad.LeaveAfter(tag.UID, 0)
	w.Poll(ctx)
	expect(t, "left before the read", w)
	w.Poll(ctx)
	expect(t, "gone", w)

	// A tag whose reads fail every time while it stays listed is reported
	// once ReadAttempts rounds have failed.
	stuck := itemTag(t, 2, "4002", "DK710100", 1, 1)
	pad.Place(stuck)
	pad.FailReads(stuck.UID, -1)
	w.Poll(ctx)
	expect(t, "first failed read", w)
	w.Poll(ctx)
	evs := expect(t, "second failed read", w, "tag unreadable "+stuck.UID.String())
	if errors.Is(evs[0].Err, rfid.ErrUnreadable) || !errors.Is(evs[0].Err, feig.ErrRFComm) {
		t.Errorf("cause %v", evs[0].Err)
	}
}

func TestWatcherOverflowResync(t *testing.T) {
	pad, _, w := newWatcher(t, rfid.WatcherOptions{Confirm: 1, Buffer: 2})
	ctx := context.Background()
	for i := range 5 {
		pad.Place(itemTag(t, uint32(i+1), fmt.Sprintf("50%d", i), "DK710100", 1, 1))
	}
	w.Poll(ctx) // five ItemAdded into a buffer of two: the rest is dropped
	expect(t, "first round", w, "item added 500 complete", "item added 501 complete")
	w.Poll(ctx)
	evs := expect(t, "resync", w, "resync")
	if s := evs[0].Snapshot; s == nil || len(s.Items) != 5 || s.Items[4].ID != "504" {
		t.Fatalf("snapshot %+v", evs[0].Snapshot)
	}
	pad.Remove(rfidtest.TestUID(1))
	w.Poll(ctx)
	w.Poll(ctx)
	expect(t, "normal delivery again", w, "item removed 500")
}

func TestWatcherRefreshAFI(t *testing.T) {
	pad, r, w := newWatcher(t, rfid.WatcherOptions{Confirm: 1})
	ctx := context.Background()
	tag := itemTag(t, 1, "6001", "DK710100", 1, 1)
	pad.Place(tag)
	w.Poll(ctx)
	expect(t, "added", w, "item added 6001 complete")
	if err := r.SetSecured(ctx, tag.UID, false); err != nil {
		t.Fatal(err)
	}
	w.Refresh(tag.UID)
	w.Poll(ctx)
	evs := expect(t, "refreshed", w, "item changed 6001 complete")
	if it := evs[0].Item.Tags[0]; it.AFI != rfid.AFIOnLoan || it.Secured {
		t.Errorf("after refresh: %+v", it)
	}

	// A re-read that fails keeps the item as it was: no removal, no event.
	pad.FailReads(tag.UID, -1)
	w.Refresh(tag.UID)
	for range 4 {
		w.Poll(ctx)
	}
	expect(t, "failed re-reads", w)
	if s := w.Snapshot(); len(s.Items) != 1 || s.Items[0].Tags[0].AFI != rfid.AFIOnLoan {
		t.Errorf("snapshot after failed re-reads: %+v", s)
	}
}

// Run polls on the ticker until the context ends; synctest's fake clock
// drives it without real waiting.
func TestWatcherRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pad, _, w := newWatcher(t, rfid.WatcherOptions{Interval: 100 * time.Millisecond})
		pad.Place(itemTag(t, 1, "7001", "DK710100", 1, 1))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.Run(ctx) }()
		synctest.Wait()
		if len(w.Events()) != 0 {
			t.Fatal("event after one round")
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		e := <-w.Events()
		if e.Kind != rfid.ItemAdded || e.Item.ID != "7001" {
			t.Fatalf("event %+v", e)
		}
		pad.Clear()
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		if e := <-w.Events(); e.Kind != rfid.ItemRemoved {
			t.Fatalf("event %+v", e)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
	})
}

func TestEventKindNames(t *testing.T) {
	for k := rfid.ItemAdded; k <= rfid.Resync; k++ {
		if strings.Contains(k.String(), "?") {
			t.Errorf("kind %d has no name", k)
		}
	}
}

// flakyReader fails the next inventories with the queued errors.
type flakyReader struct {
	rfid.Reader
	fail []error
}

func (f *flakyReader) Inventory(ctx context.Context) ([]rfid.TagInfo, error) {
	if len(f.fail) > 0 {
		err := f.fail[0]
		f.fail = f.fail[1:]
		return nil, err
	}
	return f.Reader.Inventory(ctx)
}

// Transient inventory errors do not flap the reader state; three in a row do.
func TestWatcherTransientErrors(t *testing.T) {
	pad, r := newPadReader(t, rfid.Options{})
	pad.Place(itemTag(t, 1, "8001", "DK710100", 1, 1))
	timeout := fmt.Errorf("%w: %w", rfid.ErrReaderGone, usbio.ErrTimeout)
	fr := &flakyReader{Reader: r, fail: []error{timeout, timeout}}
	w := rfid.NewWatcher(fr, rfid.WatcherOptions{Confirm: 1}, nil)
	ctx := context.Background()
	w.Poll(ctx)
	w.Poll(ctx)
	expect(t, "two timeouts", w)
	w.Poll(ctx)
	expect(t, "recovered", w, "item added 8001 complete")
	fr.fail = []error{timeout, timeout, timeout}
	w.Poll(ctx)
	w.Poll(ctx)
	expect(t, "two more timeouts", w)
	w.Poll(ctx)
	expect(t, "third timeout", w, "reader down")
	w.Poll(ctx)
	// The pad is forgotten while the reader is down and reported again.
	expect(t, "back", w, "reader up", "item added 8001 complete")
}

// With the timing model on (the demo's setting), the watcher still sees a
// stack in the expected number of rounds; synctest's clock makes the modelled
// air time free, and reports how long the stack took in fake time.
func TestWatcherWithTimingModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pad := rfidtest.NewPad(rfidtest.DefaultPadOptions())
		for i := range 5 {
			pad.Place(itemTag(t, uint32(i+1), fmt.Sprintf("90%02d", i), "DK710100", 1, 1))
		}
		r := rfid.NewFEIG(feig.New(pad.Transport(), feig.DefaultOptions()), rfid.Options{}, nil)
		w := rfid.NewWatcher(r, rfid.WatcherOptions{Interval: 200 * time.Millisecond}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		defer func() { cancel(); <-done }()
		start := time.Now()
		go func() { w.Run(ctx); close(done) }()
		var added int
		for added < 5 {
			if e := <-w.Events(); e.Kind == rfid.ItemAdded {
				added++
			}
		}
		// Two inventory rounds 200 ms apart, then five reads; the very first
		// frame has no PSST pause before it.
		took := time.Since(start)
		tm := rfidtest.DefaultTiming()
		floor := 200*time.Millisecond + tm.InventoryFloor(5) + 5*tm.ReadTagFloor(9) - tm.PSST
		if took < floor {
			t.Errorf("stack of 5 reported after %v, below the model's floor %v", took, floor)
		}
		if took > floor+200*time.Millisecond {
			t.Errorf("stack of 5 reported after %v, floor %v", took, floor)
		}
	})
}

// resettingReader is a flakyReader that can be reset; a reset that works
// ends the hang when fixes is set.
type resettingReader struct {
	*flakyReader
	resets   int
	fixes    bool
	resetErr error
}

func (r *resettingReader) Reset(ctx context.Context) error {
	r.resets++
	if r.fixes {
		r.fail = nil
	}
	return r.resetErr
}

// TestWatcherResetsAHungReaderThenReportsItDown (reliability.md scenario
// 28): a reader that stops answering (command timeouts) is reset once;
// if that helps, nothing is reported; if it keeps hanging, or the reset
// fails, the reader is reported down (which puts the kiosk out of order).
func TestWatcherResetsAHungReaderThenReportsItDown(t *testing.T) {
	timeout := fmt.Errorf("%w: %w", rfid.ErrReaderGone, usbio.ErrTimeout)
	ctx := context.Background()

	pad, r := newPadReader(t, rfid.Options{})
	pad.Place(itemTag(t, 1, "8001", "DK710100", 1, 1))
	// The FEIG reader can be reset, and the (virtual) reader answers it.
	var fr any = r
	if rs, ok := fr.(rfid.Resetter); !ok {
		t.Fatal("the FEIG reader cannot be reset")
	} else if err := rs.Reset(ctx); err != nil {
		t.Fatalf("reset: %v", err)
	}
	rr := &resettingReader{flakyReader: &flakyReader{Reader: r, fail: []error{timeout, timeout, timeout, timeout}}, fixes: true}
	w := rfid.NewWatcher(rr, rfid.WatcherOptions{Confirm: 1}, nil)
	w.Poll(ctx)
	w.Poll(ctx)
	if rr.resets != 1 {
		t.Fatalf("%d resets after two hung inventories, want 1", rr.resets)
	}
	w.Poll(ctx)
	expect(t, "the reset helped", w, "item added 8001 complete")

	rr = &resettingReader{flakyReader: &flakyReader{Reader: r, fail: []error{timeout, timeout, timeout, timeout}}}
	w = rfid.NewWatcher(rr, rfid.WatcherOptions{Confirm: 1}, nil)
	w.Poll(ctx)
	w.Poll(ctx)
	expect(t, "reset, not down yet", w)
	w.Poll(ctx)
	expect(t, "still hung after the reset", w, "reader down")
	if rr.resets != 1 {
		t.Fatalf("%d resets, want 1", rr.resets)
	}

	rr = &resettingReader{flakyReader: &flakyReader{Reader: r, fail: []error{timeout, timeout}}, resetErr: timeout}
	w = rfid.NewWatcher(rr, rfid.WatcherOptions{Confirm: 1}, nil)
	w.Poll(ctx)
	w.Poll(ctx)
	evs := expect(t, "the reset failed", w, "reader down")
	if err := evs[0].Err; err == nil || !strings.Contains(err.Error(), "reset failed") {
		t.Fatalf("reader down with %v, want it to say the reset failed", err)
	}
}

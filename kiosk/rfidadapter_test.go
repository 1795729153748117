package kiosk

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
)

// tagSink records what FeedWatcher reports, as the Kiosk's PadTagSink.
type tagSink struct {
	mu         sync.Mutex
	items      map[string]PadItem
	unreadable map[string]string
	plain      int // PadUnreadable calls
}

func (s *tagSink) PadItem(p PadItem)          { s.mu.Lock(); s.items[p.ItemID] = p; s.mu.Unlock() }
func (s *tagSink) PadRemoved(id string)       { s.mu.Lock(); delete(s.items, id); s.mu.Unlock() }
func (s *tagSink) PadUnreadable()             { s.mu.Lock(); s.plain++; s.mu.Unlock() }
func (s *tagSink) SetReader(bool)             {}
func (s *tagSink) PadUnreadableGone(u string) { s.mu.Lock(); delete(s.unreadable, u); s.mu.Unlock() }
func (s *tagSink) PadUnreadableTag(u, reason string) {
	s.mu.Lock()
	s.unreadable[u] = reason
	s.mu.Unlock()
}

// The watcher's events reach the tag inspector with every tag's data model
// fields, and unreadable tags with why: a broken CRC, a blank tag.
func TestFeedWatcherTagDetails(t *testing.T) {
	pad := rfidtest.NewPad(rfidtest.PadOptions{})
	r := rfid.NewFEIG(feig.New(pad.Transport(), feig.Options{PSST: -1}), rfid.DefaultOptions(), nil)
	w := rfid.NewWatcher(r, rfid.DefaultWatcherOptions(), nil)
	set, err := rfidtest.NewItemSet(1, "5012345678", "DK-710100", 2)
	if err != nil {
		t.Fatal(err)
	}
	set[1].AFI = rfid.AFIOnLoan
	set[1].Memory = ddm.ReverseBlocks(set[1].Memory)
	bad, err := rfidtest.NewItemTag(rfidtest.TestUID(7), "3846123456", "DK-775100", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	bad.Memory[3] ^= 0xFF // the item id, under the CRC
	blank := rfidtest.NewGarbageTag(rfidtest.TestUID(8), 1)
	clear(blank.Memory)
	pad.Place(append(set, bad, blank)...)

	sink := &tagSink{items: map[string]PadItem{}, unreadable: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = FeedWatcher(ctx, w, sink) }()
	for i := 0; i < 3; i++ {
		w.Poll(ctx)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		sink.mu.Lock()
		n, u := len(sink.items), len(sink.unreadable)
		sink.mu.Unlock()
		if (n == 1 && u == 2) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	sink.mu.Lock()
	crc := sink.unreadable[bad.UID.String()]
	sink.mu.Unlock()
	if crc != "crc" {
		t.Errorf("the tag with a broken CRC: %q", crc)
	}
	pad.Remove(bad.UID)
	for i := 0; i < 4; i++ {
		w.Poll(ctx)
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done

	p := sink.items["5012345678"]
	if len(p.Details) != 2 {
		t.Fatalf("details %+v", p.Details)
	}
	one, two := p.Details[0], p.Details[1]
	if one.UID != set[0].UID.String() || one.Part != 1 || !one.Secured || one.AFI != rfid.AFISecured ||
		one.Usage != int(ddm.UsageCirculation) || one.Version != 1 || !one.CRCOK || one.CRC == 0 || one.Flags != "" {
		t.Errorf("part 1: %+v", one)
	}
	if two.Part != 2 || two.Secured || two.AFI != rfid.AFIOnLoan || two.Flags != "blocks-reversed" {
		t.Errorf("part 2: %+v", two)
	}
	if sink.plain != 0 {
		t.Errorf("PadUnreadable called %d times on a PadTagSink", sink.plain)
	}
	if got := sink.unreadable[blank.UID.String()]; got != "blank" {
		t.Errorf("blank tag: %q (%v)", got, sink.unreadable)
	}
	if _, ok := sink.unreadable[bad.UID.String()]; ok {
		t.Errorf("the bad-CRC tag was not reported gone: %v", sink.unreadable)
	}
}

func TestUnreadableReason(t *testing.T) {
	for err, want := range map[error]string{
		&rfid.TagError{Op: "decode", Err: ddm.ErrBadCRC}: "crc",
		&rfid.TagError{Op: "decode", Err: ddm.ErrBlank}:  "blank",
		&rfid.TagError{Op: "read", Err: rfid.ErrTagGone}: "read",
	} {
		if got := unreadableReason(err); got != want {
			t.Errorf("%v: %s, want %s", err, got, want)
		}
	}
}

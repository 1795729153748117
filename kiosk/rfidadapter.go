package kiosk

import (
	"context"
	"fmt"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
)

// RFIDTags adapts an rfid.Reader to the TagWriter port: it writes the
// security state to every part of an item, each with the reader's own
// write-and-verify.
type RFIDTags struct {
	r rfid.Reader
}

// NewRFIDTags wraps a reader.
func NewRFIDTags(r rfid.Reader) *RFIDTags { return &RFIDTags{r: r} }

// SetSecured writes every part. When unsecuring fails part-way, the parts
// already unsecured are secured again, so a failed loan never leaves a
// half-unsecured set behind.
func (t *RFIDTags) SetSecured(ctx context.Context, item PadItem, secured bool) error {
	if len(item.Tags) == 0 {
		return fmt.Errorf("kiosk: item %s has no tags to write", item.ItemID)
	}
	var done []rfid.UID
	for _, s := range item.Tags {
		uid, err := rfid.ParseUID(s)
		if err != nil {
			return fmt.Errorf("kiosk: item %s: %w", item.ItemID, err)
		}
		if err := t.r.SetSecured(ctx, uid, secured); err != nil {
			if !secured {
				for _, u := range done {
					// Best effort: the loan is about to be cancelled.
					_ = t.r.SetSecured(context.WithoutCancel(ctx), u, true)
				}
			}
			return fmt.Errorf("kiosk: item %s: %w", item.ItemID, err)
		}
		done = append(done, uid)
	}
	return nil
}

// ReaderInfo asks the reader for its software version (FEIG Get Software
// Version, 0x65), as "kioskctl rfid scan" does, for the status screen.
func (t *RFIDTags) ReaderInfo(ctx context.Context) (string, error) {
	p, ok := t.r.(interface {
		Ping(ctx context.Context) (feig.SoftwareInfo, error)
	})
	if !ok {
		return "", nil
	}
	sw, err := p.Ping(ctx)
	if err != nil {
		return "", fmt.Errorf("kiosk: reader info: %w", err)
	}
	return sw.String(), nil
}

// PadItemFrom converts a watcher item to the core's PadItem.
func PadItemFrom(it rfid.Item) PadItem {
	p := PadItem{ItemID: it.ID, OwnerISIL: ddm.ISILWithHyphen(it.OwnerISIL), Parts: max(it.Parts, 1), Secured: true}
	for _, t := range it.Tags {
		p.Present = append(p.Present, t.PartNo)
		p.Tags = append(p.Tags, t.UID.String())
		if !t.Secured {
			p.Secured = false
		}
	}
	return p
}

// PadSink is what FeedWatcher feeds: the Kiosk implements it.
type PadSink interface {
	PadItem(PadItem)
	PadRemoved(itemID string)
	PadUnreadable()
	SetReader(present bool)
}

// FeedWatcher forwards the watcher's events to the kiosk until ctx ends. A
// Resync replaces everything known: items no longer present are reported
// removed.
func FeedWatcher(ctx context.Context, w *rfid.Watcher, k PadSink) error {
	known := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-w.Events():
			switch ev.Kind {
			case rfid.ItemAdded, rfid.ItemChanged:
				known[ev.Item.ID] = true
				k.PadItem(PadItemFrom(ev.Item))
			case rfid.ItemRemoved:
				delete(known, ev.Item.ID)
				k.PadRemoved(ev.Item.ID)
			case rfid.TagUnreadable:
				k.PadUnreadable()
			case rfid.ReaderDown:
				// The watcher forgets the pad and reports it again later.
				clear(known)
				k.SetReader(false)
			case rfid.ReaderUp:
				k.SetReader(true)
			case rfid.Resync:
				if ev.Snapshot == nil {
					continue
				}
				now := map[string]bool{}
				for _, it := range ev.Snapshot.Items {
					now[it.ID] = true
					k.PadItem(PadItemFrom(it))
				}
				for id := range known {
					if !now[id] {
						k.PadRemoved(id)
					}
				}
				known = now
				k.SetReader(!ev.Snapshot.ReaderDown)
			}
		}
	}
}

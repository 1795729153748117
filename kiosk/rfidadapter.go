package kiosk

import (
	"context"
	"errors"
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

// AFIFor is the AFI value the reader writes for a security state (its
// options when it says, the Danish values otherwise).
func (t *RFIDTags) AFIFor(secured bool) byte {
	o := rfid.DefaultOptions()
	if r, ok := t.r.(interface{ Options() rfid.Options }); ok {
		o = r.Options()
	}
	if secured {
		return o.AFISecured
	}
	return o.AFIUnsecured
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
		d := PadTag{UID: t.UID.String(), Part: t.PartNo, AFI: t.AFI, Secured: t.Secured,
			Usage: int(t.Usage), Version: int(t.Version), CRC: t.CRC, CRCOK: t.CRCOK}
		if t.Flags != 0 {
			d.Flags = t.Flags.String()
		}
		p.Details = append(p.Details, d)
	}
	return p
}

// unreadableReason sorts a watcher's unreadable-tag error into what the tag
// inspector says: "crc" (the basic block's CRC does not hold), "blank" (no
// data model content) or "read" (the memory could not be read).
func unreadableReason(err error) string {
	switch {
	case errors.Is(err, ddm.ErrBadCRC):
		return "crc"
	case errors.Is(err, ddm.ErrBlank), errors.Is(err, ddm.ErrTooShort):
		return "blank"
	}
	return "read"
}

// PadSink is what FeedWatcher feeds: the Kiosk implements it.
type PadSink interface {
	PadItem(PadItem)
	PadRemoved(itemID string)
	PadUnreadable()
	SetReader(present bool)
}

// PadTagSink is optionally implemented by a PadSink that wants unreadable
// tags by UID, with why they cannot be read, and when they leave (the
// Kiosk does, for the tag inspector). FeedWatcher then calls these instead
// of PadUnreadable.
type PadTagSink interface {
	PadUnreadableTag(uid, reason string)
	PadUnreadableGone(uid string)
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
				if ts, ok := k.(PadTagSink); ok {
					ts.PadUnreadableTag(ev.UID.String(), unreadableReason(ev.Err))
				} else {
					k.PadUnreadable()
				}
			case rfid.UnreadableGone:
				if ts, ok := k.(PadTagSink); ok {
					ts.PadUnreadableGone(ev.UID.String())
				}
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

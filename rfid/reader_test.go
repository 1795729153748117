package rfid_test

import (
	"context"
	"errors"
	"testing"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/usb/usbio"
)

// newPadReader returns a virtual pad without timing and a FEIG reader on it.
func newPadReader(t testing.TB, opts rfid.Options) (*rfidtest.Pad, *rfid.FEIGReader) {
	t.Helper()
	pad := rfidtest.NewPad(rfidtest.PadOptions{})
	d := feig.New(pad.Transport(), feig.Options{PSST: -1})
	return pad, rfid.NewFEIG(d, opts, nil)
}

func itemTag(t testing.TB, n uint32, item, isil string, parts, part int) *rfidtest.Tag {
	t.Helper()
	tag, err := rfidtest.NewItemTag(rfidtest.TestUID(n), item, isil, parts, part)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func TestReadTag(t *testing.T) {
	pad, r := newPadReader(t, rfid.Options{})
	pad.Place(itemTag(t, 1, "5012345678901", "DK-710100", 2, 2))
	ctx := context.Background()
	inv, err := r.Inventory(ctx)
	if err != nil || len(inv) != 1 || inv[0].UID != rfidtest.TestUID(1) || inv[0].DSFID != rfidtest.DSFIDDDM {
		t.Fatalf("Inventory = %+v, %v", inv, err)
	}
	tag, err := r.ReadTag(ctx, inv[0].UID)
	if err != nil {
		t.Fatal(err)
	}
	if tag.AFI != rfid.AFISecured || tag.Blocks != rfidtest.DefaultBlocks || len(tag.Memory) != 36 ||
		tag.Data.ItemID != "5012345678901" || tag.Data.OwnerISIL != "DK710100" || tag.Data.Parts != 2 || tag.Data.PartNo != 2 {
		t.Fatalf("ReadTag = %+v", tag)
	}
}

func TestReadTagFaults(t *testing.T) {
	pad, r := newPadReader(t, rfid.Options{})
	ctx := context.Background()
	garbage := rfidtest.NewGarbageTag(rfidtest.TestUID(9), 42)
	pad.Place(garbage)
	_, err := r.ReadTag(ctx, garbage.UID)
	var te *rfid.TagError
	if !errors.Is(err, rfid.ErrUnreadable) || !errors.Is(err, ddm.ErrBadCRC) || !errors.As(err, &te) || te.UID != garbage.UID {
		t.Fatalf("garbage: %v", err)
	}

	// A tag that leaves between the inventory and the read.
	leaving := itemTag(t, 2, "1", "DK710100", 1, 1)
	pad.Place(leaving)
	pad.LeaveAfter(leaving.UID, 1) // answers system info, gone for the block read
	if _, err := r.ReadTag(ctx, leaving.UID); !errors.Is(err, rfid.ErrTagGone) || !errors.Is(err, feig.ErrNoTransponder) {
		t.Fatalf("leaving tag: %v", err)
	}
	if _, ok := pad.Tag(leaving.UID); ok {
		t.Error("tag still on the pad")
	}

	pad.Unplug()
	if _, err := r.Inventory(ctx); !errors.Is(err, rfid.ErrReaderGone) || !errors.Is(err, usbio.ErrDisconnected) {
		t.Fatalf("unplugged: %v", err)
	}
	pad.Replug()
	if _, err := r.Inventory(ctx); err != nil {
		t.Fatalf("replugged: %v", err)
	}
}

func TestSetSecured(t *testing.T) {
	pad, r := newPadReader(t, rfid.Options{WriteAttempts: 3})
	ctx := context.Background()
	tag := itemTag(t, 1, "1", "DK710100", 1, 1)
	pad.Place(tag)

	if err := r.SetSecured(ctx, tag.UID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := pad.Tag(tag.UID); got.AFI != rfid.AFIOnLoan {
		t.Fatalf("AFI %#02x after unsecure", got.AFI)
	}

	// Two failed writes are absorbed by the retry bound.
	pad.FailWrites(tag.UID, 2)
	if err := r.SetSecured(ctx, tag.UID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := pad.Tag(tag.UID); got.AFI != rfid.AFISecured {
		t.Fatalf("AFI %#02x after secure", got.AFI)
	}
	if st := pad.Stats(); st.AFIWrites != 4 {
		t.Errorf("%d writes, want 1+3", st.AFIWrites)
	}

	// Writes that always fail: a per-tag error after exactly WriteAttempts.
	pad.FailWrites(tag.UID, -1)
	before := pad.Stats().AFIWrites
	err := r.SetSecured(ctx, tag.UID, false)
	var te *rfid.TagError
	if !errors.As(err, &te) || te.UID != tag.UID || !errors.Is(err, feig.ErrISOProgramFail) {
		t.Fatalf("always failing: %v", err)
	}
	if n := pad.Stats().AFIWrites - before; n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	// A write the tag acknowledges but does not perform is caught by the read-back.
	pad.IgnoreWrites(tag.UID, -1)
	if err := r.SetSecured(ctx, tag.UID, false); !errors.Is(err, rfid.ErrNotVerified) {
		t.Fatalf("ignored write: %v", err)
	}
	if got, _ := pad.Tag(tag.UID); got.AFI != rfid.AFISecured {
		t.Fatalf("AFI changed to %#02x", got.AFI)
	}

	// Custom AFI values.
	pad2, r2 := newPadReader(t, rfid.Options{AFISecured: 0x07, AFIUnsecured: 0x21})
	pad2.Place(tag)
	if err := r2.SetSecured(ctx, tag.UID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := pad2.Tag(tag.UID); got.AFI != 0x21 {
		t.Fatalf("AFI %#02x, want 0x21", got.AFI)
	}

	// The tag left: reported as gone, with its UID.
	pad2.Remove(tag.UID)
	if err := r2.SetSecured(ctx, tag.UID, true); !errors.Is(err, rfid.ErrTagGone) {
		t.Fatalf("gone: %v", err)
	}
	// Unplugged: no pointless retries.
	pad2.Place(tag)
	pad2.Unplug()
	before = pad2.Stats().AFIWrites
	if err := r2.SetSecured(ctx, tag.UID, true); !errors.Is(err, rfid.ErrReaderGone) {
		t.Fatalf("unplugged: %v", err)
	}
	if pad2.Stats().AFIWrites != before {
		t.Error("writes reached an unplugged reader")
	}
}

package rfid_test

import (
	"context"
	"fmt"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
)

// The kiosk's wiring: a FEIG driver on a transport (here the virtual pad;
// feig.OpenSerial or a usbio.Transport on a real kiosk), the Reader on top,
// and the watcher turning inventories into item events. Run(ctx) polls on
// its own; Poll is one round.
func Example() {
	pad := rfidtest.NewPad(rfidtest.PadOptions{}) // rfidtest.DefaultPadOptions() for real timing
	set, _ := rfidtest.NewItemSet(1, "5012345678901", "DK-710100", 2)
	pad.Place(set[0])

	reader := rfid.NewFEIG(feig.New(pad.Transport(), feig.DefaultOptions()), rfid.DefaultOptions(), nil)
	w := rfid.NewWatcher(reader, rfid.WatcherOptions{HomeISILs: []string{"DK-710100"}}, nil)
	ctx := context.Background()
	show := func() {
		for len(w.Events()) > 0 {
			e := <-w.Events()
			fmt.Printf("%v: %s parts %d missing %v\n", e.Kind, e.Item.ID, e.Item.Parts, e.Item.Missing)
		}
	}
	w.Poll(ctx)
	w.Poll(ctx) // a tag counts after two rounds
	show()
	pad.Place(set[1])
	w.Poll(ctx)
	w.Poll(ctx)
	show()

	// Lend the item: unsecure every part, verified by reading back.
	for _, uid := range w.Snapshot().Items[0].UIDs() {
		if err := reader.SetSecured(ctx, uid, false); err != nil {
			fmt.Println(err)
		}
	}
	t, _ := pad.Tag(set[1].UID)
	fmt.Printf("AFI %#02x\n", t.AFI)
	// Output:
	// item added: 5012345678901 parts 2 missing [2]
	// set incomplete: 5012345678901 parts 2 missing [2]
	// item changed: 5012345678901 parts 2 missing []
	// AFI 0xc2
}

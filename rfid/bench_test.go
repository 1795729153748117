package rfid_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
)

// BenchmarkInventoryAndRead measures an inventory plus reading every tag
// (system information and 9 blocks) on the virtual pad with the timing model
// of a 38400 baud serial reader switched on, and reports the time beside the
// floor the model computes (no collisions, no software overhead). The
// difference is anticollision rounds, MORE frames, sleep granularity and the
// software itself.
func BenchmarkInventoryAndRead(b *testing.B) {
	for _, link := range []struct {
		name   string
		timing rfidtest.Timing
	}{{"serial", rfidtest.DefaultTiming()}, {"usb", rfidtest.USBTiming()}} {
		for _, n := range []int{1, 5, 10, 20} {
			b.Run(fmt.Sprintf("%s/tags=%d", link.name, n), func(b *testing.B) {
				benchScan(b, link.timing, n)
			})
		}
	}
}

func benchScan(b *testing.B, tm rfidtest.Timing, n int) {
	opts := rfidtest.DefaultPadOptions()
	opts.Timing = &tm
	pad := rfidtest.NewPad(opts)
	for i := range n {
		// Real UIDs differ in their low bits, as these do.
		tag, err := rfidtest.NewItemTag(rfidtest.TestUID(uint32(0x1000+i*37)), fmt.Sprintf("50123456%05d", i), "DK-710100", 1, 1)
		if err != nil {
			b.Fatal(err)
		}
		pad.Place(tag)
	}
	r := rfid.NewFEIG(feig.New(pad.Transport(), feig.DefaultOptions()), rfid.Options{}, nil)
	ctx := context.Background()
	scan := func() {
		tags, err := r.Inventory(ctx)
		if err != nil || len(tags) != n {
			b.Fatalf("inventory: %d tags, %v", len(tags), err)
		}
		for _, t := range tags {
			if _, err := r.ReadTag(ctx, t.UID); err != nil {
				b.Fatal(err)
			}
		}
	}
	// One scan before timing, so that every timed scan starts with the PSST
	// pause after the previous frame, as the floor assumes.
	scan()
	for b.Loop() {
		scan()
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perOp)/float64(time.Millisecond), "ms/scan")
	floor := tm.ScanFloor(n, rfid.DefaultOptions().Blocks)
	b.ReportMetric(float64(floor)/float64(time.Millisecond), "floor_ms")
	b.ReportMetric(float64(perOp)/float64(floor), "x_floor")
}

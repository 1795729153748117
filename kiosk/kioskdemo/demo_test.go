package kioskdemo

import (
	"context"
	"testing"
	"time"

	"github.com/danbib/kiosk/kiosk"
)

// TestDemoLoan lends a demo item end to end through the wiring.
func TestDemoLoan(t *testing.T) {
	o := kiosk.DefaultOptions()
	o.StateDir = t.TempDir()
	d, err := Start(context.Background(), Options{Kiosk: o})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	wait := func(what string, cond func(kiosk.View) bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond(d.Kiosk.View()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, d.Kiosk.View())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait("welcome", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome })
	d.Kiosk.Send(kiosk.InChoose{Screen: kiosk.ScreenLoan})
	d.Scan("0101700001") // synthetic demo patron
	wait("pin", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenPIN })
	for _, c := range "1234" {
		d.Kiosk.Send(kiosk.InKey{Key: c})
	}
	wait("loan", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenLoan })
	avail := d.Available(1)
	if len(avail) != 1 {
		t.Fatal("no available demo item")
	}
	if err := d.Place(avail[0].ID, 1); err != nil {
		t.Fatal(err)
	}
	wait("lent", func(v kiosk.View) bool { return len(v.Items) == 1 && v.Items[0].State == kiosk.ItemDone })
}

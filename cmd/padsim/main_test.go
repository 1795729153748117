package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
)

// connTransport is the kiosk's side of the line: what feig.Serial is on a
// serial port, on a socket.
type connTransport struct{ c net.Conn }

func (t connTransport) Write(_ context.Context, p []byte) (int, error) { return t.c.Write(p) }
func (t connTransport) Read(ctx context.Context, p []byte) (int, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = t.c.SetReadDeadline(dl)
	}
	return t.c.Read(p)
}
func (t connTransport) Close() error { return t.c.Close() }

// The kiosk's own FEIG driver talks to the pad through padsim's stream
// handling: it finds the tag placed on the pad, reads its data and writes
// its security bit, and line noise before a frame is skipped.
func TestServeToTheFEIGDriver(t *testing.T) {
	opts := rfidtest.DefaultPadOptions()
	opts.Sleep = func(time.Duration) {}
	pad := rfidtest.NewPad(opts)
	tag, err := rfidtest.NewItemTag(feig.UID{0xE0, 0x04, 1, 2, 3, 4, 5, 6}, "5010203040", "DK-761500", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	pad.Place(tag)

	kioskSide, simSide := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(simSide, pad.Transport()) }()
	// Noise on the line first: a zero length byte is no frame start.
	go func() { _, _ = kioskSide.Write([]byte{0x00}) }()
	time.Sleep(10 * time.Millisecond)

	d := feig.New(connTransport{kioskSide}, feig.Options{Sleep: func(time.Duration) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := d.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].UID != tag.UID {
		t.Fatalf("inventory %+v, want the one tag %v", got, tag.UID)
	}
	if err := d.WriteAFI(ctx, tag.UID, 0xC2); err != nil {
		t.Fatal(err)
	}
	if now, _ := pad.Tag(tag.UID); now.AFI != 0xC2 {
		t.Errorf("AFI on the pad %#x, want 0xc2", now.AFI)
	}
	pad.Remove(tag.UID)
	if got, err := d.Inventory(ctx); err != nil || len(got) != 0 {
		t.Errorf("after removing the tag: %v %v", got, err)
	}
	kioskSide.Close()
	if err := <-done; err == nil {
		t.Error("serve returned no error when the line closed")
	}
}

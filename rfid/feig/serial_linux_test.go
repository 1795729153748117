//go:build linux

package feig_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/usb/usbio"
)

// openPTY returns the master side of a new pseudo-terminal and the path of
// its slave, which stands in for /dev/ttyUSB0.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// The serial transport against a virtual pad behind a pseudo-terminal: real
// termios, real byte stream, answers split in two writes.
func TestSerialOverPTY(t *testing.T) {
	master, path := openPTY(t)
	s, err := feig.OpenSerial(path, feig.DefaultSerialOptions())
	if err != nil {
		t.Skipf("open %s: %v", path, err)
	}
	defer s.Close()

	pad := rfidtest.NewPad(rfidtest.PadOptions{})
	set, _ := rfidtest.NewItemSet(1, "5012345678901", "DK-710100", 3)
	pad.Place(set...)
	go func() {
		tr := pad.Transport()
		buf := make([]byte, 512)
		var pending []byte
		ctx := context.Background()
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			pending = append(pending, buf[:n]...)
			for {
				l, err := feig.FrameLen(pending)
				if err != nil || l == 0 || len(pending) < l {
					break
				}
				if _, err := tr.Write(ctx, pending[:l]); err != nil {
					return
				}
				pending = pending[l:]
				resp := make([]byte, 512)
				rn, err := tr.Read(ctx, resp)
				if err != nil {
					continue
				}
				half := rn / 2
				master.Write(resp[:half])
				time.Sleep(time.Millisecond)
				master.Write(resp[half:rn])
			}
		}
	}()

	d := feig.New(s, feig.DefaultOptions())
	ctx := context.Background()
	tags, err := d.Inventory(ctx)
	if err != nil || len(tags) != 3 {
		t.Fatalf("Inventory = %d tags, %v", len(tags), err)
	}
	si, err := d.SystemInfo(ctx, tags[2].UID)
	if err != nil || si.UID != set[2].UID || si.AFI != 0x07 {
		t.Fatalf("SystemInfo = %+v, %v", si, err)
	}
	if err := d.WriteAFI(ctx, tags[2].UID, 0xC2); err != nil {
		t.Fatal(err)
	}
	if got, _ := pad.Tag(set[2].UID); got.AFI != 0xC2 {
		t.Fatalf("AFI %#02x", got.AFI)
	}

	// A reader that does not answer: a timeout, typed.
	pad.Unplug()
	ctx2, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := d.SoftwareVersion(ctx2); !errors.Is(err, usbio.ErrTimeout) {
		t.Fatalf("silent reader: %v", err)
	}
}

func TestOpenSerialMissing(t *testing.T) {
	_, err := feig.OpenSerial("/dev/does-not-exist-feig", feig.SerialOptions{})
	if !errors.Is(err, usbio.ErrNoDevice) {
		t.Fatalf("err = %v, want ErrNoDevice", err)
	}
	if _, err := feig.OpenSerial("/dev/null", feig.SerialOptions{Parity: "mark"}); err == nil {
		t.Fatal("bad parity accepted")
	}
}

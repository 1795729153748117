// Command padsim serves the virtual RFID pad (package rfidtest: a simulated
// FEIG reader with the serial line's timing) on a byte stream, as a FEIG
// reader behind a USB serial adapter would answer. The image tests give it
// to a QEMU guest as the kiosk's reader: QEMU's emulated FTDI adapter
// (-device usb-serial) connects to padsim's socket, and the kiosk in the
// guest finds it at /dev/ttyUSB0 like the real one.
//
//	padsim -listen unix:/tmp/pad.sock
//	padsim -listen tcp:127.0.0.1:7001
//
// One connection at a time, one after another (a guest that reboots
// connects again); the pad and its tags outlive connections. It serves
// until it is killed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
)

func main() {
	listen := flag.String("listen", "", "where to listen: unix:`PATH` or tcp:HOST:PORT")
	flag.Parse()
	if err := run(*listen); err != nil {
		fmt.Fprintln(os.Stderr, "padsim:", err)
		os.Exit(1)
	}
}

func run(listen string) error {
	network, addr, ok := strings.Cut(listen, ":")
	if !ok || (network != "unix" && network != "tcp") {
		return fmt.Errorf("-listen %q: use unix:PATH or tcp:HOST:PORT", listen)
	}
	if network == "unix" {
		_ = os.Remove(addr)
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	defer l.Close()
	pad := rfidtest.NewPad(rfidtest.DefaultPadOptions())
	fmt.Fprintf(os.Stderr, "padsim: a FEIG reader with an empty pad on %s\n", listen)
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "padsim: connected")
		err = serve(c, pad.Transport())
		c.Close()
		fmt.Fprintf(os.Stderr, "padsim: disconnected: %v\n", err)
	}
}

// serve answers the request frames that arrive on rw, one at a time as the
// reader does. Bytes that start no valid frame are dropped one by one
// until a frame starts (a line picks up noise), and a frame the pad does
// not understand gets no answer, as on a real line.
func serve(rw io.ReadWriter, t feig.Transport) error {
	ctx := context.Background()
	var buf []byte
	chunk := make([]byte, 512)
	resp := make([]byte, 1024)
	for {
		n, err := rw.Read(chunk)
		if err != nil {
			return err
		}
		buf = append(buf, chunk[:n]...)
		for len(buf) > 0 {
			size, err := feig.FrameLen(buf)
			if err != nil {
				buf = buf[1:]
				continue
			}
			if size == 0 || len(buf) < size {
				break
			}
			frame := append([]byte(nil), buf[:size]...)
			buf = buf[size:]
			if _, err := t.Write(ctx, frame); err != nil {
				return err
			}
			m, err := t.Read(ctx, resp)
			if err != nil {
				continue // no answer
			}
			if _, err := rw.Write(resp[:m]); err != nil {
				return err
			}
		}
		if len(buf) > 4096 {
			return errors.New("more than 4096 bytes without a frame")
		}
	}
}

package main

import (
	"context"
	"fmt"
	"github.com/danbib/kiosk/logging"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/danbib/kiosk/usb"
	"github.com/sirupsen/logrus"
)

func init() {
	register("usb list", "list USB devices: VID:PID, strings, bus path, kernel driver", runUSBList)
}

// usbLogger logs warnings of the usb package to stderr, keeping stdout for
// the command's report.
func usbLogger() logrus.FieldLogger {
	l, err := logging.New(os.Stderr, "warn")
	if err != nil {
		panic(err) // "warn" is a valid level
	}
	return l
}

// parseUSBID reads a vendor or product id in hex, with or without 0x, as
// lsusb prints it.
func parseUSBID(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 16)
	if err != nil {
		return 0, fmt.Errorf("bad USB id %q (want hex, e.g. 05f9)", s)
	}
	return uint16(v), nil
}

func runUSBList(args []string, out io.Writer) error {
	fs := newFlagSet("usb list", out)
	sysfs := fs.String("sysfs", "/sys", "sysfs root, for kernel driver bindings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hopts := usb.DefaultHostOptions()
	hopts.SysfsRoot = *sysfs
	host, err := usb.NewHost(usbLogger(), hopts)
	if err != nil {
		return err
	}
	defer host.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	infos, err := host.Inventory(ctx)
	if err != nil {
		return err
	}
	if len(infos) == 0 {
		fmt.Fprintln(out, "no USB devices found (is /dev/bus/usb there, and may this user read it?)")
		return nil
	}
	fmt.Fprintf(out, "%-9s %-8s %-12s %-14s %-24s %-24s %s\n", "ID", "PATH", "CLASS", "DRIVER", "MANUFACTURER", "PRODUCT", "SERIAL")
	for _, i := range infos {
		var classes []string
		for _, in := range i.Interfaces {
			classes = append(classes, fmt.Sprintf("%d", in.Class))
		}
		fmt.Fprintf(out, "%04x:%04x %-8s %-12s %-14s %-24q %-24q %q\n", i.VID, i.PID, i.Path,
			strings.Join(classes, ","), i.Driver(), i.Manufacturer, i.Product, i.Serial)
	}
	return nil
}

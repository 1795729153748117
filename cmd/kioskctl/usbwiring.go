package main

import (
	"context"
	"errors"

	"github.com/danbib/kiosk/usb"
	"github.com/danbib/kiosk/usb/usbio"
)

// The printer and RFID commands reach USB only through usbio.Transport; this
// file gives them the real gousb path, so that only this command and the usb
// package link libusb.
func init() {
	printerOpenUSB = func(vid, pid uint16) (usbio.Transport, error) {
		opts := usb.DefaultOptions()
		opts.VID, opts.PID = vid, pid
		if vid == 0 && pid == 0 {
			opts.Class = usb.ClassPrinter
		}
		return openHosted(opts)
	}
	rfidOpenUSB = func(vid, pid uint16, epIn, epOut uint8) (usbio.Transport, error) {
		opts := usb.DefaultOptions()
		opts.VID, opts.PID = vid, pid
		opts.EndpointIn, opts.EndpointOut = epIn, epOut
		return openHosted(opts)
	}
}

// hostedDevice closes its private libusb context together with the device,
// since a technician command opens exactly one device.
type hostedDevice struct {
	*usb.Device
	host *usb.Host
}

func (d hostedDevice) Close() error {
	return errors.Join(d.Device.Close(), d.host.Close())
}

func openHosted(opts usb.Options) (usbio.Transport, error) {
	host, err := usb.NewHost(usbLogger(), usb.DefaultHostOptions())
	if err != nil {
		return nil, err
	}
	dev, err := host.Open(context.Background(), opts)
	if err != nil {
		host.Close()
		return nil, err
	}
	return hostedDevice{Device: dev, host: host}, nil
}

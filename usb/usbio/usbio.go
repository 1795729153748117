// Package usbio holds what device drivers need to know about a USB device
// without importing gousb: the endpoint transport they read and write, and the
// typed errors of the usb package. The usb package implements Transport with
// gousb; rfid, printer and scanner depend only on this package, so their tests
// build without cgo or libusb.
package usbio

import (
	"context"
	"errors"
)

// Transport is one claimed interface of a USB device: a bulk or interrupt OUT
// endpoint to write to and an IN endpoint to read from. Both calls honour the
// context deadline and return one of the errors below (wrapped) on failure.
type Transport interface {
	// Write sends p on the OUT endpoint.
	Write(ctx context.Context, p []byte) (int, error)
	// Read fills p with at most one transfer from the IN endpoint.
	Read(ctx context.Context, p []byte) (int, error)
	// Close releases the interface and the device.
	Close() error
}

// Typed errors of the USB layer. Callers test them with errors.Is.
var (
	ErrNoDevice     = errors.New("usb: no such device")
	ErrTimeout      = errors.New("usb: transfer timed out")
	ErrStall        = errors.New("usb: endpoint stalled")
	ErrDisconnected = errors.New("usb: device disconnected")
)

// Controller is implemented by transports that can also send control transfers
// on endpoint zero, such as the USB printer class request GET_PORT_STATUS.
// Drivers find it with a type assertion and fall back when it is missing.
type Controller interface {
	Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error)
}

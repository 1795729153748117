package usb

import (
	"errors"
	"testing"

	"github.com/danbib/kiosk/usb/usbio"
	"github.com/google/gousb"
)

func TestMapError(t *testing.T) {
	cases := []struct {
		in   error
		want error
	}{
		{gousb.TransferTimedOut, usbio.ErrTimeout},
		{gousb.ErrorTimeout, usbio.ErrTimeout},
		{gousb.TransferStall, usbio.ErrStall},
		{gousb.ErrorPipe, usbio.ErrStall},
		{gousb.TransferNoDevice, usbio.ErrDisconnected},
		{gousb.ErrorNoDevice, usbio.ErrDisconnected},
		{gousb.ErrorNotFound, usbio.ErrNoDevice},
	}
	for _, c := range cases {
		got := mapError(c.in)
		if !errors.Is(got, c.want) || !errors.Is(got, c.in) {
			t.Errorf("mapError(%v) = %v, want it to wrap %v and the original", c.in, got, c.want)
		}
	}
	if mapError(nil) != nil {
		t.Error("mapError(nil) != nil")
	}
	if got := mapError(gousb.ErrorAccess); errors.Is(got, usbio.ErrNoDevice) || !errors.Is(got, gousb.ErrorAccess) {
		t.Errorf("access error mapped to %v", got)
	}
}

func TestOptionsMatchAndEndpoints(t *testing.T) {
	desc := &gousb.DeviceDesc{
		Vendor: 0x0416, Product: 0x5011,
		Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: []gousb.InterfaceDesc{
			{Number: 0, AltSettings: []gousb.InterfaceSetting{{Number: 0, Class: gousb.ClassHID}}},
			{Number: 1, AltSettings: []gousb.InterfaceSetting{{Number: 1, Class: gousb.ClassPrinter}}},
		}}},
	}
	o := DefaultOptions()
	o.Class = ClassPrinter
	if n, ok := o.matches(desc); !ok || n != 1 {
		t.Errorf("class match = %d %v, want interface 1", n, ok)
	}
	o.Class = ClassVendor
	if _, ok := o.matches(desc); ok {
		t.Error("vendor class matched")
	}
	o = DefaultOptions()
	o.VID, o.PID = 0x0416, 0x5012
	if _, ok := o.matches(desc); ok {
		t.Error("wrong PID matched")
	}
	o.PID = 0x5011
	if n, ok := o.matches(desc); !ok || n != 0 {
		t.Errorf("VID:PID match = %d %v", n, ok)
	}

	s := gousb.InterfaceSetting{Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
		0x83: {Address: 0x83, Direction: gousb.EndpointDirectionIn, TransferType: gousb.TransferTypeIsochronous},
		0x82: {Address: 0x82, Direction: gousb.EndpointDirectionIn, TransferType: gousb.TransferTypeBulk},
		0x01: {Address: 0x01, Direction: gousb.EndpointDirectionOut, TransferType: gousb.TransferTypeBulk},
	}}
	if in, out := pickEndpoints(s, DefaultOptions()); in != 0x82 || out != 0x01 {
		t.Errorf("endpoints %#x %#x", in, out)
	}
	o = DefaultOptions()
	o.EndpointIn = 0x83
	if in, _ := pickEndpoints(s, o); in != 0x83 {
		t.Errorf("configured IN endpoint ignored: %#x", in)
	}
}

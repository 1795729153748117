package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/usb/usbtest"
)

// TestRFIDScanUSBEndpoints scans an emulated FEIG reader (bulk OUT 0x02,
// IN 0x81) with its endpoints named, then with an IN endpoint it does not
// have, which must fail rather than fall back to another endpoint.
func TestRFIDScanUSBEndpoints(t *testing.T) {
	reader := usbtest.FeigReader("reader")
	reader.Params["tags"] = "E0040150338607AE"
	bed := usbtest.Run(t, reader)
	if bed == nil {
		return
	}
	var out bytes.Buffer
	if err := runRFIDScan([]string{"-usb", "0ab1:0002", "-ep-in", "0x81", "-ep-out", "0x02", "-timeout", "10s"}, &out); err != nil {
		t.Fatalf("scan with the reader's endpoints: %v\n%s", err, out.String())
	}
	if s := out.String(); !strings.Contains(s, "software 0301") || !strings.Contains(s, "1 tag(s)") || !strings.Contains(s, "E0040150338607AE") {
		t.Errorf("scan output:\n%s", s)
	}
	out.Reset()
	err := runRFIDScan([]string{"-usb", "0ab1:0002", "-ep-in", "0x83", "-timeout", "5s"}, &out)
	if err == nil || !strings.Contains(err.Error(), "0x83") {
		t.Errorf("a missing IN endpoint 0x83: %v\n%s", err, out.String())
	}
}

func TestRFIDScanEndpointFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-virtual", "-ep-in", "0x81"},           // endpoints without -usb
		{"-usb", "0ab1:0002", "-ep-in", "0x01"},  // an OUT address as IN
		{"-usb", "0ab1:0002", "-ep-out", "0x82"}, // an IN address as OUT
		{"-usb", "0ab1:0002", "-ep-in", "0x181"}, // not a byte
	} {
		var out bytes.Buffer
		if err := runRFIDScan(args, &out); err == nil || !strings.Contains(err.Error(), "-ep-") {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestRFIDScanSecure unsecures a secured tag of the virtual pad through the
// kiosk's tag adapter and reads it back; a UID not on the pad fails.
func TestRFIDScanSecure(t *testing.T) {
	var out bytes.Buffer
	uid := rfidtest.TestUID(1).String()
	if err := runRFIDScan([]string{"-virtual", "-unsecure", uid}, &out); err != nil {
		t.Fatalf("unsecure: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "tag "+uid+" (item 5012345678901) unsecured, read back") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	if err := runRFIDScan([]string{"-virtual", "-secure", "E0040100DEADBEEF"}, &out); err == nil || !strings.Contains(err.Error(), "not on the reader") {
		t.Errorf("a tag not on the pad: %v", err)
	}
	if err := runRFIDScan([]string{"-virtual", "-secure", uid, "-unsecure", uid}, &out); err == nil {
		t.Error("both -secure and -unsecure accepted")
	}
}

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/danbib/kiosk/usb/usbtest"
)

func TestUSBListAndScan(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Printer("printer"), usbtest.Keyboard("scanner"))
	if bed == nil {
		return
	}
	var out bytes.Buffer
	if err := runUSBList([]string{"-sysfs", bed.SysfsRoot()}, &out); err != nil {
		t.Fatal(err)
	}
	list := out.String()
	t.Logf("usb list:\n%s", list)
	for _, want := range []string{"0416:5011", "1-1", "usblp", `"Receipt Printer"`, "05f9:2206", "usbhid", `"SCN0001"`} {
		if !strings.Contains(list, want) {
			t.Errorf("usb list lacks %q:\n%s", want, list)
		}
	}

	bed.Type("scanner", "0101701234\n") // synthetic CPR
	bed.Type("scanner", "1234|5678\n")
	out.Reset()
	if err := runScan([]string{"-vid", "05f9", "-pid", "0x2206", "-count", "2", "-timeout", "20s"}, &out); err != nil {
		t.Fatalf("scan: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("scan:\n%s", got)
	if strings.Contains(got, "0101701234") || strings.Contains(got, "1234|5678") {
		t.Errorf("scan printed raw text:\n%s", got)
	}
	if !strings.Contains(got, "CPR 010170-XXXX") || !strings.Contains(got, "SIP2 delimiter") {
		t.Errorf("scan output:\n%s", got)
	}
	if err := runScan([]string{"-vid", "zz", "-pid", "1"}, &out); err == nil {
		t.Error("bad -vid accepted")
	}
}

package main

import (
	"bytes"
	"strings"
	"testing"
)

func rfidRunKioskctl(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := mainImpl(args, &out, &errOut)
	return out.String() + errOut.String(), code
}

func TestTagEncodeDecode(t *testing.T) {
	out, code := rfidRunKioskctl(t, "tag", "encode", "1000000056", "DK-718500")
	if code != 0 || strings.TrimSpace(out) != "1101013130303030303030353600000000000098A4444B373138353030000000" {
		t.Fatalf("encode: %d %q", code, out)
	}
	out, code = rfidRunKioskctl(t, "tag", "decode", strings.TrimSpace(out))
	for _, want := range []string{"item id:     1000000056", "DK718500 (DK-718500)", "CRC:         0xa498 ok", "byte order:  as read"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("decode output lacks %q:\n%s", want, out)
		}
	}
	out, code = rfidRunKioskctl(t, "tag", "encode", "5012345678901", "DK-710100", "3", "2")
	if code != 0 {
		t.Fatal(out)
	}
	out, _ = rfidRunKioskctl(t, "tag", "decode", strings.TrimSpace(out))
	if !strings.Contains(out, "part:        2 of 3") {
		t.Errorf("set decode:\n%s", out)
	}
	// One flipped bit: a bad CRC is a failure, unless accepted explicitly.
	bad := "11 01 01 31 30 30 30 30 30 30 30 35 37 00 00 00 00 00 00 98 A4 44 4B 37 31 38 35 30 30 00 00 00"
	if out, code = rfidRunKioskctl(t, "tag", "decode", bad); code == 0 || !strings.Contains(out, "bad") {
		t.Errorf("bad CRC: %d\n%s", code, out)
	}
	if out, code = rfidRunKioskctl(t, "tag", "decode", "-accept-bad-crc", bad); code != 0 || !strings.Contains(out, "BAD (accepted") {
		t.Errorf("accepted bad CRC: %d\n%s", code, out)
	}
}

func TestRFIDScanVirtual(t *testing.T) {
	out, code := rfidRunKioskctl(t, "rfid", "scan", "-virtual")
	for _, want := range []string{"6 tag(s)", "E004010000000001", "item 5098765432109, part 2 of 2, owner DK-710100",
		"C2 on loan", "unreadable", "item 1000000056, part 1 of 1, owner DK-718500, usage circulation, CRC ok, blocks reversed"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("scan output lacks %q:\n%s", want, out)
		}
	}
	if _, code := rfidRunKioskctl(t, "rfid", "scan", "-usb", "0ab1:0002"); code == 0 {
		t.Error("-usb without wiring succeeded")
	}
}

package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/usb/usbtest"
)

func TestPrintTestToFiles(t *testing.T) {
	dir := t.TempDir()
	bin, img := filepath.Join(dir, "r.bin"), filepath.Join(dir, "r.png")
	var out bytes.Buffer
	if err := runPrintTest([]string{"--to", bin, "--png", img, "--cols", "32", "--code", "qr", "--lang", "en"}, &out); err != nil {
		t.Fatal(err)
	}
	job, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	txt := escpos.PlainText(job)
	if !strings.Contains(txt, "TEST PRINT") || !strings.Contains(txt, "Loan receipt") {
		t.Errorf("test receipt text:\n%s", txt)
	}
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bounds().Dx() != 384 {
		t.Errorf("PNG is %d dots wide, want 384", m.Bounds().Dx())
	}
}

func TestPrintTestNeedsAPrinter(t *testing.T) {
	var out bytes.Buffer
	if err := runPrintTest([]string{"--to", filepath.Join(t.TempDir(), "x"), "--cols", "40"}, &out); err == nil {
		t.Error("40 columns accepted")
	}
}

func TestPrinterStatusVirtual(t *testing.T) {
	for sim, want := range map[string]string{"ok": "paper:      ok", "near-end": "paper:      near-end", "out": "paper:      out", "cover-open": "state:      cover-open"} {
		var out bytes.Buffer
		if err := runPrinterStatus([]string{"-virtual", "-sim", sim}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s: got\n%s", sim, out.String())
		}
	}
}

// TestPrinterCommandsFallBackToPrinterClass runs both printer commands
// without -vid/-pid against an emulated printer whose ids are not Epson's:
// they must find it by its printer class.
func TestPrinterCommandsFallBackToPrinterClass(t *testing.T) {
	prn := usbtest.Printer("printer")
	prn.Params["paper"] = "near" // fakeusb.py's word for a paper-near-end sensor
	bed := usbtest.Run(t, prn)
	if bed == nil {
		return
	}
	var out bytes.Buffer
	if err := runPrinterStatus([]string{"-timeout", "10s"}, &out); err != nil {
		t.Fatalf("printer status: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "paper:      near-end") {
		t.Errorf("printer status did not read the emulated printer:\n%s", out.String())
	}
	out.Reset()
	if err := runPrintTest([]string{"--lang", "en", "--timeout", "10s"}, &out); err != nil {
		t.Fatalf("print-test: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "printed ") {
		t.Errorf("print-test output:\n%s", out.String())
	}
	if txt := escpos.PlainText(bed.Received("printer")); !strings.Contains(txt, "TEST PRINT") {
		t.Errorf("the printer did not receive the test receipt:\n%s", txt)
	}
}

// TestPrinterHintsPerCommand runs both commands where no printer is
// plugged in: each error names only what that command can do instead.
func TestPrinterHintsPerCommand(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Keyboard("scanner"))
	if bed == nil {
		return
	}
	var out bytes.Buffer
	err := runPrinterStatus([]string{"-timeout", "5s"}, &out)
	if err == nil {
		t.Fatalf("printer status without a printer passed:\n%s", out.String())
	}
	if msg := err.Error(); !strings.Contains(msg, "-virtual") || !strings.Contains(msg, "-vid/-pid") ||
		strings.Contains(msg, "--to") || strings.Contains(msg, "--png") {
		t.Errorf("printer status hint: %v", err)
	}
	err = runPrintTest([]string{"--timeout", "5s"}, &out)
	if err == nil {
		t.Fatalf("print-test without a printer passed:\n%s", out.String())
	}
	if msg := err.Error(); !strings.Contains(msg, "--to FILE") || !strings.Contains(msg, "-vid/-pid") || strings.Contains(msg, "-virtual") {
		t.Errorf("print-test hint: %v", err)
	}
}

func TestPrinterVIDNeedsPID(t *testing.T) {
	var out bytes.Buffer
	err := runPrinterStatus([]string{"-vid", "04b8"}, &out)
	if err == nil || !strings.Contains(err.Error(), "-pid") {
		t.Errorf("-vid without -pid: %v", err)
	}
	if err := runPrinterStatus([]string{"-pid", "zz"}, &out); err == nil || !strings.Contains(err.Error(), "bad USB id") {
		t.Errorf("bad -pid: %v", err)
	}
}

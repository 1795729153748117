package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/printer/escpos"
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
	if err := runPrintTest(nil, &out); err == nil {
		t.Error("no error without -pid, --to or --png")
	}
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

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/pinfile"
)

func TestSetPINWritesAndReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maintenance-pin")
	run := func(input string, args ...string) (string, int) {
		stdin = strings.NewReader(input)
		t.Cleanup(func() { stdin = os.Stdin })
		var out, errOut bytes.Buffer
		code := mainImpl(append([]string{"maintenance", "set-pin", "-file", path}, args...), &out, &errOut)
		return out.String() + errOut.String(), code
	}
	if out, code := run("864209\n864209\n", "anna"); code != 0 {
		t.Fatalf("set-pin: %d %s", code, out)
	} else if strings.Contains(out, "864209") {
		t.Fatalf("the PIN was echoed: %s", out)
	}
	if out, code := run("111111\n222222\n", "anna"); code == 0 || !strings.Contains(out, "differ") {
		t.Fatalf("differing PINs: %d %s", code, out)
	}
	if out, code := run("123\n123\n", "anna"); code == 0 || !strings.Contains(out, "at least") {
		t.Fatalf("a short PIN: %d %s", code, out)
	}
	if _, code := run("975318\n975318\n", "bo"); code != 0 {
		t.Fatal("second technician")
	}
	f, err := pinfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Match([]byte("864209")) != "anna" || f.Match([]byte("975318")) != "bo" || len(f.Entries) != 2 {
		t.Fatalf("file holds %d entries", len(f.Entries))
	}
}

func TestAuditPrints(t *testing.T) {
	dir := t.TempDir()
	a, err := kiosk.OpenAuditLog(dir, 1<<20, 90)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	a.Append(kiosk.AuditEntry{Time: at, Kiosk: "k1", Action: "login", Result: "wrong credential"})
	a.Append(kiosk.AuditEntry{Time: at.Add(time.Second), Kiosk: "k1", Tech: "anna", Action: "out-of-order-on", Result: "ok", Detail: "printer"})
	var out, errOut bytes.Buffer
	if code := mainImpl([]string{"audit", "-dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("audit: %d %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"login", "wrong credential", "anna", "out-of-order-on", "printer"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit output lacks %q:\n%s", want, got)
		}
	}
}

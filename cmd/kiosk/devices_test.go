package main

import (
	"testing"
	"time"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer"
)

// The annotated example configuration maps onto core and receipt options
// the core accepts, with the library's choices carried over.
func TestOptionsFromExampleConfig(t *testing.T) {
	cfg, err := config.Load("../../packaging/kiosk.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Kiosk.Language = "en"
	cfg.Printer.PrintPatronName = true
	cfg.Printer.Policy = "timeout"
	o := coreOptions(cfg)
	if err := o.Validate(); err != nil {
		t.Fatalf("core refuses the example's options: %v", err)
	}
	if o.Language != "en" || !o.ReceiptName || o.Receipt != kiosk.ReceiptTimeout {
		t.Errorf("language %q, receipt name %v, receipt %q", o.Language, o.ReceiptName, o.Receipt)
	}
	if o.InstitutionISIL != cfg.SIP2.Institution || o.PINLength != cfg.Login.PINLength || o.IdleTimeout != cfg.Kiosk.IdleTimeout.Duration {
		t.Errorf("core options %+v", o)
	}
	cfg.Printer.Driver = "none"
	if o := coreOptions(cfg); o.Receipt != kiosk.ReceiptNever {
		t.Errorf("no printer but receipt policy %q", o.Receipt)
	}
	p := receiptOptions(cfg.Printer)
	if !p.PrintPatronName || p.Columns != cfg.Printer.Columns || p.Footer != cfg.Printer.Footer.In("da") || p.Code != printer.Code(cfg.Printer.Code) {
		t.Errorf("receipt options %+v", p)
	}
}

type fakeHeartbeat struct{ last time.Time }

func (f fakeHeartbeat) Heartbeat() time.Time { return f.last }
func (fakeHeartbeat) Send(kiosk.Input)       {}

// The watchdog is fed only while the core steps: a core whose last step is
// older than stuckAfter counts as hung.
func TestForwarderAlive(t *testing.T) {
	f := &forwarder{}
	if !f.alive() {
		t.Fatal("no core yet (out of order, devices retried) counts as hung")
	}
	f.set(fakeHeartbeat{last: time.Now()}, nil)
	if !f.alive() {
		t.Fatal("a core that just stepped counts as hung")
	}
	f.set(fakeHeartbeat{last: time.Now().Add(-2 * stuckAfter)}, nil)
	if f.alive() {
		t.Fatal("a stuck core still feeds the watchdog")
	}
	f.set(fakeHeartbeat{last: time.Unix(0, 0)}, nil)
	if !f.alive() {
		t.Fatal("a core that has not stepped yet counts as hung")
	}
}

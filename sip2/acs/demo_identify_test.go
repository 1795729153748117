package acs_test

import (
	"testing"

	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/sip2/acs"
)

// TestDemoPatronsIdentify checks that every demo patron can log in at a kiosk
// with the default identification rules: a demo card the kiosk refuses
// would make the demo show a rejection instead of the flow it is meant for.
func TestDemoPatronsIdentify(t *testing.T) {
	lib, err := acs.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cards := 0
	for _, p := range lib.Patrons() {
		id, err := scanner.Identify(p.ID, scanner.DefaultRules())
		if err != nil {
			t.Errorf("demo patron %s (%s) is refused by the kiosk: %v", p.Name, scanner.MaskCPR(p.ID), err)
			continue
		}
		if id.Value != p.ID {
			t.Errorf("demo patron %s identified as a different id", p.Name)
		}
		if id.Kind == scanner.KindLibraryCard {
			cards++
		}
	}
	if cards == 0 {
		t.Error("the demo library should have a patron with a library card instead of a CPR number")
	}
}

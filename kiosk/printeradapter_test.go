package kiosk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
)

// Receipts carry the library's footer in the receipt's language when one is
// configured for it, else the English, else the Danish one, and list the
// holds ready and the fee total.
func TestESCPOSReceiptsFootersHoldsFees(t *testing.T) {
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	prn := printertest.New(576)
	opts := printer.DefaultOptions()
	opts.Footer = "Layout footer"
	r := NewESCPOSReceipts(prn, bundle, opts, "Demobiblioteket", "Hovedbiblioteket")
	r.SetFooters(i18n.Texts{"da": "Tak for besøget", "en": "Thank you for visiting"})
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	rc := Receipt{At: at, Lines: []ReceiptLine{{ItemID: "3800000951", Title: "Eventyr", Due: at.AddDate(0, 0, 28), Kind: "loan"}},
		Holds: []ReceiptHold{{Title: "Kongens Fald", PickupAt: "Hovedbiblioteket", LastDay: at.AddDate(0, 0, 7)}}, FeeTotal: 2500}
	for i, lang := range []string{"en", "da", "de"} {
		rc.Lang = lang
		if err := r.Print(context.Background(), rc); err != nil {
			t.Fatal(err)
		}
		text, err := prn.Text(i)
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(text), " ")
		// German has no footer of its own: the English one, not the Danish.
		want := map[string]string{"en": "Thank you for visiting", "da": "Tak for besøget", "de": "Thank you for visiting"}[lang]
		other := map[string]string{"en": "Tak for besøget", "da": "Thank you for visiting", "de": "Tak for besøget"}[lang]
		if !strings.Contains(flat, want) || strings.Contains(flat, other) {
			t.Errorf("%s receipt footer: want %q, not %q, in:\n%s", lang, want, other, text)
		}
		if !strings.Contains(flat, "Kongens Fald") || !strings.Contains(flat, "25,00") && !strings.Contains(flat, "25.00") {
			t.Errorf("%s receipt lacks the hold or the fee:\n%s", lang, text)
		}
	}
}

// The on-screen QR text is the same receipt as the paper one, in the
// patron's language: header, titles, due dates, holds and footer.
func TestESCPOSReceiptsScreenText(t *testing.T) {
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	r := NewESCPOSReceipts(printertest.New(576), bundle, printer.DefaultOptions(), "Demobiblioteket", "Hovedbiblioteket")
	r.SetFooters(map[string]string{"da": "Tak for besøget"})
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	text := r.ScreenText(Receipt{Lang: "da", At: at,
		Lines: []ReceiptLine{{ItemID: "3800000951", Title: "Eventyr og historier", Due: at.AddDate(0, 0, 28), Kind: "loan"}},
		Holds: []ReceiptHold{{Title: "Kongens Fald", PickupAt: "Hovedbiblioteket"}}})
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"Demobiblioteket", "Eventyr og historier", "28.12.2026", "Kongens Fald", "Tak for besøget"} {
		if !strings.Contains(flat, want) {
			t.Errorf("screen text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(flat, "loan 3800000951") {
		t.Errorf("screen text is the core's raw list, not the receipt:\n%s", text)
	}
}

// The printer's state word tells an open cover from paper out, which the
// paper word (the health registry's) does not.
func TestESCPOSReceiptsPrinterState(t *testing.T) {
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	prn := printertest.New(576)
	r := NewESCPOSReceipts(prn, bundle, printer.DefaultOptions(), "Demobiblioteket", "Hovedbiblioteket")
	ctx := context.Background()
	for _, c := range []struct {
		paper      escpos.Paper
		cover      bool
		state, pap string
	}{
		{escpos.PaperOK, false, "ready", PaperOK},
		{escpos.PaperNearEnd, false, "paper-near-end", PaperNearEnd},
		{escpos.PaperOut, false, "paper-out", PaperOut},
		{escpos.PaperOK, true, PrinterCoverOpen, PaperOffline},
	} {
		prn.SetPaper(c.paper)
		prn.SetCoverOpen(c.cover)
		st, err := r.PrinterState(ctx)
		p, _ := r.Paper(ctx)
		if err != nil || st != c.state || p != c.pap {
			t.Errorf("paper %v cover %v: state %q paper %q (%v), want %q %q", c.paper, c.cover, st, p, err, c.state, c.pap)
		}
	}
}

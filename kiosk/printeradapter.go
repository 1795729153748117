package kiosk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/printer"
)

// ESCPOSReceipts adapts a printer.Printer to the ReceiptPrinter port: it
// lays the receipt out in the session's language and sends one ESC/POS job.
// It also reports the paper state to the health registry.
type ESCPOSReceipts struct {
	p       printer.Printer
	bundle  *i18n.Bundle
	opts    printer.Options
	library string
	branch  string
	kioskID string
	footers i18n.Texts
}

// SetFooters sets the footer per language code (the library's own words,
// which no catalog can translate), printed on a receipt in the receipt's
// language, else in English, else in Danish (i18n.Texts.In) instead of the
// layout's footer.
func (e *ESCPOSReceipts) SetFooters(f i18n.Texts) { e.footers = f }

// SetKioskID names the kiosk in each receipt's transaction reference, so
// staff can find the transactions in the library system's log by kiosk and
// time. The reference never holds anything about the patron.
func (e *ESCPOSReceipts) SetKioskID(id string) { e.kioskID = id }

// reference is the receipt's transaction reference: the kiosk and the time
// of the receipt, e.g. "KIOSK-1-20261124-113212".
func (e *ESCPOSReceipts) reference(r Receipt) string {
	id := e.kioskID
	if id == "" {
		id = "KIOSK"
	}
	return strings.ToUpper(id) + "-" + r.At.Format("20060102-150405")
}

// NewESCPOSReceipts wraps a printer. library and branch are printed in the
// receipt's header.
func NewESCPOSReceipts(p printer.Printer, bundle *i18n.Bundle, opts printer.Options, library, branch string) *ESCPOSReceipts {
	return &ESCPOSReceipts{p: p, bundle: bundle, opts: opts, library: library, branch: branch}
}

// PrinterReceipt converts the core's receipt (titles, item ids, due dates)
// to the printer's model. Nothing about the patron is carried over.
func PrinterReceipt(r Receipt) printer.Receipt {
	out := printer.Receipt{Kind: printer.KindReturn, Time: r.At, PatronName: r.PatronName}
	loans, renewals := 0, 0
	for _, l := range r.Lines {
		switch l.Kind {
		case "loan":
			loans++
		case "renewal":
			renewals++
		}
		out.Items = append(out.Items, printer.Item{Title: l.Title, ItemID: l.ItemID, Due: l.Due})
	}
	for _, h := range r.Holds {
		out.Holds = append(out.Holds, printer.Hold{Title: h.Title, Location: h.PickupAt, LastDay: h.LastDay})
	}
	out.FeeTotal, out.Currency = r.FeeTotal, r.Currency
	switch {
	case loans > 0:
		out.Kind = printer.KindLoan
	case renewals > 0:
		out.Kind = printer.KindRenewal
	}
	return out
}

// printerReceipt is the printer's model of r with this kiosk's header,
// reference and footer.
func (e *ESCPOSReceipts) printerReceipt(r Receipt) printer.Receipt {
	pr := PrinterReceipt(r)
	pr.Library, pr.Branch = e.library, e.branch
	pr.Reference = e.reference(r)
	pr.Footer = e.footers.In(r.Lang)
	return pr
}

// ScreenText is the same receipt as plain text in the patron's language,
// for the QR code on the receipt screen: what the patron takes on the phone
// reads like the paper one.
func (e *ESCPOSReceipts) ScreenText(r Receipt) string {
	return printer.ScreenText(e.printerReceipt(r), e.bundle.Localizer(r.Lang), e.opts)
}

// ScreenCodes lays the same receipt out as the on-screen QR codes
// (printer.ScreenCodes): a calendar per due date in the patron's language,
// or a summary of a return.
func (e *ESCPOSReceipts) ScreenCodes(r Receipt) []ReceiptCode {
	return printer.ScreenCodes(e.printerReceipt(r), e.bundle.Localizer(r.Lang))
}

// Print renders and prints the receipt; ctx is cancelled when the session
// ends, so a pending job never prints for the next patron.
func (e *ESCPOSReceipts) Print(ctx context.Context, r Receipt) error {
	pr := e.printerReceipt(r)
	job, err := printer.Render(pr, e.bundle.Localizer(r.Lang), e.opts)
	if err != nil {
		return fmt.Errorf("kiosk: rendering receipt: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.p.Print(ctx, job)
}

// PrintTest prints the test receipt of "kioskctl print-test" in Danish,
// laid out as the kiosk's receipts are (maintenance mode's test print).
func (e *ESCPOSReceipts) PrintTest(ctx context.Context) error {
	l := e.bundle.Localizer("da")
	job, err := printer.Render(printer.TestReceipt(time.Now(), l), l, e.opts)
	if err != nil {
		return fmt.Errorf("kiosk: rendering the test receipt: %w", err)
	}
	return e.p.Print(ctx, job)
}

// PrinterState reports the printer's state word (printer.State), which
// tells an open cover (DLE EOT 2, bit 2) from the other reasons it is
// offline.
func (e *ESCPOSReceipts) PrinterState(ctx context.Context) (string, error) {
	st, err := e.p.Status(ctx)
	if err != nil {
		return st.State().String(), err
	}
	return st.State().String(), nil
}

// Paper reports "ok", "near-end", "out" or "offline".
func (e *ESCPOSReceipts) Paper(ctx context.Context) (string, error) {
	st, err := e.p.Status(ctx)
	if err != nil {
		return PaperOffline, err
	}
	return st.PaperWord(), nil
}

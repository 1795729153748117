// Package kioskdemo wires the kiosk core to the simulators: the ACS
// simulator (sip2/acs) on loopback, the virtual RFID pad (rfid/rfidtest)
// behind the FEIG driver and the pad watcher, and the virtual ESC/POS
// printer (printer/printertest). cmd/kiosk --demo and scripted screenshots
// use it; nothing here touches real hardware or a real library system.
package kioskdemo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/printertest"
	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
	"github.com/sirupsen/logrus"
)

// Institution is the demo library's ISIL (sip2/acs demo.json).
const Institution = "DK-799000"

// Options configure the demo.
type Options struct {
	// Kiosk are the core's options; InstitutionISIL and StateDir are
	// filled in when empty (StateDir: no journal or queue on disk).
	Kiosk kiosk.Options
	// Latency delays every ACS answer. Default 0.
	Latency time.Duration
	// PadTiming makes the virtual pad take the time a real serial FEIG
	// reader takes. Default false (instant).
	PadTiming bool
	// Log is the logger; nil discards.
	Log logrus.FieldLogger
	// UI receives the views; it may also be set later with Kiosk.SetUI
	// before Start returns control (Start runs the kiosk at once).
	UI kiosk.UI
}

// Demo is a running kiosk on simulators.
type Demo struct {
	Kiosk   *kiosk.Kiosk
	ACS     *acs.Server
	Library *acs.Library
	Pad     *rfidtest.Pad
	Printer *printertest.Printer

	pool   *sip2.Pool
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	next  uint32
	items map[string][]feig.UID // item id → UIDs on the pad
}

// Start starts the simulators and the kiosk; Close stops them.
func Start(ctx context.Context, o Options) (*Demo, error) {
	lib, err := acs.Demo()
	if err != nil {
		return nil, fmt.Errorf("kioskdemo: %w", err)
	}
	srv := acs.NewServer(lib, acs.DefaultOptions())
	addr, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("kioskdemo: %w", err)
	}
	srv.SetFaults(acs.Faults{Latency: o.Latency})
	ko := o.Kiosk
	if ko.InstitutionISIL == "" {
		ko.InstitutionISIL = Institution
	}
	so := sip2.DefaultOptions()
	so.Dialer = sip2.TCPDialer{Addr: addr.String()}
	so.Institution = Institution
	so.LoginUser, so.LoginPassword = "kiosk", "kiosk"
	so.Location = Institution
	pool := sip2.NewPool(ko.Parallel, so)

	po := rfidtest.PadOptions{}
	if o.PadTiming {
		po = rfidtest.DefaultPadOptions()
	}
	pad := rfidtest.NewPad(po)
	reader := rfid.NewFEIG(feig.New(pad.Transport(), feig.DefaultOptions()), rfid.Options{}, o.Log)
	wo := rfid.DefaultWatcherOptions()
	wo.HomeISILs = []string{Institution}
	watcher := rfid.NewWatcher(reader, wo, o.Log)

	bundle, err := i18n.NewBundle()
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("kioskdemo: %w", err)
	}
	prn := printertest.New(576)
	receipts := kiosk.NewESCPOSReceipts(prn, bundle, printer.DefaultOptions(), "Demobiblioteket", "Hovedbiblioteket")

	k, err := kiosk.New(ko, kiosk.Ports{Library: kiosk.NewSIP2Library(pool), Tags: kiosk.NewRFIDTags(reader),
		Printer: receipts, Log: o.Log, Identify: kiosk.ScannerIdentify(scanner.DefaultRules())}, o.UI)
	if err != nil {
		srv.Close()
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	d := &Demo{Kiosk: k, ACS: srv, Library: lib, Pad: pad, Printer: prn, pool: pool, cancel: cancel,
		next: 0x10000, items: map[string][]feig.UID{}}
	d.wg.Add(3)
	go func() { defer d.wg.Done(); k.Run(rctx) }()
	go func() { defer d.wg.Done(); watcher.Run(rctx) }()
	go func() { defer d.wg.Done(); kiosk.FeedWatcher(rctx, watcher, k) }()
	return d, nil
}

// Close stops the kiosk and the simulators.
func (d *Demo) Close() error {
	d.cancel()
	d.wg.Wait()
	return errors.Join(d.pool.Close(), d.ACS.Close())
}

// Place puts an item's tags (all parts, or only the listed part numbers)
// on the pad. The item need not exist in the library: unknown items are
// refused by the ACS like in real life.
func (d *Demo) Place(itemID string, parts int, only ...int) error {
	if parts < 1 {
		parts = 1
	}
	d.mu.Lock()
	first := d.next
	d.next += uint32(parts)
	d.mu.Unlock()
	tags, err := rfidtest.NewItemSet(first, itemID, Institution, parts)
	if err != nil {
		return fmt.Errorf("kioskdemo: %w", err)
	}
	var placed []*rfidtest.Tag
	for i, t := range tags {
		if len(only) > 0 && !contains(only, i+1) {
			continue
		}
		placed = append(placed, t)
	}
	d.Pad.Place(placed...)
	d.mu.Lock()
	for _, t := range placed {
		d.items[itemID] = append(d.items[itemID], t.UID)
	}
	d.mu.Unlock()
	return nil
}

// Lift takes an item's tags off the pad.
func (d *Demo) Lift(itemID string) {
	d.mu.Lock()
	uids := d.items[itemID]
	delete(d.items, itemID)
	d.mu.Unlock()
	d.Pad.Remove(uids...)
}

// Clear empties the pad.
func (d *Demo) Clear() {
	d.mu.Lock()
	d.items = map[string][]feig.UID{}
	d.mu.Unlock()
	d.Pad.Clear()
}

// Scan simulates a card scan.
func (d *Demo) Scan(card string) { d.Kiosk.Scan([]byte(card)) }

// Available lists up to n single-part items of the demo library that are on
// the shelf, free of holds and age limits: items a demo patron can borrow.
func (d *Demo) Available(n int) []acs.Item {
	onLoan := map[string]bool{}
	for _, l := range d.Library.Loans() {
		onLoan[l.Item] = true
	}
	var out []acs.Item
	for _, it := range d.Library.Items() {
		if len(out) == n {
			break
		}
		if onLoan[it.ID] || it.NotLoanable || it.Parts > 1 || len(it.Holds) > 0 || it.AgeLimit > 0 ||
			(it.Owner != "" && it.Owner != Institution) {
			continue
		}
		out = append(out, it)
	}
	return out
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

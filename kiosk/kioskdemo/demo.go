// Package kioskdemo is the whole kiosk with simulated surroundings, in one
// process: the ACS simulator (sip2/acs) with the Danish demo library on a
// loopback port, the virtual RFID pad (rfid/rfidtest) behind the real FEIG
// driver and pad watcher, the virtual receipt printer (printer/printertest)
// behind the real ESC/POS layout, and card scans fed as the keystroke wedge
// would. Only the library system, the radio and the paper are fake.
//
// `kiosk --demo` (cmd/kiosk) puts its Fyne screen and simulator panel on top
// of a Demo, and scripted scenarios drive it for the screenshots. The package
// has no UI and no USB in it, like the rest of kiosk/, so the demo world can
// also be tested headless.
package kioskdemo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/pinfile"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// PINLength is the PIN length of the demo library's patrons; the core must
// ask for exactly that many digits or no demo patron could log in.
const PINLength = 4

// Options configure the demo. Start with DefaultOptions: the zero value is
// not a working demo.
type Options struct {
	// Kiosk are the core's options. Start always sets InstitutionISIL to the
	// demo library's, because the simulator knows no other institution. An
	// empty StateDir makes Start keep the journal and offline queue in a
	// temporary directory that Close removes, so offline returns can be
	// shown without leaving anything behind.
	Kiosk kiosk.Options
	// Receipt is the receipt layout of the virtual printer; its Dots also
	// set the printer's width.
	Receipt printer.Options
	// Branch is the branch printed on receipts.
	Branch string
	// KioskID is the kiosk id printed in the receipts' transaction reference.
	KioskID string
	// Footers is the receipt footer per language (printer.footer).
	Footers i18n.Texts
	// Scanner are the rules that tell card numbers and CPR numbers apart.
	Scanner scanner.Rules
	// Pad configures the virtual pad. The default takes the time a real
	// serial FEIG reader takes, so the demo shows the same progress a
	// patron would see.
	Pad rfidtest.PadOptions
	// Bundle holds the message catalogs for receipts; nil loads the
	// embedded ones.
	Bundle *i18n.Bundle
	// UI receives the core's views; nil renders nothing (headless tests
	// read Kiosk.View instead).
	UI kiosk.UI
	// Log is the logger; nil discards.
	Log logrus.FieldLogger
	// Display switches the screen off outside opening hours; nil (the
	// demo on a desktop) only logs it.
	Display kiosk.Display
	// LogTail gives maintenance mode's log page its lines; nil shows none.
	LogTail func() []string
	// Observer and SIP2Observer are told what the core and the SIP2 client
	// did (package metrics implements both); nil observes nothing.
	Observer     kiosk.Observer
	SIP2Observer sip2.Observer
	// Seed is the simulated library's data; nil is the Danish demo
	// library (acs.Demo). Tests add synthetic patrons of their own.
	Seed *acs.Seed
}

// The demo's technician. Without a maintenance.pin_file in the
// configuration, Start writes a credential file with this one technician
// into the demo's state directory, so the walkthrough can show maintenance
// mode. It exists only in the demo: the kiosk proper has no default PIN.
const (
	MaintTech = "demo"
	MaintPIN  = "123456"
)

// DefaultOptions are the options `kiosk --demo` starts from: the core's
// defaults with the demo library's PIN length, no state directory (a
// temporary one), and short call and health intervals so that switching the
// library system off line or the paper out shows within seconds.
func DefaultOptions() Options {
	ko := kiosk.DefaultOptions()
	ko.StateDir = ""
	ko.PINLength = PINLength
	ko.CallTimeout = 8 * time.Second
	ko.HealthEvery = 2 * time.Second
	return Options{
		Kiosk:   ko,
		Receipt: printer.DefaultOptions(),
		KioskID: ko.KioskID,
		Scanner: scanner.DefaultRules(),
		Pad:     rfidtest.DefaultPadOptions(),
	}
}

// Demo is a running kiosk on simulators. Kiosk and Library are there for
// the screen and the simulator panel; the pad and the printer are reached
// only through Demo's methods, so OnPad and the change callbacks always
// agree with what is really on the pad.
type Demo struct {
	// Kiosk is the core; the screen sends the patron's inputs to it.
	Kiosk *kiosk.Kiosk
	// Library is the simulated library system's data: its patrons and
	// items are what the panel offers.
	Library *acs.Library

	log  logrus.FieldLogger
	srv  *acs.Server
	pool *sip2.Pool
	pad  *rfidtest.Pad
	prn  *printertest.Printer

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// stateDir is the temporary state directory Start made, removed by
	// Close; empty when the caller chose the directory.
	stateDir string

	mu     sync.Mutex
	placed map[string][]*rfidtest.Tag // item id → its tags on the pad
	// shelf keeps the tags of items lifted off the pad as they were when
	// lifted: a physical tag keeps its UID and its security bit, so an
	// item placed again must come back with both, not as a new tag.
	shelf   map[string][]*rfidtest.Tag
	nextUID uint32
	watch   []func() // called after a change, e.g. by the panel
}

// Start starts the simulators and the kiosk core; Close stops them. The core
// runs until ctx ends or Close is called.
func Start(ctx context.Context, o Options) (_ *Demo, err error) {
	log := o.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	bundle := o.Bundle
	if bundle == nil {
		if bundle, err = i18n.NewBundle(); err != nil {
			return nil, fmt.Errorf("kioskdemo: %w", err)
		}
	}
	var lib *acs.Library
	if o.Seed != nil {
		lib, err = acs.New(o.Seed, nil)
	} else {
		lib, err = acs.Demo()
	}
	if err != nil {
		return nil, fmt.Errorf("kioskdemo: %w", err)
	}
	srv := acs.NewServer(lib, acs.DefaultOptions())
	addr, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("kioskdemo: %w", err)
	}
	d := &Demo{log: log, Library: lib, srv: srv, placed: map[string][]*rfidtest.Tag{}, shelf: map[string][]*rfidtest.Tag{}, nextUID: 0x1000}
	// From here on a failure must stop what was started, or a test that
	// retries would leak listeners and temporary directories.
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()

	terms := lib.Terminals()
	if len(terms) == 0 {
		return nil, errors.New("kioskdemo: the demo library has no terminal login")
	}
	inst := lib.Institution()
	sopts := sip2.DefaultOptions()
	sopts.Dialer = sip2.TCPDialer{Addr: addr.String()}
	sopts.Institution = inst.ID
	sopts.LoginUser, sopts.LoginPassword = terms[0].Login, terms[0].Password
	sopts.Location = terms[0].Location
	sopts.ErrorDetection = true
	sopts.RequestTimeout = 5 * time.Second
	sopts.Observer = o.SIP2Observer
	kopts := o.Kiosk
	d.pool = sip2.NewPool(kopts.Parallel, sopts)

	d.pad = rfidtest.NewPad(o.Pad)
	reader := rfid.NewFEIG(feig.New(d.pad.Transport(), feig.DefaultOptions()), rfid.DefaultOptions(), log)
	wopts := rfid.DefaultWatcherOptions()
	wopts.HomeISILs = []string{inst.ID}
	watcher := rfid.NewWatcher(reader, wopts, log)

	d.prn = printertest.New(o.Receipt.Dots())
	receipts := kiosk.NewESCPOSReceipts(d.prn, bundle, o.Receipt, inst.Name, o.Branch)
	receipts.SetKioskID(o.KioskID)
	receipts.SetFooters(o.Footers)

	if kopts.StateDir == "" {
		state, err := os.MkdirTemp("", "kiosk-demo-")
		if err != nil {
			return nil, fmt.Errorf("kioskdemo: %w", err)
		}
		d.stateDir = state
		kopts.StateDir = state
	}
	kopts.InstitutionISIL = inst.ID
	if kopts.MaintPINFile == "" {
		path := filepath.Join(kopts.StateDir, "demo-maintenance-pin")
		// Light argon2 parameters: the demo's PIN is published, so a
		// costly hash would protect nothing and only add 64 MiB to the
		// demo's start (which the UI benchmarks measure).
		if err := pinfile.Set(path, MaintTech, []byte(MaintPIN), pinfile.Params{Time: 1, Memory: 8 * 1024, Threads: 1}); err != nil {
			return nil, fmt.Errorf("kioskdemo: %w", err)
		}
		kopts.MaintPINFile = path
	}
	kopts.Info.Demo = true
	if kopts.Info.Transport == "" {
		kopts.Info.Transport, kopts.Info.Address = "tcp", addr.String()
		kopts.Info.ReaderDriver, kopts.Info.ReaderPort = "virtual", "pad"
		kopts.Info.PrinterDriver, kopts.Info.Scanner = "virtual", "keyboard wedge"
	}
	k, err := kiosk.New(kopts, kiosk.Ports{
		Library:  kiosk.NewSIP2Library(d.pool),
		Tags:     kiosk.NewRFIDTags(reader),
		Printer:  receipts,
		Log:      log,
		Identify: kiosk.ScannerIdentify(o.Scanner),
		ScanKind: kiosk.ScannerKind(o.Scanner),
		// The demo's scanner is the scenario's scan command: always there.
		ScannerPresent: func() (bool, bool) { return true, true },
		LogTail:        o.LogTail,
		Observer:       o.Observer,
		Display:        o.Display,
	}, o.UI)
	if err != nil {
		return nil, fmt.Errorf("kioskdemo: %w", err)
	}
	d.Kiosk = k
	d.ctx, d.cancel = context.WithCancel(ctx)
	d.wg.Add(3)
	go func() { defer d.wg.Done(); _ = watcher.Run(d.ctx) }()
	go func() { defer d.wg.Done(); _ = kiosk.FeedWatcher(d.ctx, watcher, k) }()
	go func() {
		defer d.wg.Done()
		if err := k.Run(d.ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.WithError(err).Error("kioskdemo: kiosk core stopped")
		}
	}()
	return d, nil
}

// Close stops the kiosk core and the simulators and removes the temporary
// state directory. The core is stopped first, so that it does not see the
// library system vanish and log errors on the way out.
func (d *Demo) Close() error {
	if d.cancel != nil {
		d.cancel()
		d.wg.Wait()
	}
	var errs []error
	if d.pool != nil {
		errs = append(errs, d.pool.Close())
	}
	errs = append(errs, d.srv.Close())
	if d.stateDir != "" {
		errs = append(errs, os.RemoveAll(d.stateDir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kioskdemo: %w", err)
	}
	return nil
}

// OnChange registers f to be called after every change the demo makes to
// the pad, the printer, the library system or the reader, so the simulator
// panel can refresh what it shows. f runs on the caller's goroutine and must
// not call back into the Demo's change methods.
func (d *Demo) OnChange(f func()) {
	d.mu.Lock()
	d.watch = append(d.watch, f)
	d.mu.Unlock()
}

// changed calls the OnChange callbacks outside the lock, so a callback may
// read OnPad.
func (d *Demo) changed() {
	d.mu.Lock()
	ws := slices.Clone(d.watch)
	d.mu.Unlock()
	for _, f := range ws {
		f()
	}
}

// Scan feeds a card number as the keystroke wedge would. It returns an error
// only to fit the scenario player's World; a scan cannot fail.
func (d *Demo) Scan(card string) error {
	d.Kiosk.Scan([]byte(card))
	return nil
}

// Place puts the tags of a demo item on the pad: every part, or only the
// listed part numbers (to show a set with parts missing). Parts already on
// the pad stay as they are, so placing the rest of a set later completes it
// instead of doubling it.
func (d *Demo) Place(itemID string, parts []int) error {
	it, ok := d.Library.Item(itemID)
	if !ok {
		return fmt.Errorf("kioskdemo: no demo item %q", itemID)
	}
	total := max(it.Parts, 1)
	if len(parts) == 0 {
		for i := 1; i <= total; i++ {
			parts = append(parts, i)
		}
	}
	owner := it.Owner
	if owner == "" {
		owner = d.Library.Institution().ID
	}
	d.mu.Lock()
	var tags []*rfidtest.Tag
	for _, n := range parts {
		if n < 1 || n > total {
			d.mu.Unlock()
			return fmt.Errorf("kioskdemo: item %s has parts 1 to %d, not %d", itemID, total, n)
		}
		if slices.ContainsFunc(d.placed[itemID], func(t *rfidtest.Tag) bool { return partOf(t) == n }) {
			continue
		}
		if i := slices.IndexFunc(d.shelf[itemID], func(t *rfidtest.Tag) bool { return partOf(t) == n }); i >= 0 {
			tags = append(tags, d.shelf[itemID][i])
			d.shelf[itemID] = slices.Delete(d.shelf[itemID], i, i+1)
			continue
		}
		t, err := rfidtest.NewItemTag(rfidtest.TestUID(d.nextUID), itemID, owner, total, n)
		if err != nil {
			d.mu.Unlock()
			return fmt.Errorf("kioskdemo: %w", err)
		}
		d.nextUID++
		tags = append(tags, t)
	}
	d.placed[itemID] = append(d.placed[itemID], tags...)
	d.mu.Unlock()
	d.pad.Place(tags...)
	d.changed()
	return nil
}

// partOf recovers the part number the demo wrote into a tag (byte 2 of the
// Danish data model), so Place can tell which parts of a set are on the pad.
func partOf(t *rfidtest.Tag) int {
	if len(t.Memory) > 2 {
		return int(t.Memory[2])
	}
	return 0
}

// Remove lifts every tag of an item off the pad.
func (d *Demo) Remove(itemID string) error {
	d.mu.Lock()
	if len(d.placed[itemID]) == 0 {
		d.mu.Unlock()
		return fmt.Errorf("kioskdemo: item %s is not on the pad", itemID)
	}
	d.liftLocked(itemID)
	d.mu.Unlock()
	d.changed()
	return nil
}

// liftLocked takes the tags of the items with ids off the pad and keeps
// them as they were at that moment (with the security bit the kiosk wrote)
// for when the items come back. It runs with d.mu held.
func (d *Demo) liftLocked(ids ...string) {
	for _, id := range ids {
		var uids []feig.UID
		for _, t := range d.placed[id] {
			uids = append(uids, t.UID)
		}
		d.shelf[id] = append(d.shelf[id], d.pad.Take(uids...)...)
		delete(d.placed, id)
	}
}

// ClearPad lifts everything off the pad.
func (d *Demo) ClearPad() error {
	d.mu.Lock()
	for id := range d.placed {
		d.liftLocked(id)
	}
	// Tags the demo did not place (none today) go too.
	d.pad.Clear()
	d.mu.Unlock()
	d.changed()
	return nil
}

// OnPad lists the ids of the items on the pad, sorted.
func (d *Demo) OnPad() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for id := range d.placed {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// SetPaper sets the virtual printer's paper: "ok", "near-end" or "out".
func (d *Demo) SetPaper(state string) error {
	switch state {
	case "ok":
		d.prn.SetPaper(escpos.PaperOK)
	case "near-end":
		d.prn.SetPaper(escpos.PaperNearEnd)
	case "out":
		d.prn.SetPaper(escpos.PaperOut)
	default:
		return fmt.Errorf("kioskdemo: paper %q: use ok, near-end or out", state)
	}
	d.probe()
	d.changed()
	return nil
}

// SetOffline takes the simulated library system off line or back.
func (d *Demo) SetOffline(on bool) error {
	if err := d.srv.SetOffline(on); err != nil {
		return fmt.Errorf("kioskdemo: %w", err)
	}
	d.probe()
	d.changed()
	return nil
}

// SetReader unplugs or replugs the RFID reader.
func (d *Demo) SetReader(plugged bool) error {
	if plugged {
		d.pad.Replug()
	} else {
		d.pad.Unplug()
	}
	d.changed()
	return nil
}

// probe asks the core to check the library system and printer now, so the
// mode follows a panel switch without waiting for the next health round.
func (d *Demo) probe() {
	go d.Kiosk.ProbeNow(d.ctx)
}

// Receipts returns every printed receipt as a PNG, oldest first. A receipt
// that cannot be rendered is logged and left out rather than failing the
// rest, because the list is only for looking at.
func (d *Demo) Receipts() [][]byte {
	var out [][]byte
	for i := 0; i < d.prn.Count(); i++ {
		b, err := d.prn.PNG(i)
		if err != nil {
			d.log.WithError(err).Warn("kioskdemo: rendering a receipt")
			continue
		}
		out = append(out, b)
	}
	return out
}

// Available lists up to n single-part items of the demo library that are on
// the shelf, free of holds and age limits and owned by the demo library:
// items any demo patron can borrow.
func (d *Demo) Available(n int) []acs.Item {
	onLoan := map[string]bool{}
	for _, l := range d.Library.Loans() {
		onLoan[l.Item] = true
	}
	home := d.Library.Institution().ID
	var out []acs.Item
	for _, it := range d.Library.Items() {
		if len(out) == n {
			break
		}
		if onLoan[it.ID] || it.NotLoanable || it.Parts > 1 || len(it.Holds) > 0 || it.AgeLimit > 0 ||
			(it.Owner != "" && it.Owner != home) {
			continue
		}
		out = append(out, it)
	}
	return out
}

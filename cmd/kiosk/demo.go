package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/cmd/kiosk/scenario"
	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// demo is the whole kiosk with simulated surroundings, in one process: the
// ACS simulator with the Danish demo library on a loopback port, the virtual
// RFID pad behind the real FEIG driver and pad watcher, the virtual receipt
// printer behind the real ESC/POS layout, and scans fed like the keystroke
// wedge would. Only the library system, the radio and the paper are fake.
type demo struct {
	log  logrus.FieldLogger
	lib  *acs.Library
	srv  *acs.Server
	pool *sip2.Pool
	pad  *rfidtest.Pad
	prn  *printertest.Printer
	core *kiosk.Kiosk

	mu      sync.Mutex
	placed  map[string][]*rfidtest.Tag // item id → its tags on the pad
	nextUID uint32
	offline bool
	paper   string
	plugged bool
	watch   []func() // called after a change, e.g. by the panel

	stateDir string
}

// demoPINLength is the PIN length of the demo library's patrons.
const demoPINLength = 4

func startDemo(ctx context.Context, cfg config.Config, bundle *i18n.Bundle, screen kiosk.UI, log logrus.FieldLogger) (*demo, error) {
	lib, err := acs.Demo()
	if err != nil {
		return nil, err
	}
	srv := acs.NewServer(lib, acs.DefaultOptions())
	addr, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &demo{log: log, lib: lib, srv: srv, placed: map[string][]*rfidtest.Tag{}, nextUID: 0x1000, paper: "ok", plugged: true}

	terms := lib.Terminals()
	if len(terms) == 0 {
		srv.Close()
		return nil, errors.New("the demo library has no terminal login")
	}
	inst := lib.Institution()
	sopts := sip2.DefaultOptions()
	sopts.Dialer = sip2.TCPDialer{Addr: addr.String()}
	sopts.Institution = inst.ID
	sopts.LoginUser, sopts.LoginPassword = terms[0].Login, terms[0].Password
	sopts.Location = terms[0].Location
	sopts.ErrorDetection = true
	sopts.RequestTimeout = 5 * time.Second
	kopts := kiosk.DefaultOptions()
	d.pool = sip2.NewPool(kopts.Parallel, sopts)

	d.pad = rfidtest.NewPad(rfidtest.DefaultPadOptions())
	reader := rfid.NewFEIG(feig.New(d.pad.Transport(), feig.DefaultOptions()), rfid.DefaultOptions(), log)
	wopts := rfid.DefaultWatcherOptions()
	wopts.HomeISILs = []string{inst.ID}
	watcher := rfid.NewWatcher(reader, wopts, log)

	popts := receiptOptions(cfg.Printer)
	d.prn = printertest.New(popts.Dots())
	receipts := kiosk.NewESCPOSReceipts(d.prn, bundle, popts, inst.Name, cfg.Library.Branch)
	receipts.SetKioskID(cfg.Kiosk.ID)

	// The demo keeps its journal and offline queue in a temporary directory,
	// so that offline returns can be shown, and forgets them at exit.
	state, err := os.MkdirTemp("", "kiosk-demo-")
	if err != nil {
		d.Close()
		return nil, err
	}
	d.stateDir = state
	kopts.StateDir = state
	kopts.InstitutionISIL = inst.ID
	kopts.PINLength = demoPINLength
	kopts.Greet = cfg.Kiosk.Greeting != "none"
	kopts.PayWhere = cfg.Library.PayWhere
	kopts.CallTimeout = 8 * time.Second
	kopts.HealthEvery = 2 * time.Second // so "offline" and "paper out" show quickly
	if cfg.Kiosk.IdleTimeout.Duration > cfg.Kiosk.IdleWarning.Duration && cfg.Kiosk.IdleWarning.Duration > 0 {
		kopts.IdleTimeout, kopts.IdleWarning = cfg.Kiosk.IdleTimeout.Duration, cfg.Kiosk.IdleWarning.Duration
	}
	k, err := kiosk.New(kopts, kiosk.Ports{
		Library:  kiosk.NewSIP2Library(d.pool),
		Tags:     kiosk.NewRFIDTags(reader),
		Printer:  receipts,
		Log:      log,
		Identify: kiosk.ScannerIdentify(scannerRules(cfg.Login)),
	}, screen)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.core = k
	go func() { _ = watcher.Run(ctx) }()
	go func() { _ = kiosk.FeedWatcher(ctx, watcher, k) }()
	go func() {
		if err := k.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.WithError(err).Error("demo: kiosk core stopped")
		}
	}()
	return d, nil
}

// Close stops the simulated library system.
func (d *demo) Close() {
	if d.pool != nil {
		_ = d.pool.Close()
	}
	_ = d.srv.Close()
	if d.stateDir != "" {
		_ = os.RemoveAll(d.stateDir)
	}
}

func (d *demo) changed() {
	d.mu.Lock()
	ws := slices.Clone(d.watch)
	d.mu.Unlock()
	for _, f := range ws {
		f()
	}
}

// Scan feeds a card number as the keystroke wedge would.
func (d *demo) Scan(card string) error {
	d.core.Scan([]byte(card))
	return nil
}

// Place puts the tags of a demo item on the pad: every part, or only the
// listed part numbers (to show a set with parts missing).
func (d *demo) Place(itemID string, parts []int) error {
	it, ok := d.lib.Item(itemID)
	if !ok {
		return fmt.Errorf("no demo item %q", itemID)
	}
	total := max(it.Parts, 1)
	if len(parts) == 0 {
		for i := 1; i <= total; i++ {
			parts = append(parts, i)
		}
	}
	owner := it.Owner
	if owner == "" {
		owner = d.lib.Institution().ID
	}
	d.mu.Lock()
	var tags []*rfidtest.Tag
	for _, n := range parts {
		if n < 1 || n > total {
			d.mu.Unlock()
			return fmt.Errorf("item %s has parts 1 to %d, not %d", itemID, total, n)
		}
		if slices.ContainsFunc(d.placed[itemID], func(t *rfidtest.Tag) bool { return partOf(t) == n }) {
			continue
		}
		t, err := rfidtest.NewItemTag(rfidtest.TestUID(d.nextUID), itemID, owner, total, n)
		if err != nil {
			d.mu.Unlock()
			return err
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
// Danish data model).
func partOf(t *rfidtest.Tag) int {
	if len(t.Memory) > 2 {
		return int(t.Memory[2])
	}
	return 0
}

// Remove lifts every tag of an item off the pad.
func (d *demo) Remove(itemID string) error {
	d.mu.Lock()
	tags := d.placed[itemID]
	delete(d.placed, itemID)
	d.mu.Unlock()
	if len(tags) == 0 {
		return fmt.Errorf("item %s is not on the pad", itemID)
	}
	var uids []feig.UID
	for _, t := range tags {
		uids = append(uids, t.UID)
	}
	d.pad.Remove(uids...)
	d.changed()
	return nil
}

// ClearPad lifts everything off the pad.
func (d *demo) ClearPad() error {
	d.mu.Lock()
	d.placed = map[string][]*rfidtest.Tag{}
	d.mu.Unlock()
	d.pad.Clear()
	d.changed()
	return nil
}

// OnPad lists the items on the pad.
func (d *demo) OnPad() []string {
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
func (d *demo) SetPaper(state string) error {
	switch state {
	case "ok":
		d.prn.SetPaper(escpos.PaperOK)
	case "near-end":
		d.prn.SetPaper(escpos.PaperNearEnd)
	case "out":
		d.prn.SetPaper(escpos.PaperOut)
	default:
		return fmt.Errorf("paper %q: use ok, near-end or out", state)
	}
	d.mu.Lock()
	d.paper = state
	d.mu.Unlock()
	d.probe()
	d.changed()
	return nil
}

// SetOffline takes the simulated library system off line or back.
func (d *demo) SetOffline(on bool) error {
	if err := d.srv.SetOffline(on); err != nil {
		return err
	}
	d.mu.Lock()
	d.offline = on
	d.mu.Unlock()
	d.probe()
	d.changed()
	return nil
}

// SetReader unplugs or replugs the RFID reader.
func (d *demo) SetReader(plugged bool) error {
	if plugged {
		d.pad.Replug()
	} else {
		d.pad.Unplug()
	}
	d.mu.Lock()
	d.plugged = plugged
	d.mu.Unlock()
	d.changed()
	return nil
}

// probe asks the core to check the library system and printer now, so the
// mode follows a panel switch without waiting for the next health round.
func (d *demo) probe() {
	go d.core.ProbeNow(context.Background())
}

// Receipts returns every printed receipt as a PNG.
func (d *demo) Receipts() [][]byte {
	var out [][]byte
	for i := 0; i < d.prn.Count(); i++ {
		b, err := d.prn.PNG(i)
		if err != nil {
			d.log.WithError(err).Warn("demo: rendering a receipt")
			continue
		}
		out = append(out, b)
	}
	return out
}

var _ scenario.World = (*demo)(nil)

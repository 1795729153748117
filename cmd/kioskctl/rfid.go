package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/usb/usbio"
)

// rfidOpenUSB opens a FEIG reader's bulk endpoints. The rfid packages never
// import the usb package (it links libusb), so the file that wires USB into
// kioskctl sets this in its init; until then "-usb" reports that it is missing.
// epIn and epOut are endpoint addresses; 0 lets the usb package take the
// first of each direction.
var rfidOpenUSB func(vid, pid uint16, epIn, epOut uint8) (usbio.Transport, error)

func init() {
	register("rfid scan", "list the tags a FEIG reader sees (-serial DEV | -usb VID:PID [-ep-in A -ep-out A] | -virtual)", runRFIDScan)
}

func runRFIDScan(args []string, out io.Writer) error {
	fs := newFlagSet("rfid scan", out)
	serialDev := fs.String("serial", "", "serial device of the reader, e.g. /dev/ttyUSB0")
	baud := fs.Int("baud", 38400, "serial line speed")
	parity := fs.String("parity", "even", "serial parity: even, odd or none")
	usbID := fs.String("usb", "", "USB reader as VID:PID in hex, e.g. 0ab1:0002")
	epIn := fs.Uint("ep-in", 0, "with -usb: bulk IN endpoint address, e.g. 0x81 (0 = the first IN endpoint), as rfid.usb_endpoint_in")
	epOut := fs.Uint("ep-out", 0, "with -usb: bulk OUT endpoint address, e.g. 0x02 (0 = the first OUT endpoint), as rfid.usb_endpoint_out")
	virtual := fs.Bool("virtual", false, "scan the virtual pad with a few demo items")
	advanced := fs.Bool("advanced", false, "use advanced protocol frames")
	blocks := fs.Int("blocks", 9, "blocks to read per tag")
	record := fs.String("record", "", "write a transcript of the traffic to this file (for tests)")
	timeout := fs.Duration("timeout", 5*time.Second, "time allowed for the whole scan")
	secure := fs.String("secure", "", "after the scan, set the tag with this UID secured (written and read back, as a loan's return does)")
	unsecure := fs.String("unsecure", "", "after the scan, set the tag with this UID unsecured (as a loan does)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secure != "" && *unsecure != "" {
		return errors.New("-secure and -unsecure: choose one")
	}
	if (*epIn != 0 || *epOut != 0) && *usbID == "" {
		return errors.New("-ep-in and -ep-out apply to -usb only")
	}
	// The same ranges as config.Validate allows, so a value found here can
	// be copied into kiosk.toml.
	if *epIn != 0 && (*epIn < 0x81 || *epIn > 0x8F) {
		return fmt.Errorf("-ep-in %#x: want an IN endpoint address 0x81-0x8F, or 0", *epIn)
	}
	if *epOut != 0 && (*epOut < 0x01 || *epOut > 0x0F) {
		return fmt.Errorf("-ep-out %#x: want an OUT endpoint address 0x01-0x0F, or 0", *epOut)
	}
	var (
		tr  feig.Transport
		err error
	)
	switch {
	case *virtual:
		tr = rfidDemoPad().Transport()
	case *serialDev != "":
		tr, err = feig.OpenSerial(*serialDev, feig.SerialOptions{Baud: *baud, Parity: *parity})
	case *usbID != "":
		tr, err = rfidOpenUSBReader(*usbID, uint8(*epIn), uint8(*epOut))
	default:
		fs.Usage()
		return errors.New("choose -serial, -usb or -virtual")
	}
	if err != nil {
		return err
	}
	if *record != "" {
		f, err := os.Create(*record)
		if err != nil {
			return err
		}
		defer f.Close()
		rec := rfidtest.NewRecorder(tr, f)
		rec.Comment("kioskctl rfid scan " + strings.Join(args, " "))
		tr = rec
	}
	d := feig.New(tr, feig.Options{Advanced: *advanced})
	r := rfid.NewFEIG(d, rfid.Options{Blocks: *blocks}, nil)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	if sw, err := r.Ping(ctx); err != nil {
		return fmt.Errorf("reader does not answer: %w", err)
	} else {
		fmt.Fprintf(out, "reader: %s\n", sw)
	}
	tags, err := r.Inventory(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d tag(s)\n", len(tags))
	fmt.Fprintf(out, "%-16s  %-5s  %-10s  %s\n", "UID", "DSFID", "AFI", "content")
	for _, ti := range tags {
		t, err := r.ReadTag(ctx, ti.UID)
		afi := "-"
		if t.Blocks > 0 {
			afi = fmt.Sprintf("%02X", t.AFI)
			switch t.AFI {
			case rfid.AFISecured:
				afi += " secured"
			case rfid.AFIOnLoan:
				afi += " on loan"
			}
		}
		content := ""
		switch {
		case err == nil:
			d := t.Data
			content = fmt.Sprintf("item %s, part %d of %d, owner %s, usage %v, CRC ok, %v",
				d.ItemID, d.PartNo, d.Parts, ddm.ISILWithHyphen(d.OwnerISIL), d.Usage, d.Order)
			if d.Flags != 0 {
				content += ", flags " + d.Flags.String()
			}
		case len(t.Memory) > 0:
			content = fmt.Sprintf("unreadable (%v); memory %X", err, t.Memory)
		default:
			content = fmt.Sprintf("error: %v", err)
		}
		fmt.Fprintf(out, "%-16s  %02X     %-10s  %s\n", ti.UID, ti.DSFID, afi, content)
	}
	if *secure != "" || *unsecure != "" {
		return rfidSetSecured(ctx, r, tags, *secure+*unsecure, *secure != "", out)
	}
	return nil
}

// rfidSetSecured writes one tag's security state through the kiosk's own
// tag adapter, the code a loan, a return and maintenance mode's tag
// inspector use, so a technician's write here is the kiosk's write.
func rfidSetSecured(ctx context.Context, r *rfid.FEIGReader, tags []rfid.TagInfo, uidText string, secured bool, out io.Writer) error {
	uid, err := rfid.ParseUID(uidText)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(tags, func(t rfid.TagInfo) bool { return t.UID == uid }) {
		return fmt.Errorf("tag %s is not on the reader", uid)
	}
	item := "?"
	if t, err := r.ReadTag(ctx, uid); err == nil {
		item = t.Data.ItemID
	}
	if err := kiosk.NewRFIDTags(r).SetSecured(ctx, kiosk.PadItem{ItemID: item, Tags: []string{uid.String()}}, secured); err != nil {
		return err
	}
	state := "unsecured"
	if secured {
		state = "secured"
	}
	fmt.Fprintf(out, "tag %s (item %s) %s, read back\n", uid, item, state)
	return nil
}

func rfidOpenUSBReader(id string, epIn, epOut uint8) (feig.Transport, error) {
	vs, ps, ok := strings.Cut(id, ":")
	vid, err1 := strconv.ParseUint(vs, 16, 16)
	pid, err2 := strconv.ParseUint(ps, 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("-usb wants VID:PID in hex, got %q", id)
	}
	if rfidOpenUSB == nil {
		return nil, errors.New("USB readers are not wired into this build; use -serial")
	}
	return rfidOpenUSB(uint16(vid), uint16(pid), epIn, epOut)
}

// rfidDemoPad is a virtual pad with a single item, a complete two-part set, a
// foreign item on loan, a tag written with reversed blocks and a garbage
// tag, for a smoke run without hardware.
func rfidDemoPad() *rfidtest.Pad {
	pad := rfidtest.NewPad(rfidtest.PadOptions{})
	add := func(t *rfidtest.Tag, err error) {
		if err == nil {
			pad.Place(t)
		}
	}
	add(rfidtest.NewItemTag(rfidtest.TestUID(1), "5012345678901", "DK-710100", 1, 1))
	set, err := rfidtest.NewItemSet(2, "5098765432109", "DK-710100", 2)
	if err == nil {
		pad.Place(set...)
	}
	loaned, err := rfidtest.NewItemTag(rfidtest.TestUID(4), "3846123456", "DK-775100", 1, 1)
	if err == nil {
		loaned.AFI = rfid.AFIOnLoan
		pad.Place(loaned)
	}
	pad.Place(rfidtest.NewGarbageTag(rfidtest.TestUID(5), 1))
	reversed, err := rfidtest.NewItemTag(rfidtest.TestUID(6), "1000000056", "DK-718500", 1, 1)
	if err == nil {
		reversed.Memory = ddm.ReverseBlocks(reversed.Memory)
		pad.Place(reversed)
	}
	return pad
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/danbib/kiosk/control"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
	"github.com/danbib/kiosk/usb/usbio"
)

// printerOpenUSB opens a receipt printer's bulk endpoints (printer class
// interface, usblp detached). The printer package never imports the usb
// package, so the file that wires USB into kioskctl sets this in its init;
// until then only --to, --png and -virtual work. vid and pid 0 open the
// first printer-class (7) device, as the kiosk does with printer.usb empty.
var printerOpenUSB func(vid, pid uint16) (usbio.Transport, error)

func init() {
	register("print-test", "print a test receipt: on the running kiosk's printer through its control socket, or (-direct, -vid/-pid) the first printer-class device; --to FILE for ESC/POS bytes, --png FILE", runPrintTest)
	register("printer status", "report the receipt printer's paper and cover state (-vid/-pid, default the first printer-class device; or -virtual)", runPrinterStatus)
}

// defaultPrinterVID is the vendor taken when only -pid is given: Epson, the
// maker of the printers most kiosks have.
const defaultPrinterVID = "04b8"

// printerHint tells the technician what else a printer command can do when
// no USB printer can be used. Each command names only its own flags.
type printerHint struct {
	noPrinter string // appended when no device could be opened
	noUSB     string // the whole message when USB is not wired into this build
}

var (
	printTestHint = printerHint{
		noPrinter: "give -vid/-pid of the printer (see `kioskctl usb list`), or write the receipt with --to FILE or --png FILE",
		noUSB:     "USB printers are not wired into this build; use --to FILE or --png FILE",
	}
	printerStatusHint = printerHint{
		noPrinter: "give -vid/-pid of the printer (see `kioskctl usb list`), or try the command with -virtual",
		noUSB:     "USB printers are not wired into this build; only -virtual works",
	}
)

func parseHexID(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 16)
	if err != nil {
		return 0, fmt.Errorf("bad USB id %q (want hex, e.g. 04b8)", s)
	}
	return uint16(v), nil
}

// usbPrinter returns the printer at vid:pid or, when neither is given, the
// first printer-class device; errors carry the command's own hint.
func usbPrinter(vidS, pidS string, timeout time.Duration, hint printerHint) (*printer.USBPrinter, error) {
	var vid, pid uint16
	switch {
	case vidS == "" && pidS == "":
		// Both 0: printerOpenUSB matches the printer class instead.
	case pidS == "":
		return nil, errors.New("give -pid together with -vid, or neither for the first printer-class device")
	default:
		if vidS == "" {
			vidS = defaultPrinterVID
		}
		var err error
		if vid, err = parseHexID(vidS); err != nil {
			return nil, err
		}
		if pid, err = parseHexID(pidS); err != nil {
			return nil, err
		}
	}
	if printerOpenUSB == nil {
		return nil, errors.New(hint.noUSB)
	}
	open := func(ctx context.Context) (usbio.Transport, error) {
		t, err := printerOpenUSB(vid, pid)
		if err != nil {
			return nil, fmt.Errorf("%w; %s", err, hint.noPrinter)
		}
		return t, nil
	}
	o := printer.DefaultUSBOptions()
	o.WriteTimeout = timeout
	return printer.NewUSBPrinter(open, o, nil), nil
}

func runPrintTest(args []string, out io.Writer) error {
	fs := newFlagSet("print-test", out)
	to := fs.String("to", "", "write the ESC/POS bytes to FILE instead of a printer")
	pngOut := fs.String("png", "", "draw the receipt with the virtual printer into FILE (PNG)")
	vid := fs.String("vid", "", "printer vendor id, hex (with -pid alone: Epson "+defaultPrinterVID+"; neither: the first printer-class device)")
	pid := fs.String("pid", "", "printer product id, hex (TM-T20 0e03)")
	lang := fs.String("lang", "da", "receipt language: "+langCodes())
	cols := fs.Int("cols", 48, "columns: 32 (58 mm), 42 or 48 (80 mm)")
	code := fs.String("code", "code128", "reference code: code128, qr or none")
	logo := fs.String("logo", "", "PNG logo to print at the top")
	timeout := fs.Duration("timeout", 5*time.Second, "write timeout")
	socket := fs.String("socket", control.DefaultSocket, "with no printer or file named: print on the running kiosk's own printer through this control socket, when it is there")
	direct := fs.Bool("direct", false, "open the USB printer here even when the kiosk's control socket is there")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" && *pngOut == "" && *vid == "" && *pid == "" && !*direct {
		if done, err := printTestViaKiosk(*socket, out); done {
			return err
		}
	}
	b, err := i18n.NewBundle()
	if err != nil {
		return err
	}
	l := b.Localizer(*lang)
	o := printer.DefaultOptions()
	o.Columns = *cols
	o.Code = printer.Code(*code)
	if *logo != "" {
		if o.Logo, err = printer.LoadLogo(*logo); err != nil {
			return err
		}
	}
	job, err := printer.Render(printer.TestReceipt(time.Now(), l), l, o)
	if err != nil {
		return err
	}
	if *to != "" {
		if err := os.WriteFile(*to, job, 0o644); err != nil {
			return fmt.Errorf("print-test: %w", err)
		}
		fmt.Fprintf(out, "wrote %d bytes of ESC/POS to %s\n", len(job), *to)
	}
	if *pngOut != "" {
		img, err := printertest.RenderPNG(job, o.Dots())
		if err != nil {
			return err
		}
		if err := os.WriteFile(*pngOut, img, 0o644); err != nil {
			return fmt.Errorf("print-test: %w", err)
		}
		fmt.Fprintf(out, "wrote the receipt as %s (%d dots wide)\n", *pngOut, o.Dots())
	}
	if *to != "" || *pngOut != "" {
		return nil
	}
	p, err := usbPrinter(*vid, *pid, *timeout, printTestHint)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout+10*time.Second)
	defer cancel()
	if err := p.Print(ctx, job); err != nil {
		return err
	}
	fmt.Fprintf(out, "printed %d bytes\n", len(job))
	return nil
}

func langCodes() string {
	var c []string
	for _, l := range i18n.Languages {
		c = append(c, l.Code)
	}
	return strings.Join(c, ", ")
}

func runPrinterStatus(args []string, out io.Writer) error {
	fs := newFlagSet("printer status", out)
	vid := fs.String("vid", "", "printer vendor id, hex (with -pid alone: Epson "+defaultPrinterVID+"; neither: the first printer-class device)")
	pid := fs.String("pid", "", "printer product id, hex")
	virtual := fs.Bool("virtual", false, "ask the virtual printer (for trying the command)")
	sim := fs.String("sim", "ok", "virtual printer paper state: ok, near-end, out, cover-open")
	timeout := fs.Duration("timeout", 2*time.Second, "overall timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var p printer.Printer
	if *virtual {
		vp := printertest.New(0)
		switch *sim {
		case "ok":
		case "near-end":
			vp.SetPaper(escpos.PaperNearEnd)
		case "out":
			vp.SetPaper(escpos.PaperOut)
		case "cover-open":
			vp.SetCoverOpen(true)
		default:
			return fmt.Errorf("-sim %q: use ok, near-end, out or cover-open", *sim)
		}
		// Go through the USB driver so that the DLE EOT path is exercised.
		up := printer.NewUSBPrinter(vp.Open, printer.DefaultUSBOptions(), nil)
		defer up.Close()
		p = up
	} else {
		up, err := usbPrinter(*vid, *pid, *timeout, printerStatusHint)
		if err != nil {
			return err
		}
		defer up.Close()
		p = up
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	st, err := p.Status(ctx)
	if st.Disconnected || errors.Is(err, printer.ErrNotConnected) {
		// Without a printer there is no paper state to report; "paper:
		// offline" read as if a printer had answered.
		fmt.Fprintln(out, "no printer found")
		if err == nil {
			err = printer.ErrNotConnected
		}
		return fmt.Errorf("no printer: %w", err)
	}
	fmt.Fprintf(out, "state:      %s\n", st.State())
	fmt.Fprintf(out, "paper:      %s\n", st.PaperWord())
	fmt.Fprintf(out, "cover open: %v\n", st.CoverOpen)
	fmt.Fprintf(out, "offline:    %v\n", st.Offline)
	fmt.Fprintf(out, "can print:  %v\n", st.CanPrint())
	return err
}

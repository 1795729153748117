package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/danbib/kiosk/control"
	"github.com/danbib/kiosk/kiosk"
)

// The commands that talk to the running kiosk over its control socket
// (package control). The kiosk does the work, through the same code as
// maintenance mode, and writes each action to its audit log with this
// process's user id.
func init() {
	register("status", "the running kiosk's status, as on the maintenance status screen (-json for the facts)", runCtlStatus)
	register("out-of-order", "switch the running kiosk out of order (on [-message PRESET]) or back in service (off)", runCtlOutOfOrder)
	register("queue forward", "make the running kiosk forward its offline return queue now", ctlSimple("queue forward", control.CmdForward))
	register("journal settle", "make the running kiosk settle its in-flight journal now", ctlSimple("journal settle", control.CmdSettle))
	register("reload", "make the running kiosk re-read and check its configuration (an invalid file is refused, every error listed)", ctlSimple("reload", control.CmdReload))
}

// ctlFlags are the flags every control command has.
type ctlFlags struct {
	socket  *string
	asJSON  *bool
	timeout *time.Duration
}

func addCtlFlags(fs *flag.FlagSet) ctlFlags {
	return ctlFlags{
		socket:  fs.String("socket", control.DefaultSocket, "the kiosk's control socket (the demo prints its own at start)"),
		asJSON:  fs.Bool("json", false, "print the kiosk's reply as JSON"),
		timeout: fs.Duration("timeout", 3*time.Minute, "how long to wait for the kiosk's answer"),
	}
}

// ask sends r and prints the reply: as JSON with -json, else the message.
// A refused or failed request is an error, so kioskctl exits non-zero.
func (f ctlFlags) ask(r control.Request, out io.Writer) (control.Reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), *f.timeout)
	defer cancel()
	r.Version = control.Version
	rep, err := control.Do(ctx, *f.socket, r)
	if err != nil {
		return rep, err
	}
	if *f.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return rep, err
		}
	}
	if !rep.OK {
		msg := rep.Error
		for _, e := range rep.Errors {
			msg += "\n  " + e
		}
		return rep, errors.New(msg)
	}
	return rep, nil
}

// act sends an action and prints what the kiosk answered.
func (f ctlFlags) act(r control.Request, out io.Writer) error {
	rep, err := f.ask(r, out)
	if err != nil || *f.asJSON {
		return err
	}
	fmt.Fprintln(out, rep.Message)
	for _, k := range rep.Restart {
		fmt.Fprintf(out, "  %s changed: it takes effect at the next restart\n", k)
	}
	return nil
}

func ctlSimple(name, cmd string) func(args []string, out io.Writer) error {
	return func(args []string, out io.Writer) error {
		fs := newFlagSet(name, out)
		f := addCtlFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		return f.act(control.Request{Command: cmd}, out)
	}
}

func runCtlOutOfOrder(args []string, out io.Writer) error {
	fs := newFlagSet("out-of-order", out)
	f := addCtlFlags(fs)
	preset := fs.String("message", "", "with on: the message patrons see: "+strings.Join(kiosk.OutOfOrderPresets, ", ")+" (default maintenance)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: kioskctl out-of-order on|off [-message PRESET] [flags]\n\nflags:\n")
		fs.PrintDefaults()
	}
	// on|off may come before or after the flags.
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("say on or off")
	}
	word := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var on bool
	switch word {
	case "on":
		on = true
	case "off":
		if *preset != "" {
			return errors.New("-message goes with on, not off")
		}
	default:
		return fmt.Errorf("%q: say on or off", word)
	}
	return f.act(control.Request{Command: control.CmdOutOfOrder, On: &on, Preset: *preset}, out)
}

func runCtlStatus(args []string, out io.Writer) error {
	fs := newFlagSet("status", out)
	f := addCtlFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := f.ask(control.Request{Command: control.CmdStatus}, out)
	if err != nil || *f.asJSON {
		return err
	}
	if rep.Status == nil {
		return errors.New("the kiosk sent no status")
	}
	for _, l := range rep.Status.Lines {
		fmt.Fprintf(out, "%-8s %-16s %s\n", strings.ToUpper(l.Word), l.Label, l.Value)
		if l.Advice != "" {
			fmt.Fprintf(out, "%-8s %-16s → %s\n", "", "", l.Advice)
		}
	}
	return nil
}

// printTestViaKiosk prints the test receipt on the running kiosk's own
// printer, when no printer or file was named and the kiosk's socket is
// there: the kiosk holds its USB printer, so kioskctl could not open it.
func printTestViaKiosk(socket string, out io.Writer) (bool, error) {
	if fi, err := os.Stat(socket); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return false, nil
	}
	t := 3 * time.Minute
	asJSON := false
	f := ctlFlags{socket: &socket, asJSON: &asJSON, timeout: &t}
	rep, err := f.ask(control.Request{Command: control.CmdPrintTest}, out)
	if err != nil {
		return true, fmt.Errorf("the kiosk at %s: %w", socket, err)
	}
	fmt.Fprintf(out, "the kiosk at %s: %s\n", socket, rep.Message)
	return true, nil
}

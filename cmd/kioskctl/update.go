package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/danbib/kiosk/control"
	"github.com/danbib/kiosk/update"
)

// The update commands go through the control socket, not straight to
// rauc: the kiosk then reboots into the new slot only when no patron is
// being served, writes the audit line with the caller's user id, and
// `update status` shows pushed and polled updates alike.
func init() {
	register("update", "install a signed RAUC bundle (an absolute path on the kiosk, or an http(s) URL); the kiosk reboots into it when no patron is being served", runCtlUpdate)
	register("update status", "the update client's state: phase, progress, the installed system, the last error", runCtlUpdateStatus)
}

func runCtlUpdate(args []string, out io.Writer) error {
	fs := newFlagSet("update", out)
	f := addCtlFlags(fs)
	wait := fs.Bool("wait", false, "wait until the bundle is installed (or failed) and say so")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: kioskctl update BUNDLE [-wait] [flags]\n       kioskctl update status [flags]\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("name a bundle: a path or an http(s) URL")
	}
	src := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if !strings.HasPrefix(src, "https://") && !strings.HasPrefix(src, "http://") {
		// The kiosk runs elsewhere (cwd /): it gets an absolute path.
		abs, err := filepath.Abs(src)
		if err != nil {
			return err
		}
		src = abs
	}
	if err := f.act(control.Request{Command: control.CmdUpdate, Bundle: src}, out); err != nil || !*f.asJSON && !*wait {
		return err
	}
	if !*wait {
		return nil
	}
	for {
		rep, err := f.ask(control.Request{Command: control.CmdUpdateStatus}, io.Discard)
		if err != nil {
			return err
		}
		if rep.Update == nil {
			return errors.New("the kiosk sent no update state")
		}
		switch rep.Update.Phase {
		case update.PhaseReboot:
			fmt.Fprintf(out, "installed %s; the kiosk reboots into it when no patron is being served\n", rep.Update.Version)
			return nil
		case update.PhaseFailed:
			return errors.New(rep.Update.Error)
		}
		time.Sleep(2 * time.Second)
	}
}

func runCtlUpdateStatus(args []string, out io.Writer) error {
	fs := newFlagSet("update status", out)
	f := addCtlFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	rep, err := f.ask(control.Request{Command: control.CmdUpdateStatus}, out)
	if err != nil || *f.asJSON {
		return err
	}
	if rep.Update == nil {
		return errors.New("the kiosk sent no update state")
	}
	printUpdateState(out, *rep.Update)
	return nil
}

func printUpdateState(out io.Writer, s update.State) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(out, "%-12s %s\n", k, v)
		}
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	line("system", s.System)
	line("phase", s.Phase)
	line("bundle", s.Source)
	if s.Total > 0 {
		line("progress", fmt.Sprintf("%d of %d bytes (%d%%)", s.Bytes, s.Total, s.Bytes*100/s.Total))
	}
	line("installed", s.Version)
	line("error", s.Error)
	if s.Failures > 0 {
		line("failures", fmt.Sprint(s.Failures))
	}
	line("last check", at(s.LastCheck))
	line("next check", at(s.NextCheck))
}

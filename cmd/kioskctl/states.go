package main

import (
	"fmt"
	"io"
	"os"

	"github.com/danbib/kiosk/kiosk"
)

func init() {
	register("states", "print the kiosk core's transition table (-dot for Graphviz)", runStates)
	register("queue", "show the in-flight journal and the offline return queue in the state dir", runQueue)
}

// runStates prints the table derived from kiosk.Step itself, so what the
// technician sees is what the core does.
func runStates(args []string, out io.Writer) error {
	fs := newFlagSet("states", out)
	dot := fs.Bool("dot", false, "print a Graphviz digraph instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return kiosk.WriteTable(out, *dot)
}

// runQueue lists what a crash or an outage left behind. Both files hold
// item ids, owner ISILs and times only, so nothing personal is shown.
func runQueue(args []string, out io.Writer) error {
	fs := newFlagSet("queue", out)
	dir := fs.String("dir", kiosk.DefaultOptions().StateDir, "the kiosk's state directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Opening the journal would create a missing directory and report an
	// empty queue: a mistyped -dir must not look like a kiosk with nothing
	// queued.
	if fi, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("state directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("state directory %s is not a directory", *dir)
	}
	j, err := kiosk.OpenJournal(*dir)
	if err != nil {
		return err
	}
	q, err := kiosk.OpenOfflineQueue(*dir, 0)
	if err != nil {
		return err
	}
	entries := j.Entries()
	fmt.Fprintf(out, "in-flight journal: %d open\n", len(entries))
	for _, e := range entries {
		fmt.Fprintf(out, "  %-20s %-9s %s\n", e.ItemID, e.Op, e.At.Format("2006-01-02 15:04:05"))
	}
	rets := q.Entries()
	fmt.Fprintf(out, "offline returns: %d queued\n", len(rets))
	for _, r := range rets {
		fmt.Fprintf(out, "  %-20s %-12s %s %s\n", r.ItemID, r.OwnerISIL, r.At.Format("2006-01-02 15:04:05"), r.KioskID)
	}
	return nil
}

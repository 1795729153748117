package main

import (
	"flag"
	"io"

	"github.com/danbib/kiosk/kiosk"
)

func init() {
	register("states", "print the kiosk core's transition table (-dot for Graphviz)", runStates)
}

// runStates prints the table derived from kiosk.Step itself, so what the
// technician sees is what the core does.
func runStates(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("states", flag.ContinueOnError)
	fs.SetOutput(out)
	dot := fs.Bool("dot", false, "print a Graphviz digraph instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return kiosk.WriteTable(out, *dot)
}

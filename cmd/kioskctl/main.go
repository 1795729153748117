// Command kioskctl is the technician's tool: smoke tests of each device, tag
// decoding and encoding, receipt test prints, the SIP2 probe and the state table.
//
// Each area registers its subcommands from its own file (sip2.go, tag.go, usb.go,
// print.go, states.go …) so that the areas can grow without touching this file.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/danbib/kiosk/internal/version"
)

// command is one technician subcommand. Run gets the arguments after the
// command's own words and writes its report to out; a non-nil error makes
// kioskctl exit non-zero.
type command struct {
	name    string // words, e.g. "tag decode" or "print-test"
	summary string
	run     func(args []string, out io.Writer) error
}

// commands is filled by register calls in the init functions of this package's
// files. It is only read after main starts.
var commands []command

func register(name, summary string, run func(args []string, out io.Writer) error) {
	commands = append(commands, command{name: name, summary: summary, run: run})
}

func main() {
	os.Exit(mainImpl(os.Args[1:], os.Stdout, os.Stderr))
}

func mainImpl(args []string, out, errOut io.Writer) int {
	if len(args) == 1 && (args[0] == "-version" || args[0] == "--version") {
		fmt.Fprintln(out, version.String("kioskctl"))
		return 0
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(errOut)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	// The longest registered name that prefixes the arguments wins, so
	// "tag decode" is found before a hypothetical "tag".
	best := -1
	bestWords := 0
	for i, c := range commands {
		words := strings.Fields(c.name)
		if len(words) > len(args) || len(words) <= bestWords {
			continue
		}
		match := true
		for j, w := range words {
			if args[j] != w {
				match = false
				break
			}
		}
		if match {
			best, bestWords = i, len(words)
		}
	}
	if best < 0 {
		fmt.Fprintf(errOut, "kioskctl: unknown command %q\n\n", strings.Join(args, " "))
		usage(errOut)
		return 2
	}
	if err := commands[best].run(args[bestWords:], out); err != nil {
		fmt.Fprintf(errOut, "kioskctl %s: %v\n", commands[best].name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	sorted := append([]command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
	}
}

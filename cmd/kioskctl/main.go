// Command kioskctl is the technician's tool: smoke tests of each device, tag
// decoding and encoding, receipt test prints, the SIP2 probe and the state table.
//
// Each area registers its subcommands from its own file (sip2.go, tag.go, usb.go,
// print.go, states.go …) so that the areas can grow without touching this file.
package main

import (
	"errors"
	"flag"
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
		// "kioskctl tag" and "kioskctl tag -h" name a group of commands:
		// list the group rather than call it unknown.
		if group := groupOf(args[0]); len(group) > 0 {
			help := len(args) == 1 || isHelp(args[1])
			if !help {
				fmt.Fprintf(errOut, "kioskctl: unknown command %q\n\n", strings.Join(args, " "))
			}
			groupUsage(errOut, args[0], group)
			if help && len(args) > 1 {
				return 0
			}
			return 2
		}
		fmt.Fprintf(errOut, "kioskctl: unknown command %q\n\n", strings.Join(args, " "))
		usage(errOut)
		return 2
	}
	if err := commands[best].run(args[bestWords:], out); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// The command printed its usage on -h; asking for help is
			// not a failure.
			return 0
		}
		fmt.Fprintf(errOut, "kioskctl %s: %v\n", commands[best].name, err)
		return 1
	}
	return 0
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" || a == "help" }

// groupOf returns the commands whose first word is word and that have more
// words ("tag decode", "tag encode" for "tag").
func groupOf(word string) []command {
	var out []command
	for _, c := range commands {
		w := strings.Fields(c.name)
		if len(w) > 1 && w[0] == word {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func groupUsage(w io.Writer, word string, group []command) {
	fmt.Fprintf(w, "usage: kioskctl %s COMMAND [flags] [args]\n\ncommands:\n", word)
	for _, c := range group {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\n\"kioskctl %s COMMAND -h\" shows a command's flags.\n", word)
}

// newFlagSet returns the flag set of command name, whose -h prints the
// command's summary and flags under a usage line. Commands with positional
// arguments replace Usage with their own.
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: kioskctl %s [flags]\n\n", name)
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintf(fs.Output(), "%s\n\n", c.summary)
			}
		}
		fmt.Fprintln(fs.Output(), "flags:")
		fs.PrintDefaults()
	}
	return fs
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

// Command cmd generates the UI soak scenario and judges its samples
// (scripts/soak.sh, docs/soak.md):
//
//	go run ./internal/soak/cmd gen -seed 1 -sessions 500 -every 50 > soak.txt
//	go run ./internal/soak/cmd check memstats.tsv
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/danbib/kiosk/internal/soak"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: soak gen [-seed N -sessions N -every N -idle SEC] | soak check [-min N] MEMSTATS.tsv")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "check":
		err = check(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: use gen or check", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	o := soak.Options{}
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same scenario")
	fs.IntVar(&o.Sessions, "sessions", 500, "number of sessions")
	fs.IntVar(&o.Every, "every", 50, "sessions between two memory samples")
	fs.IntVar(&o.IdleTimeoutSeconds, "idle", 15, "the kiosk's idle timeout in seconds")
	_ = fs.Parse(args)
	counts, err := soak.Generate(os.Stdout, o)
	if err != nil {
		return err
	}
	var kinds []string
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(os.Stderr, "soak: %4d %s sessions\n", counts[k], k)
	}
	return nil
}

func check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	l := soak.DefaultLimits()
	fs.IntVar(&l.MinSessions, "min", l.MinSessions, "fewest sessions the run must have played")
	fs.IntVar(&l.Baseline, "baseline", l.Baseline, "the sample growth is measured from")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("check: give the memstats file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	samples, err := soak.ReadSamples(f)
	if err != nil {
		return err
	}
	soak.Table(os.Stdout, samples, l)
	if err := soak.Check(samples, l); err != nil {
		return fmt.Errorf("soak: FAILED\n%w", err)
	}
	fmt.Println("soak: passed")
	return nil
}

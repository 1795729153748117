// Command sip2sim serves the in-memory ACS simulator (package sip2/acs) over
// SIP2 on TCP, TLS and FBS-style HTTPS, loaded with the embedded Danish demo
// library or any seed file, with optional fault injection. See
// sip2/acs/README.md for the flags.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/danbib/kiosk/logging"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "sip2sim:", err)
		os.Exit(1)
	}
}

// defaultTCP is where the simulator listens when no address flag is given.
const defaultTCP = "127.0.0.1:6001"

type config struct {
	data                   string
	tcp, tls, https        string
	cert, key, certOut     string
	logLevel               string
	charset                string
	fbsPrefix, plainLists  bool
	noDedup, noLogin       bool
	refuseRecheckout       bool
	offline, list          bool
	realData               bool
	seed                   uint64
	idle                   time.Duration
	timeoutTenths, retries int
	faults                 acs.Faults
	faultMessages          string
	connFaults             connFaults
}

// connFaults collects the -conn-faults flags: the faults of single
// connections by their 1-based number, for acs.Server.SetConnFaults. It keeps
// the order of the flags so the log lists them as given.
type connFaults struct {
	order []int
	byN   map[int]acs.Faults
}

// String implements flag.Value.
func (c *connFaults) String() string {
	if c == nil || len(c.order) == 0 {
		return ""
	}
	parts := make([]string, 0, len(c.order))
	for _, n := range c.order {
		parts = append(parts, fmt.Sprintf("%d: %s", n, c.byN[n]))
	}
	return strings.Join(parts, "; ")
}

// Set implements flag.Value. One value holds one or more semicolon-separated
// specs "N:kind=rate,kind=rate", so that the flag can be given once with
// every connection or repeated per connection.
func (c *connFaults) Set(v string) error {
	for _, spec := range strings.Split(v, ";") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		n, f, err := parseConnFaults(spec)
		if err != nil {
			return err
		}
		if c.byN == nil {
			c.byN = map[int]acs.Faults{}
		}
		if _, dup := c.byN[n]; dup {
			// Two specs for one connection would silently drop the
			// first; say so instead.
			return fmt.Errorf("connection %d given twice", n)
		}
		c.byN[n] = f
		c.order = append(c.order, n)
	}
	return nil
}

// parseConnFaults parses one "N:kind=rate,…" spec. The kinds are the fault
// names of acs.FaultKind (answer-96, close-before-commit, drop-reply,
// close-after-commit, corrupt-checksum, wrong-sequence, slow-reply) with a
// probability, plus latency and jitter with a duration; "none" alone gives
// the connection no faults at all, overriding the global ones.
func parseConnFaults(spec string) (int, acs.Faults, error) {
	var f acs.Faults
	num, list, ok := strings.Cut(spec, ":")
	if !ok {
		return 0, f, fmt.Errorf("%q: want N:kind=rate,kind=rate", spec)
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 {
		return 0, f, fmt.Errorf("%q: the connection number must be 1 or more, counted over every listener", spec)
	}
	list = strings.TrimSpace(list)
	if list == "none" {
		return n, f, nil
	}
	if list == "" {
		return 0, f, fmt.Errorf("%q: no faults after the colon (write \"none\" for a connection without faults)", spec)
	}
	for _, item := range strings.Split(list, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return 0, f, fmt.Errorf("%q: %q is not kind=value", spec, item)
		}
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		switch name {
		case "latency", "jitter":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 {
				return 0, f, fmt.Errorf("%q: %s wants a duration such as 50ms, got %q", spec, name, val)
			}
			if name == "latency" {
				f.Latency = d
			} else {
				f.Jitter = d
			}
			continue
		}
		kind, err := acs.ParseFaultKind(name)
		rate := rateOf(&f, kind)
		if err != nil || rate == nil {
			return 0, f, fmt.Errorf("%q: unknown fault %q (answer-96, close-before-commit, drop-reply, close-after-commit, corrupt-checksum, wrong-sequence, slow-reply, latency, jitter)", spec, name)
		}
		p, err := strconv.ParseFloat(val, 64)
		if err != nil || p < 0 || p > 1 {
			return 0, f, fmt.Errorf("%q: the rate of %s must be between 0 and 1, got %q", spec, name, val)
		}
		*rate = p
	}
	return n, f, nil
}

// rateOf returns the field of f that holds the probability of kind, or nil
// for a kind without one (FaultNone, or a kind this command does not know
// yet), so that such a name is refused rather than ignored.
func rateOf(f *acs.Faults, kind acs.FaultKind) *float64 {
	switch kind {
	case acs.FaultAnswer96:
		return &f.Answer96Rate
	case acs.FaultCloseBeforeCommit:
		return &f.CloseBeforeCommitRate
	case acs.FaultDropReply:
		return &f.DropReplyRate
	case acs.FaultCloseAfterCommit:
		return &f.CloseAfterCommitRate
	case acs.FaultCorruptChecksum:
		return &f.CorruptChecksumRate
	case acs.FaultWrongSequence:
		return &f.WrongSequenceRate
	case acs.FaultSlowReply:
		return &f.SlowReplyRate
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	var c config
	fs := flag.NewFlagSet("sip2sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.data, "data", "", "seed data `file` (JSON, see sip2/acs/README.md); default: the embedded demo library")
	fs.StringVar(&c.tcp, "tcp", "", "serve SIP2 over TCP on `addr` (default "+defaultTCP+" when no address flag is given)")
	fs.StringVar(&c.tls, "tls", "", "serve SIP2 over TLS on `addr`")
	fs.StringVar(&c.https, "https", "", "serve FBS-style SIP2 over HTTPS on `addr` (POST /rest/sip2/<ISIL>)")
	fs.StringVar(&c.cert, "cert", "", "TLS certificate `file` (PEM) for -tls and -https; default: a generated self-signed one")
	fs.StringVar(&c.key, "key", "", "TLS key `file` (PEM) for -cert")
	fs.StringVar(&c.certOut, "cert-out", "", "write the generated self-signed certificate to `file` (for clients to pin)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.charset, "charset", "utf-8", "character set of TCP/TLS connections: utf-8, cp850, iso-8859-1")
	fs.BoolVar(&c.fbsPrefix, "fbs-prefix", false, "return patron ids with FBS's LN: prefix")
	fs.BoolVar(&c.plainLists, "plain-lists", false, "send bare item ids in item lists instead of FBS % sub-fields")
	fs.BoolVar(&c.noDedup, "no-dedup", false, "execute resent requests again instead of answering from the cache (Koha-like)")
	fs.BoolVar(&c.noLogin, "no-login", false, "do not require the 93 login on TCP/TLS")
	fs.BoolVar(&c.refuseRecheckout, "refuse-recheckout", false, "refuse a checkout of an item already lent to the same patron instead of renewing it")
	fs.BoolVar(&c.offline, "offline", false, "start off line (TCP/TLS refuse connections, HTTPS answers 503); SIGUSR1 toggles")
	fs.BoolVar(&c.list, "list", false, "print the library's patrons and items and exit")
	fs.BoolVar(&c.realData, "real-data", false, "accept a -data seed whose patrons are not marked \"synthetic\": true (real people)")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed for the faults (0 = random)")
	fs.DurationVar(&c.idle, "idle-timeout", 0, "close TCP/TLS connections idle this long (0 = never)")
	fs.IntVar(&c.timeoutTenths, "acs-timeout", 600, "timeout period announced in 98, in tenths of a second (1-999)")
	fs.IntVar(&c.retries, "acs-retries", 3, "retries allowed announced in 98 (0-999)")
	f := &c.faults
	fs.DurationVar(&f.Latency, "latency", 0, "delay every answer by `duration`")
	fs.DurationVar(&f.Jitter, "jitter", 0, "add up to `duration` of random delay")
	fs.Float64Var(&f.Answer96Rate, "answer-96-rate", 0, "answer 96 (resend) without executing, with this probability")
	fs.Float64Var(&f.CloseBeforeCommitRate, "close-before-commit-rate", 0, "close the connection before executing, with this probability")
	fs.Float64Var(&f.DropReplyRate, "drop-reply-rate", 0, "execute but never answer, with this probability")
	fs.Float64Var(&f.CloseAfterCommitRate, "close-after-commit-rate", 0, "execute, then close without answering, with this probability")
	fs.Float64Var(&f.CorruptChecksumRate, "corrupt-checksum-rate", 0, "answer with a wrong AZ checksum, with this probability")
	fs.Float64Var(&f.WrongSequenceRate, "wrong-sequence-rate", 0, "answer with a wrong AY sequence number, with this probability")
	fs.Float64Var(&f.SlowReplyRate, "slow-reply-rate", 0, "send the answer in slow pieces, with this probability")
	fs.IntVar(&f.PieceSize, "piece-size", 8, "bytes per piece of a slow answer")
	fs.DurationVar(&f.PieceDelay, "piece-delay", 5*time.Millisecond, "pause between the pieces of a slow answer")
	fs.StringVar(&c.faultMessages, "fault-messages", "", "apply faults only to these request codes, e.g. 11,29,09 (default: all)")
	fs.Var(&c.connFaults, "conn-faults", "faults of single connections instead of the global ones: `N:kind=rate,...` for the N-th accepted\n"+
		"connection (1-based, over every listener); kinds answer-96, close-before-commit, drop-reply,\n"+
		"close-after-commit, corrupt-checksum, wrong-sequence, slow-reply (rate 0..1), latency and jitter\n"+
		"(duration), or \"N:none\"; repeat the flag or separate specs with ';'. -piece-size, -piece-delay\n"+
		"and -fault-messages apply to these too")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, r := range []float64{f.Answer96Rate, f.CloseBeforeCommitRate, f.DropReplyRate, f.CloseAfterCommitRate,
		f.CorruptChecksumRate, f.WrongSequenceRate, f.SlowReplyRate} {
		if r < 0 || r > 1 {
			return nil, fmt.Errorf("fault rates must be between 0 and 1, got %v", r)
		}
	}
	if c.faultMessages != "" {
		for _, m := range strings.Split(c.faultMessages, ",") {
			m = strings.TrimSpace(m)
			if len(m) != 2 || strings.Trim(m, "0123456789") != "" {
				return nil, fmt.Errorf("-fault-messages: %q is not a two-digit message code", m)
			}
			f.Messages = append(f.Messages, sip2.Code(m))
		}
	}
	// The slow-reply shape and the message filter are given once on the
	// command line; a connection's faults share them rather than repeat them
	// in every -conn-faults spec.
	for n, cf := range c.connFaults.byN {
		cf.PieceSize, cf.PieceDelay, cf.Messages = f.PieceSize, f.PieceDelay, f.Messages
		c.connFaults.byN[n] = cf
	}
	if c.timeoutTenths < 1 || c.timeoutTenths > 999 || c.retries < 0 || c.retries > 999 {
		return nil, errors.New("-acs-timeout must be 1..999 and -acs-retries 0..999")
	}
	if (c.cert == "") != (c.key == "") {
		return nil, errors.New("-cert and -key go together")
	}
	if c.tcp == "" && c.tls == "" && c.https == "" {
		c.tcp = defaultTCP
	}
	return &c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log, err := logging.New(stderr, c.logLevel)
	if err != nil {
		return err
	}
	var seed *acs.Seed
	if c.data != "" {
		seed, err = acs.LoadSeedFile(c.data)
	} else {
		seed, err = acs.DemoSeed()
	}
	if err != nil {
		return err
	}
	realPeople := len(seed.Unmarked()) > 0
	if err := checkSynthetic(seed, c.realData); err != nil {
		return err
	}
	if c.refuseRecheckout {
		seed.Policy.RefuseRecheckout = true
	}
	lib, err := acs.New(seed, nil)
	if err != nil {
		return err
	}
	if c.list {
		printLibrary(stdout, lib, !realPeople)
		return nil
	}
	if realPeople {
		log.Warnf("sip2sim: -real-data: %d patrons are not marked synthetic; this library holds real people's data", len(seed.Unmarked()))
	}
	cs, err := sip2.ParseCharset(c.charset)
	if err != nil {
		return err
	}
	opts := acs.DefaultOptions()
	opts.FBSPrefix = c.fbsPrefix
	opts.PlainItemLists = c.plainLists
	opts.Dedup = !c.noDedup
	opts.RequireLogin = !c.noLogin
	opts.Charset = cs
	opts.Seed = c.seed
	opts.IdleTimeout = c.idle
	opts.TimeoutTenths = c.timeoutTenths
	opts.Retries = c.retries
	opts.Logger = log
	srv := acs.NewServer(lib, opts)
	defer srv.Close()
	log.Infof("sip2sim: library %s %q: %d patrons, %d items, %d loans", lib.Institution().ID, lib.Institution().Name,
		len(lib.Patrons()), len(lib.Items()), len(lib.Loans()))
	srv.SetFaults(c.faults)
	for _, n := range c.connFaults.order {
		f := c.connFaults.byN[n]
		srv.SetConnFaults(n, f)
		log.Infof("sip2sim: faults of connection %d: %s", n, f)
	}

	if c.tls != "" || c.https != "" {
		tcfg, err := tlsConfig(c, stdout)
		if err != nil {
			return err
		}
		if c.tls != "" {
			if _, err := srv.ListenTLS(c.tls, tcfg); err != nil {
				return err
			}
		}
		if c.https != "" {
			if _, err := srv.ListenHTTPS(c.https, tcfg); err != nil {
				return err
			}
		}
	}
	if c.tcp != "" {
		if _, err := srv.ListenTCP(c.tcp); err != nil {
			return err
		}
	}
	if c.offline {
		if err := srv.SetOffline(true); err != nil {
			return err
		}
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	offline := c.offline
	for {
		select {
		case <-ctx.Done():
			log.Infof("sip2sim: shutting down")
			return srv.Close()
		case <-usr1:
			offline = !offline
			if err := srv.SetOffline(offline); err != nil {
				log.Warnf("sip2sim: %v", err)
			}
		}
	}
}

// tlsConfig loads -cert/-key or generates a self-signed certificate and
// prints it so clients can pin it.
func tlsConfig(c *config, stdout io.Writer) (*tls.Config, error) {
	if c.cert != "" {
		return acs.LoadTLSConfig(c.cert, c.key)
	}
	cfg, certPEM, err := acs.SelfSigned()
	if err != nil {
		return nil, err
	}
	if c.certOut != "" {
		if err := os.WriteFile(c.certOut, certPEM, 0o644); err != nil {
			return nil, fmt.Errorf("write -cert-out: %w", err)
		}
		fmt.Fprintf(stdout, "sip2sim: self-signed certificate for 127.0.0.1, ::1 and localhost written to %s\n", c.certOut)
	} else {
		fmt.Fprintf(stdout, "sip2sim: self-signed certificate for 127.0.0.1, ::1 and localhost (pin it as the CA):\n%s", certPEM)
	}
	return cfg, nil
}

// checkSynthetic refuses a seed with patrons not marked as invented, unless
// -real-data says the operator means to serve real people: the simulator
// prints PINs and runs without the care a library system takes, and a real
// CPR number in a test seed is a data leak. Patrons are named by index only,
// since their ids would be the CPR numbers.
func checkSynthetic(s *acs.Seed, realData bool) error {
	idx := s.Unmarked()
	if len(idx) == 0 || realData {
		return nil
	}
	var names []string
	for _, i := range idx[:min(len(idx), 5)] {
		names = append(names, fmt.Sprintf("patrons[%d]", i))
	}
	if len(idx) > 5 {
		names = append(names, "…")
	}
	return fmt.Errorf("%d of %d patrons of the seed are not marked \"synthetic\": true (%s): "+
		"mark invented patrons so (or the whole seed), or pass -real-data to serve real people",
		len(idx), len(s.Patrons), strings.Join(names, ", "))
}

// printLibrary lists patrons and items, for documentation and manual
// testing. The PINs are shown only when every patron is synthetic.
func printLibrary(w io.Writer, lib *acs.Library, synthetic bool) {
	inst := lib.Institution()
	label := "synthetic test data"
	if !synthetic {
		label = "REAL DATA: not marked synthetic; PINs not shown"
	}
	fmt.Fprintf(w, "%s %s (%s)\n\nPatrons:\n", inst.ID, inst.Name, label)
	for _, p := range lib.Patrons() {
		pin := p.PIN
		if !synthetic {
			pin = "****"
		}
		fmt.Fprintf(w, "  %-11s PIN %-5s %-6s %-22s %s\n", p.ID, pin, p.Group, p.Name, p.Note)
	}
	fmt.Fprintf(w, "\nItems:\n")
	loans := map[string]acs.Loan{}
	for _, l := range lib.Loans() {
		loans[l.Item] = l
	}
	items := lib.Items()
	sort.SliceStable(items, func(i, j int) bool { return items[i].Media < items[j].Media })
	for _, it := range items {
		var notes []string
		if it.Parts > 1 {
			notes = append(notes, fmt.Sprintf("%d parts", it.Parts))
		}
		if it.Owner != inst.ID {
			notes = append(notes, "owner "+it.Owner)
		}
		if it.AgeLimit > 0 {
			notes = append(notes, fmt.Sprintf("age %d+", it.AgeLimit))
		}
		if len(it.Holds) > 0 {
			h := it.Holds[0]
			state := "hold"
			if h.Ready {
				state = "ready hold"
			}
			notes = append(notes, fmt.Sprintf("%s for %s", state, h.Patron))
		}
		if l, ok := loans[it.ID]; ok {
			notes = append(notes, fmt.Sprintf("lent to %s, due %s", l.Patron, l.Due.Format("2006-01-02")))
		}
		if it.NotLoanable {
			notes = append(notes, "not for loan")
		}
		fmt.Fprintf(w, "  %s %-9s %-50s %-25s %s\n", it.ID, it.Media, it.Title, it.Author, strings.Join(notes, "; "))
	}
}

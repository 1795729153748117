package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/danbib/kiosk/internal/certpool"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/sip2"
)

func init() {
	register("sip2 probe", "run a full SIP2 session (login, status, patron, checkout, renew, item, checkin, end) against an ACS", runSIP2Probe)
}

// probeConfig is the parsed command line of "sip2 probe".
type probeConfig struct {
	addr, transport       string
	user, password        string
	location, institution string
	patron, pin, item     string
	charset               sip2.Charset
	errorDetection        bool
	repeat                int
	timeout               time.Duration
	caFile                string
	certFile, keyFile     string
	serverName            string
	insecureSkipVerify    bool
	resendUnsafe          bool
	renewMustSucceed      bool
	continueAfterPatron   bool
	showPersonal          bool // print titles and loan lists unmasked
	plaintextOK           string
}

// probeUsage is printed by -h above the flags. It says what counts as a
// failure, since a technician reading "all steps passed" must know that a
// refused renewal does not count unless -renew-must-succeed is given.
const probeUsage = `usage: kioskctl sip2 probe [flags]

Runs one SIP2 session against the library system: login (93, not over fbs),
SC status (99), patron status (23), patron information (63), checkout (11),
renew (29), item information (17), checkin (09) and end session (35). Every
frame is printed with passwords, PINs and personal data masked.

The probe fails (exit status 1) when a step fails: a transport or protocol
error, a refused login, a patron or PIN that 23 or 63 does not report valid
(BL and CQ both Y), or a refused checkout or checkin. A refused renewal, or
one whose outcome is unknown, is reported but is not a failure, because many
library systems refuse to renew a loan made a moment ago; -renew-must-succeed
makes it one.

When the patron check (23, 63) fails the probe stops before the checkout,
since the circulation steps would only fail for the same reason; -continue
runs them anyway. A refused login (93, or HTTP 401 over fbs) stops the run.
With -repeat, times are taken only from replies the client accepted, and
failed exchanges are counted per message type.

flags:
`

// runSIP2Probe runs the technician's SIP2 session. Every exchange is printed
// masked (sip2.MaskFrame): passwords and PINs (AC, AD, CO) completely;
// patron ids and personal data (AA, CY, AE, DA, BD, BE, BF, PB) except
// their last two characters. It fails when a step fails: a transport or protocol
// error, a refused login, an invalid patron, or a refused checkout or
// checkin. A refused renewal is reported but is not a failure, because many
// ACSes refuse to renew a loan made a moment ago, unless -renew-must-succeed
// is given. Frames are decoded with the connection's character set before
// they are masked and printed, so CP850 and Latin-1 replies print as UTF-8.
func runSIP2Probe(args []string, out io.Writer) error {
	fs := newFlagSet("sip2 probe", out)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), probeUsage)
		fs.PrintDefaults()
	}
	var cfg probeConfig
	var charset string
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:6001", "ACS address host:port (tcp, tls) or base URL https://host[:port] (fbs)")
	fs.StringVar(&cfg.transport, "transport", "tcp", "transport: tcp, tls or fbs (SIP2 over HTTPS)")
	fs.StringVar(&cfg.user, "user", "kiosk", "SC login user (93 CN, or the FBS envelope login)")
	fs.StringVar(&cfg.password, "password", "kiosk", "SC login password (93 CO, or the FBS envelope password)")
	fs.StringVar(&cfg.location, "location", "", "location code (93 CP, checkin AP)")
	fs.StringVar(&cfg.institution, "institution", "DK-799000", "institution id AO (FBS: ISIL, also gives the agency of the URL)")
	// 0101700001 and 1234 are the simulator's SYNTHETIC demo patron and
	// PIN (test data, not a real CPR number).
	fs.StringVar(&cfg.patron, "patron", "0101700001", "patron id (default: the simulator's synthetic demo patron)")
	fs.StringVar(&cfg.pin, "pin", "1234", "patron PIN")
	fs.StringVar(&cfg.item, "item", "3800000804", "item id to check out, renew, look up and check in")
	fs.StringVar(&charset, "charset", "utf-8", "character set: utf-8, cp850, iso-8859-1")
	fs.BoolVar(&cfg.errorDetection, "error-detection", false, "use AY sequence numbers and AZ checksums (tcp, tls)")
	fs.IntVar(&cfg.repeat, "repeat", 1, "run the session N times and print median times")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "timeout per request")
	fs.StringVar(&cfg.caFile, "ca", "", "PEM file with the CA(s) to trust for tls/fbs (default: system pool)")
	fs.StringVar(&cfg.certFile, "cert", "", "client certificate PEM for tls/fbs (optional)")
	fs.StringVar(&cfg.keyFile, "key", "", "client key PEM for -cert")
	fs.StringVar(&cfg.serverName, "server-name", "", "host name to verify in the certificate (default: from -addr)")
	fs.BoolVar(&cfg.insecureSkipVerify, "insecure-skip-verify", false, "DANGEROUS: do not verify the ACS certificate (lab use only)")
	fs.BoolVar(&cfg.resendUnsafe, "resend-unsafe", false, "resend 11, 29 and 09 after a read timeout, as sip2.resend_unsafe_on_timeout does\n"+
		"(only for an ACS that drops repeats by AY/AZ, such as FOLIO edge-sip2; Koha would run them twice)")
	fs.BoolVar(&cfg.renewMustSucceed, "renew-must-succeed", false, "count a refused renewal, or one with an unknown outcome, as a failed step")
	fs.BoolVar(&cfg.continueAfterPatron, "continue", false, "run the circulation steps even when the patron check failed")
	fs.StringVar(&cfg.plaintextOK, "plaintext-ok", "", "comma-separated CIDRs of a trusted LAN to which -transport tcp may go\n"+
		"(besides loopback), as sip2.plaintext_ok in the kiosk's configuration")
	fs.BoolVar(&cfg.showPersonal, "show-personal", false, "print titles and the patron's loan, hold and fee lists unmasked\n"+
		"(they tell what a patron reads; patron ids, PINs and passwords stay masked)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cs, err := sip2.ParseCharset(charset)
	if err != nil {
		return err
	}
	cfg.charset = cs
	if cfg.repeat < 1 {
		return fmt.Errorf("-repeat must be at least 1")
	}
	dialer, err := cfg.dialer(out)
	if err != nil {
		return err
	}
	// FBS always speaks UTF-8 whatever -charset says; the stream
	// transports speak the configured set.
	frameCharset := sip2.UTF8
	if dialer.Stream() {
		frameCharset = cfg.charset
	}
	rec := &probeRecorder{out: out, verbose: true, charset: frameCharset, times: map[sip2.Code][]time.Duration{},
		failed: map[sip2.Code]int{}, showPersonal: cfg.showPersonal}
	opts := sip2.DefaultOptions()
	opts.Dialer = &probeDialer{Dialer: dialer, rec: rec}
	opts.Institution = sip2.NormalizeISIL(cfg.institution)
	opts.LoginUser, opts.LoginPassword = cfg.user, cfg.password
	opts.Location = cfg.location
	opts.Charset = cfg.charset
	opts.ErrorDetection = cfg.errorDetection
	opts.RequestTimeout = cfg.timeout
	opts.KeepAlive = 0
	opts.ResendUnsafeOnTimeout = cfg.resendUnsafe
	fmt.Fprintf(out, "sip2 probe: %s %s, institution %s, charset %s, error detection %v, resend unsafe %v\n",
		cfg.transport, cfg.addr, opts.Institution, frameCharset, cfg.errorDetection && dialer.Stream(), cfg.resendUnsafe)
	if cfg.showPersonal {
		fmt.Fprintln(out, "(masked: AC, AD, CO fully; AA, CY, AE, DA, BD, BE, BF, PB all but the last 2 characters)")
	} else {
		fmt.Fprintln(out, "(masked: AC, AD, CO fully; AA, CY, AE, DA, BD, BE, BF, PB and titles and item lists "+
			strings.Join(readingFields, ", ")+" all but the last 2 characters; -show-personal shows titles and lists)")
	}

	var sessions []time.Duration
	failures := 0
	for i := 0; i < cfg.repeat; i++ {
		rec.setVerbose(i == 0)
		if cfg.repeat > 1 && i == 1 {
			fmt.Fprintf(out, "… running %d more sessions quietly\n", cfg.repeat-1)
		}
		start := time.Now()
		n, fatal := runProbeSession(cfg, opts, dialer.Stream(), rec, out, i == 0)
		sessions = append(sessions, time.Since(start))
		failures += n
		if fatal {
			// Every further session would be refused the same way.
			break
		}
	}
	if cfg.repeat > 1 {
		fmt.Fprintf(out, "\nmedian per session: %s over %d sessions\n", median(sessions).Round(time.Microsecond), cfg.repeat)
		rec.printMedians(out)
	}
	if failures > 0 {
		return fmt.Errorf("%d step(s) failed", failures)
	}
	fmt.Fprintln(out, "all steps passed")
	return nil
}

func (cfg probeConfig) tlsOptions(out io.Writer) (sip2.TLSOptions, error) {
	var o sip2.TLSOptions
	o.ServerName = cfg.serverName
	if cfg.caFile != "" {
		pool, err := certpool.Load(cfg.caFile)
		if err != nil {
			return o, err
		}
		o.RootCAs = pool
	}
	if cfg.certFile != "" || cfg.keyFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
		if err != nil {
			return o, fmt.Errorf("client certificate: %w", err)
		}
		o.Certificates = []tls.Certificate{cert}
	}
	if cfg.insecureSkipVerify {
		// Only ever on explicit request, and loudly.
		fmt.Fprintln(out, "WARNING: -insecure-skip-verify given: the ACS certificate is NOT verified")
		o.InsecureSkipVerify = true
	}
	return o, nil
}

func (cfg probeConfig) dialer(out io.Writer) (sip2.Dialer, error) {
	switch cfg.transport {
	case "tcp":
		if cfg.insecureSkipVerify || cfg.caFile != "" {
			return nil, fmt.Errorf("-ca and -insecure-skip-verify apply to tls and fbs only")
		}
		// The probe sends a patron id, often a CPR number, and a PIN: the
		// same rule as sip2.transport in the kiosk's configuration.
		var trusted []string
		if cfg.plaintextOK != "" {
			trusted = strings.Split(cfg.plaintextOK, ",")
		}
		if err := config.PlaintextAllowed(cfg.addr, trusted); err != nil {
			return nil, fmt.Errorf("sip2 probe: -transport tcp: %w; use -transport tls or fbs, or -plaintext-ok CIDR for a trusted LAN", err)
		}
		return sip2.TCPDialer{Addr: cfg.addr}, nil
	case "tls":
		o, err := cfg.tlsOptions(out)
		if err != nil {
			return nil, err
		}
		return sip2.TLSDialer{Addr: cfg.addr, TLS: o}, nil
	case "fbs":
		o, err := cfg.tlsOptions(out)
		if err != nil {
			return nil, err
		}
		base := cfg.addr
		if !strings.Contains(base, "://") {
			base = "https://" + base
		}
		d := sip2.FBSDialer{BaseURL: base, Agency: sip2.NormalizeISIL(cfg.institution), Login: cfg.user, Password: cfg.password, TLS: o}
		if _, err := d.URL(); err != nil {
			return nil, err
		}
		return d, nil
	}
	return nil, fmt.Errorf("-transport must be tcp, tls or fbs, not %q", cfg.transport)
}

// loginRefused says why err means the ACS refused the SC's credentials, or
// "" if it does not: a 94 with ok 0 on the stream transports, HTTP 401 from
// FBS, whose login travels in every request's envelope.
func loginRefused(err error) string {
	if errors.Is(err, sip2.ErrLoginFailed) {
		return "login refused, check -user/-password"
	}
	var fe *sip2.FBSError
	if errors.As(err, &fe) && fe.HTTPStatus == http.StatusUnauthorized {
		return "login refused by FBS (HTTP 401), check -user/-password"
	}
	return ""
}

// patronProblem puts a patron check that is not valid into words. BL says
// whether the library knows the patron, CQ whether the PIN was right.
func patronProblem(patron, bl, cq string) error {
	switch {
	case bl == "Y" && cq == "N":
		return fmt.Errorf("wrong PIN for patron %s (CQ=%q)", patron, cq)
	case bl != "Y":
		return fmt.Errorf("patron %s not valid: unknown to the library or not allowed to borrow (BL=%q CQ=%q)", patron, bl, cq)
	}
	return fmt.Errorf("patron %s not valid: PIN not confirmed (BL=%q CQ=%q)", patron, bl, cq)
}

// runProbeSession runs one session and returns the number of failed steps
// and whether the run should stop because the login was refused.
func runProbeSession(cfg probeConfig, opts sip2.Options, stream bool, rec *probeRecorder, out io.Writer, verbose bool) (int, bool) {
	c := sip2.NewClient(opts)
	defer c.Close()
	failures := 0
	refused := false
	step := func(name string, f func(ctx context.Context) (string, error)) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 4*cfg.timeout)
		defer cancel()
		if verbose {
			fmt.Fprintf(out, "\n%s\n", name)
		}
		summary, err := f(ctx)
		if err != nil {
			failures++
			if why := loginRefused(err); why != "" {
				refused = true
				fmt.Fprintf(out, "  FAIL %s: %s (%v)\n", name, why, err)
				return false
			}
			fmt.Fprintf(out, "  FAIL %s: %v\n", name, err)
			return false
		}
		if verbose || strings.HasPrefix(summary, "RECOVERED") {
			fmt.Fprintf(out, "  ok %s: %s\n", name, summary)
		}
		return true
	}
	mask := sip2.MaskValue
	if stream {
		if !step("login (93)", func(ctx context.Context) (string, error) {
			return "logged in as " + cfg.user, rec.track(sip2.MsgLogin, c.Login(ctx))
		}) {
			return failures, refused
		}
	}
	step("SC status (99)", func(ctx context.Context) (string, error) {
		st, err := c.SCStatus(ctx)
		if rec.track(sip2.MsgSCStatus, err) != nil {
			return "", err
		}
		to := "unknown"
		if st.TimeoutKnown {
			to = st.Timeout.String()
		}
		return fmt.Sprintf("online=%v checkout=%v checkin=%v offline-ok=%v timeout=%s retries=%d library=%q",
			st.Online, st.CheckoutOK, st.CheckinOK, st.OfflineOK, to, st.RetriesAllowed, st.LibraryName), nil
	})
	if refused {
		// Over FBS the 99 is the first request; every later one would
		// be refused with the same 401.
		return failures, true
	}
	patronOK := step("patron status (23)", func(ctx context.Context) (string, error) {
		ps, err := c.PatronStatus(ctx, []byte(cfg.patron), []byte(cfg.pin))
		if rec.track(sip2.MsgPatronStatus, err) != nil {
			return "", err
		}
		if !ps.Valid() {
			return "", patronProblem(mask(cfg.patron), ps.BL, ps.CQ)
		}
		return fmt.Sprintf("valid, flags %q, fees %s %s", ps.Flags.String(), ps.FeeAmount, ps.Currency), nil
	})
	patronOK = step("patron information (63)", func(ctx context.Context) (string, error) {
		pi, err := c.PatronInformation(ctx, []byte(cfg.patron), []byte(cfg.pin), sip2.PatronInfoRequest{Summary: sip2.SummaryCharged, Start: 1, End: 10})
		if rec.track(sip2.MsgPatronInfo, err) != nil {
			return "", err
		}
		if !pi.Valid() {
			return "", patronProblem(mask(cfg.patron), pi.BL, pi.CQ)
		}
		return fmt.Sprintf("valid, %d charged, %d overdue, %d holds, %d fines; %d loans listed", pi.ChargedCount, pi.OverdueCount,
			pi.HoldCount, pi.FineCount, len(pi.Loans)), nil
	}) && patronOK
	if refused {
		return failures, true
	}
	if !patronOK && !cfg.continueAfterPatron {
		// Checkout, renewal and the rest would fail for the same reason
		// and bury the cause under more failures.
		fmt.Fprintln(out, "\nstopped: the patron check failed (-continue runs the remaining steps anyway)")
		return failures, false
	}
	checkedOut := step("checkout (11)", func(ctx context.Context) (string, error) {
		r, err := c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(cfg.patron), PIN: []byte(cfg.pin), ItemID: cfg.item})
		rec.track(sip2.MsgCheckout, err)
		if sip2.IsOutcomeUnknown(err) {
			return settleStep(ctx, c, rec, sip2.MsgCheckout, cfg, err)
		}
		if err != nil {
			return "", err
		}
		if !r.OK {
			return "", fmt.Errorf("checkout refused: %s %v", strings.Join(r.ScreenMessages, " / "), r.Codes)
		}
		return fmt.Sprintf("due %s, title %q, desensitize %s, renewal=%v", r.DueRaw, cfg.title(r.TitleID), r.Desensitize, r.RenewalOK), nil
	})
	if checkedOut {
		step("renew (29)", func(ctx context.Context) (string, error) {
			r, err := c.Renew(ctx, sip2.RenewRequest{PatronID: []byte(cfg.patron), PIN: []byte(cfg.pin), ItemID: cfg.item})
			rec.track(sip2.MsgRenew, err)
			if sip2.IsOutcomeUnknown(err) {
				if cfg.renewMustSucceed {
					return "", fmt.Errorf("outcome unknown (a renewal cannot be settled without the old due date): %w", err)
				}
				return fmt.Sprintf("outcome unknown (not counted as a failure; a renewal cannot be settled without the old due date): %v", err), nil
			}
			if err != nil {
				return "", err
			}
			if !r.OK {
				if cfg.renewMustSucceed {
					return "", fmt.Errorf("renewal refused: %s %v", strings.Join(r.ScreenMessages, " / "), r.Codes)
				}
				return fmt.Sprintf("refused (not counted as a failure): %s %v", strings.Join(r.ScreenMessages, " / "), r.Codes), nil
			}
			return "renewed, due " + r.DueRaw, nil
		})
	}
	step("item information (17)", func(ctx context.Context) (string, error) {
		info, err := c.ItemInformation(ctx, cfg.item)
		if rec.track(sip2.MsgItemInfo, err) != nil {
			return "", err
		}
		return fmt.Sprintf("circulation status %s, due %q, title %q", info.CirculationStatus, info.DueRaw, cfg.title(info.TitleID)), nil
	})
	step("checkin (09)", func(ctx context.Context) (string, error) {
		r, err := c.Checkin(ctx, sip2.CheckinRequest{ItemID: cfg.item})
		rec.track(sip2.MsgCheckin, err)
		if sip2.IsOutcomeUnknown(err) {
			return settleStep(ctx, c, rec, sip2.MsgCheckin, cfg, err)
		}
		if err != nil {
			return "", err
		}
		if !r.OK {
			return "", fmt.Errorf("checkin refused: %s", strings.Join(r.ScreenMessages, " / "))
		}
		return fmt.Sprintf("alert=%v hold=%v transit=%v sort bin %q", r.Alert, r.Hold, r.Transit, r.SortBin), nil
	})
	step("end patron session (35)", func(ctx context.Context) (string, error) {
		r, err := c.EndPatronSession(ctx, []byte(cfg.patron), []byte(cfg.pin))
		if rec.track(sip2.MsgEndSession, err) != nil {
			return "", err
		}
		return fmt.Sprintf("ended=%v", r.Ended), nil
	})
	return failures, refused
}

// settleStep settles an unknown outcome with Item Information the way the
// kiosk does: confirmed done counts as a pass (the link is flaky, the
// transaction is sound), anything else as a failure.
func settleStep(ctx context.Context, c *sip2.Client, rec *probeRecorder, op sip2.Code, cfg probeConfig, cause error) (string, error) {
	s, err := c.Settle(ctx, op, cfg.item, []byte(cfg.patron))
	if rec.track(sip2.MsgItemInfo, err) != nil {
		return "", fmt.Errorf("%w; settling with 17 failed: %w", cause, err)
	}
	if s.Outcome != sip2.ConfirmedDone {
		return "", fmt.Errorf("%w; settled with 17: %v (circulation status %s)", cause, s.Outcome, s.Item.CirculationStatus)
	}
	return fmt.Sprintf("RECOVERED: %v; settled with 17: %v", cause, s.Outcome), nil
}

// probeRecorder prints every frame (masked) and times the exchanges per
// message code. It sees frames at the connection, where a stale reply the
// client throws away looks like any other, so a time is kept only when the
// client call that owns the exchange succeeded (track): the client returns
// as soon as it accepts a reply, so the last frame received is that reply.
type probeRecorder struct {
	out io.Writer
	// charset decodes the frames before they are masked and printed: the
	// masks count characters, and raw CP850 bytes would be invalid UTF-8
	// on the technician's terminal.
	charset      sip2.Charset
	showPersonal bool
	mu           sync.Mutex
	verbose      bool
	sentAt       time.Time
	// last is the round trip of the last frame received, and haveLast
	// says there is one not yet claimed by track.
	last     time.Duration
	haveLast bool
	times    map[sip2.Code][]time.Duration
	failed   map[sip2.Code]int
}

// track ends one client call for request code: on success it keeps the
// round trip of the reply the client accepted, on failure it counts one
// failed exchange. It returns err for chaining.
func (r *probeRecorder) track(code sip2.Code, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.failed[code]++
	case r.haveLast:
		r.times[code] = append(r.times[code], r.last)
	}
	r.haveLast = false
	return err
}

// readingFields are the fields that tell what a patron reads: the title
// (AJ), the item properties (CH, which FBS fills with title and author),
// the shelf (AQ, which names the author) and the item lists of a 64 (holds, overdue, charged, fines, recalls,
// unavailable holds). A loan's title next to a patron is personal data, so
// the probe masks them like the patron id unless -show-personal is given.
var readingFields = []string{"AJ", "CH", "AQ", "AS", "AT", "AU", "AV", "BU", "CD"}

// mask decodes and masks a frame for printing: sip2.MaskFrame, and the
// reading fields unless showPersonal.
func (r *probeRecorder) mask(frame []byte) string {
	s := sip2.MaskFrame(r.charset.Decode(frame))
	if r.showPersonal {
		return s
	}
	parts := strings.Split(s, "|")
	masked := false
	for i, p := range parts {
		// The first chunk is the code and fixed part; no reading field
		// comes first in any message.
		if i > 0 && len(p) > 2 && slices.Contains(readingFields, p[:2]) {
			parts[i] = p[:2] + sip2.MaskValue(p[2:])
			masked = true
		}
	}
	out := strings.Join(parts, "|")
	if masked && len(out) >= 6 && out[len(out)-6:len(out)-4] == "AZ" {
		// As in sip2.MaskFrame: the checksum would help confirm a guess.
		out = out[:len(out)-4] + "****"
	}
	return out
}

// title is a title as the probe prints it: masked unless -show-personal.
func (cfg probeConfig) title(t string) string {
	if cfg.showPersonal {
		return t
	}
	return sip2.MaskValue(t)
}

func (r *probeRecorder) setVerbose(v bool) {
	r.mu.Lock()
	r.verbose = v
	r.mu.Unlock()
}

func (r *probeRecorder) sent(frame []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sentAt = time.Now()
	if r.verbose {
		fmt.Fprintf(r.out, "  -> %s\n", r.mask(frame))
	}
}

func (r *probeRecorder) received(frame []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := time.Since(r.sentAt)
	if err != nil {
		if r.verbose {
			fmt.Fprintf(r.out, "  <- error after %s: %v\n", d.Round(time.Microsecond), err)
		}
		return
	}
	r.last, r.haveLast = d, true
	if r.verbose {
		fmt.Fprintf(r.out, "  <- %s  (%s)\n", r.mask(frame), d.Round(time.Microsecond))
	}
}

func (r *probeRecorder) printMedians(out io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[sip2.Code]bool{}
	for c := range r.times {
		seen[c] = true
	}
	for c := range r.failed {
		seen[c] = true
	}
	codes := make([]string, 0, len(seen))
	for c := range seen {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	fmt.Fprintln(out, "median per message type (accepted replies only):")
	for _, c := range codes {
		ds := r.times[sip2.Code(c)]
		name := c
		if s, ok := sip2.Spec(sip2.Code(c)); ok {
			name = c + " " + s.Name
		}
		med := "-"
		if len(ds) > 0 {
			med = median(ds).Round(time.Microsecond).String()
		}
		line := fmt.Sprintf("  %-28s %10s  (n=%d", name, med, len(ds))
		if n := r.failed[sip2.Code(c)]; n > 0 {
			line += fmt.Sprintf(", %d failed", n)
		}
		fmt.Fprintln(out, line+")")
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// probeDialer wraps the real dialer so that every frame passes the recorder.
type probeDialer struct {
	sip2.Dialer
	rec *probeRecorder
}

func (d *probeDialer) Dial(ctx context.Context) (sip2.Conn, error) {
	c, err := d.Dialer.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return &probeConn{Conn: c, rec: d.rec}, nil
}

type probeConn struct {
	sip2.Conn
	rec *probeRecorder
}

func (c *probeConn) Send(ctx context.Context, frame []byte) error {
	c.rec.sent(frame)
	return c.Conn.Send(ctx, frame)
}

func (c *probeConn) Receive(ctx context.Context) ([]byte, error) {
	b, err := c.Conn.Receive(ctx)
	c.rec.received(b, err)
	return b, err
}

package acs

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/sip2"
)

// testServer runs the demo library on TCP, TLS and plain-or-TLS HTTPS
// listeners on loopback.
type testServer struct {
	*Server
	tcp, tls, https string
	pool            *x509.CertPool
}

func startServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	srv := NewServer(demoLib(t), opts)
	t.Cleanup(func() { srv.Close() })
	cfg, certPEM, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	ts := &testServer{Server: srv, pool: pool}
	a, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.tcp = a.String()
	if a, err = srv.ListenTLS("127.0.0.1:0", cfg); err != nil {
		t.Fatal(err)
	}
	ts.tls = a.String()
	if a, err = srv.ListenHTTPS("127.0.0.1:0", cfg); err != nil {
		t.Fatal(err)
	}
	ts.https = a.String()
	return ts
}

func (ts *testServer) dialer(transport string) sip2.Dialer {
	switch transport {
	case "tls":
		return sip2.TLSDialer{Addr: ts.tls, TLS: sip2.TLSOptions{RootCAs: ts.pool}}
	case "fbs":
		return sip2.FBSDialer{BaseURL: "https://" + ts.https, Agency: "DK-799000", Login: "kiosk", Password: "kiosk",
			TLS: sip2.TLSOptions{RootCAs: ts.pool}}
	}
	return sip2.TCPDialer{Addr: ts.tcp}
}

// client returns a kiosk-like client; mutate tweaks its options.
func (ts *testServer) client(t *testing.T, transport string, mutate ...func(*sip2.Options)) *sip2.Client {
	t.Helper()
	o := sip2.DefaultOptions()
	o.Dialer = ts.dialer(transport)
	o.Institution = "DK-799000"
	o.LoginUser, o.LoginPassword = "kiosk", "kiosk"
	o.Location = "DK-799000"
	o.ErrorDetection = true
	o.KeepAlive = 0
	o.RequestTimeout = 5 * time.Second
	for _, m := range mutate {
		m(&o)
	}
	c := sip2.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

var transports = []string{"tcp", "tls", "fbs"}

// TestFullSession runs the kiosk's whole conversation over each transport.
func TestFullSession(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, DefaultOptions())
			c := ts.client(t, tr)
			ctx := context.Background()
			lib := ts.Library()
			book := itemByTitle(t, lib, "Eventyr og historier")

			if err := c.Login(ctx); err != nil {
				t.Fatal("login:", err)
			}
			st, err := c.SCStatus(ctx)
			if err != nil {
				t.Fatal("99:", err)
			}
			if !st.Online || !st.CheckoutOK || !st.OfflineOK || st.Timeout != 60*time.Second || st.RetriesAllowed != 3 ||
				st.InstitutionID != "DK-799000" || st.LibraryName != "Demobiblioteket" || !st.Supports(sip2.MsgRenewAll) || st.Supports(sip2.MsgFeePaid) {
				t.Errorf("98 = %+v", st)
			}
			ps, err := c.PatronStatus(ctx, []byte(ole), []byte(pin))
			if err != nil || !ps.Valid() || string(ps.Name) != "Ole Nybruger" || ps.Flags.Any() {
				t.Fatalf("23: %+v %v", ps, err)
			}
			pi, err := c.PatronInformation(ctx, []byte(erik), []byte(pin), sip2.PatronInfoRequest{Summary: sip2.SummaryAll})
			if err != nil || !pi.Valid() || pi.ChargedCount != 8 || len(pi.Loans) != 8 || len(pi.Overdue) != 1 || pi.OverdueCount != 1 {
				t.Fatalf("63: %+v %v", pi, err)
			}
			if l := pi.Overdue[0]; l.Title != "Pelle Erobreren" || !l.Due.Equal(days(-5)) || l.GMB != "a" {
				t.Errorf("overdue loan = %+v", l)
			}
			co, err := c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(ole), PIN: []byte(pin), ItemID: book})
			if err != nil || !co.OK || co.RenewalOK || !co.DueDate.Equal(days(28)) || co.Properties.Title != "Eventyr og historier" || co.Desensitize != "Y" {
				t.Fatalf("11: %+v %v", co, err)
			}
			rn, err := c.Renew(ctx, sip2.RenewRequest{PatronID: []byte(ole), PIN: []byte(pin), ItemID: book})
			if err != nil || !rn.OK {
				t.Fatalf("29: %+v %v", rn, err)
			}
			if ln, _ := lib.LoanOf(book); ln.Renewals != 1 || ln.Patron != ole {
				t.Errorf("loan after renewal = %+v", ln)
			}
			ii, err := c.ItemInformation(ctx, book)
			if err != nil || !ii.Charged() || !ii.DueDate.Equal(days(28)) || ii.Owner != "DK-799000" {
				t.Fatalf("17: %+v %v", ii, err)
			}
			ci, err := c.Checkin(ctx, sip2.CheckinRequest{ItemID: book})
			if err != nil || !ci.OK || ci.Alert || string(ci.PatronID) != ole || ci.SortBin != "A" {
				t.Fatalf("09: %+v %v", ci, err)
			}
			if _, lent := lib.LoanOf(book); lent {
				t.Error("item still lent after checkin")
			}
			ra, err := c.RenewAll(ctx, []byte(erik), []byte(pin))
			if err != nil || !ra.OK || ra.RenewedCount != 6 || ra.UnrenewedCount != 2 || len(ra.Unrenewed) != 2 {
				t.Fatalf("65: %+v %v", ra, err)
			}
			reasons := map[string]bool{}
			for _, u := range ra.Unrenewed {
				reasons[u.Reason] = true
			}
			if !reasons[CodeReserved] || !reasons[CodeMaxRenewals] {
				t.Errorf("unrenewed reasons %v", reasons)
			}
			es, err := c.EndPatronSession(ctx, []byte(erik), []byte(pin))
			if err != nil || !es.Ended {
				t.Fatalf("35: %+v %v", es, err)
			}
		})
	}
}

// TestRefusalsAndAlerts checks what the kiosk shows the patron, via the
// client's parsed view.
func TestRefusalsAndAlerts(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	c := ts.client(t, "tcp")
	ctx := context.Background()
	lib := ts.Library()

	ps, err := c.PatronStatus(ctx, []byte(ole), []byte("0000"))
	if err != nil || ps.Valid() || ps.CQ != "N" || ps.BL != "Y" {
		t.Errorf("wrong PIN: %+v %v", ps, err)
	}
	ps, err = c.PatronStatus(ctx, []byte("0101709999"), []byte(pin))
	if err != nil || ps.Valid() || ps.BL != "N" {
		t.Errorf("unknown patron: %+v %v", ps, err)
	}
	ps, _ = c.PatronStatus(ctx, []byte(bent), []byte(pin))
	if !ps.Flags.ExcessiveOutstandingFees || ps.FeeAmount != "325.00" || !hasCode(ps.Codes, CodeExcessiveFees) {
		t.Errorf("bent: %+v", ps)
	}
	co, _ := c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(frida), PIN: []byte(pin), ItemID: itemByTitle(t, lib, "Pusher")})
	if co.OK || co.Desensitize != "N" || !hasCode(co.Codes, CodeAgeLimit) {
		t.Errorf("age limit: %+v", co)
	}
	co, _ = c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(anna), PIN: []byte(pin), ItemID: itemByTitle(t, lib, "Niels Lyhne")})
	if !co.OK || !co.RenewalOK {
		t.Errorf("re-checkout: %+v", co)
	}
	rn, _ := c.Renew(ctx, sip2.RenewRequest{PatronID: []byte(erik), PIN: []byte(pin), ItemID: itemByTitle(t, lib, "Kvinden i buret")})
	if rn.OK || !hasCode(rn.Codes, CodeReserved) {
		t.Errorf("reserved renewal: %+v", rn)
	}
	ci, _ := c.Checkin(ctx, sip2.CheckinRequest{ItemID: itemByTitle(t, lib, "Babettes gæstebud")})
	if !ci.OK || !ci.Alert || !ci.Hold || ci.Transit || ci.AlertType != "01" {
		t.Errorf("hold here: %+v", ci)
	}
	ci, _ = c.Checkin(ctx, sip2.CheckinRequest{ItemID: itemByTitle(t, lib, "Det forsømte forår")})
	if !ci.Alert || !ci.Hold || !ci.Transit || ci.Destination != "DK-799001" {
		t.Errorf("hold elsewhere: %+v", ci)
	}
	ci, _ = c.Checkin(ctx, sip2.CheckinRequest{ItemID: itemByTitle(t, lib, "Hundehoved")})
	if !ci.Alert || ci.Hold || !ci.Transit || ci.AlertType != "04" || ci.Destination != "DK-775100" {
		t.Errorf("other library: %+v", ci)
	}
	pi, _ := c.PatronInformation(ctx, []byte(dorte), []byte(pin), sip2.PatronInfoRequest{Summary: sip2.SummaryHold})
	if len(pi.Holds) != 3 || pi.HoldCount != 3 || pi.UnavailableHoldCount != 1 || pi.Holds[0].PickupID != "DK-799000" ||
		pi.Holds[0].PickupLocation != "DK-799000 - Hovedbiblioteket" || !pi.Holds[0].PickupDate.Equal(days(7)) {
		t.Errorf("dorte holds: %+v", pi)
	}
	pi, _ = c.PatronInformation(ctx, []byte(erik), []byte(pin), sip2.PatronInfoRequest{Summary: sip2.SummaryCharged, Start: 2, End: 3})
	if len(pi.Loans) != 2 || pi.ChargedCount != 8 {
		t.Errorf("BP/BQ range: %d loans, count %d", len(pi.Loans), pi.ChargedCount)
	}
	pi, _ = c.PatronInformation(ctx, []byte(bent), []byte(pin), sip2.PatronInfoRequest{Summary: sip2.SummaryFine})
	if len(pi.Fines) != 2 || pi.Fines[0].Amount != "250.00" || pi.FeeLimit != "200.00" {
		t.Errorf("fines: %+v", pi.Fines)
	}
}

func hasCode(codes []string, want string) bool {
	for _, c := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// rawConn is a bare TCP connection for frame-level tests.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	fr *sip2.FrameReader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, fr: sip2.NewFrameReader(nc, 0)}
}

// roundTrip sends one frame and returns the answer frame.
func (r *rawConn) roundTrip(frame string) string {
	r.t.Helper()
	if err := sip2.WriteFrame(r.nc, []byte(frame)); err != nil {
		r.t.Fatal(err)
	}
	_ = r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := r.fr.ReadFrame()
	if err != nil {
		r.t.Fatalf("reading answer to %.2s: %v", frame, err)
	}
	return string(f)
}

// withChecksum appends AY<seq>AZ<checksum>.
func withChecksum(body string, seq int) string {
	b := body + "AY" + string(rune('0'+seq)) + "AZ"
	return b + sip2.Checksum([]byte(b))
}

func TestResponsesAreStrictSIP2(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	r := dialRaw(t, ts.tcp)
	lib := ts.Library()
	d := sip2.FormatDate(testNow)
	book := itemByTitle(t, lib, "Intet")
	reqs := []string{
		"9300CNkiosk|COkiosk|CPDK-799000|",
		"9900802.00",
		"23009" + d + "AODK-799000|AA" + ole + "|AC|AD1234|",
		"63009" + d + "YYYYYY    AODK-799000|AA" + erik + "|AC|AD1234|",
		"63009" + d + "Y         AODK-799000|AA" + dorte + "|AC|AD1234|",
		"63009" + d + "   Y      AODK-799000|AA" + bent + "|AC|AD1234|",
		"11YN" + d + sip2.BlankDate + "AODK-799000|AA" + ole + "|AB" + book + "|AC|AD1234|",
		"11YN" + d + sip2.BlankDate + "AODK-799000|AA" + ole + "|AB3800000000|AC|AD1234|",
		"29NN" + d + sip2.BlankDate + "AODK-799000|AA" + ole + "|AD1234|AB" + book + "|AC|",
		"17" + d + "AODK-799000|AB" + book + "|AC|",
		"17" + d + "AODK-799000|AB3800000000|AC|",
		"09N" + d + d + "APDK-799000|AODK-799000|AB" + book + "|AC|",
		"09N" + d + d + "APDK-799000|AODK-799000|AB" + itemByTitle(t, lib, "Babettes") + "|AC|",
		"65" + d + "AODK-799000|AA" + erik + "|AD1234|AC|",
		"35" + d + "AODK-799000|AA" + erik + "|AD1234|",
		"01N" + d + "AODK-799000|ALtoo many PIN attempts|AA" + ida + "|AC|",
	}
	for i, q := range reqs {
		ans := r.roundTrip(withChecksum(q, i%10))
		m, err := sip2.Decode([]byte(ans), sip2.DecodeOptions{Strict: true, VerifyChecksum: true})
		if err != nil {
			t.Errorf("answer to %.2s is not strict SIP2: %v\n%s", q, err, ans)
			continue
		}
		if !m.HasSeq || m.Seq != i%10 {
			t.Errorf("answer to %.2s does not echo AY%d: %s", q, i%10, ans)
		}
	}
}

func TestLoginRequiredAndBadChecksum(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	r := dialRaw(t, ts.tcp)
	d := sip2.FormatDate(testNow)
	ans := r.roundTrip("23009" + d + "AODK-799000|AA" + ole + "|AC|AD1234|")
	if !strings.Contains(ans, "AF[LOGIN_REQUIRED]") || !strings.Contains(ans, "BLN") {
		t.Errorf("23 before login: %s", ans)
	}
	if ans := r.roundTrip("9300CNkiosk|COnope|"); ans != "940" {
		t.Errorf("bad login: %s", ans)
	}
	bad := withChecksum("9300CNkiosk|COkiosk|", 1)
	bad = bad[:len(bad)-1] + "0"
	if bad == withChecksum("9300CNkiosk|COkiosk|", 1) {
		bad = bad[:len(bad)-1] + "1"
	}
	if ans := r.roundTrip(bad); ans != "96AZFEF6" {
		t.Errorf("bad checksum answered %q", ans)
	}
	if ans := r.roundTrip("9300CNkiosk|COkiosk|"); ans != "941" {
		t.Errorf("login: %s", ans)
	}
	if ans := r.roundTrip("23009" + d + "AODK-799000|AA" + ole + "|AC|AD1234|"); !strings.Contains(ans, "BLY|CQY|") {
		t.Errorf("23 after login: %s", ans)
	}
}

func TestDedupAndResend(t *testing.T) {
	for _, dedup := range []bool{true, false} {
		opts := DefaultOptions()
		opts.Dedup = dedup
		ts := startServer(t, opts)
		r := dialRaw(t, ts.tcp)
		r.roundTrip("9300CNkiosk|COkiosk|")
		d := sip2.FormatDate(testNow)
		book := itemByTitle(t, ts.Library(), "Intet")
		q := withChecksum("29NN"+d+sip2.BlankDate+"AODK-799000|AA"+anna+"|AB"+itemByTitle(t, ts.Library(), "Niels Lyhne")+"|", 3)
		a1 := r.roundTrip(q)
		a2 := r.roundTrip(q)
		want := 1
		if !dedup {
			want = 2
		}
		if n := ts.Executed(sip2.MsgRenew); n != want {
			t.Errorf("dedup=%v: the same 29 executed %d times, want %d", dedup, n, want)
		}
		if dedup && a1 != a2 {
			t.Errorf("cached answer differs:\n%s\n%s", a1, a2)
		}
		// 97 repeats the last answer without executing anything.
		if a3 := r.roundTrip("97AZFEF5"); a3 != a2 {
			t.Errorf("97 answered %s, want %s", a3, a2)
		}
		_ = book
	}
}

func TestFBSPrefixAndPlainLists(t *testing.T) {
	opts := DefaultOptions()
	opts.FBSPrefix = true
	opts.PlainItemLists = true
	ts := startServer(t, opts)
	r := dialRaw(t, ts.tcp)
	r.roundTrip("9300CNkiosk|COkiosk|")
	d := sip2.FormatDate(testNow)
	ans := r.roundTrip("63009" + d + "  Y       AODK-799000|AA" + anna + "|AC|AD1234|")
	if !strings.Contains(ans, "|AALN:"+anna+"|") || !strings.Contains(ans, "|AU"+itemByTitle(t, ts.Library(), "Niels Lyhne")+"|") {
		t.Errorf("64 in FBS mode with plain lists: %s", ans)
	}
}

func TestHTTPSErrors(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	ctx := context.Background()
	c := ts.client(t, "fbs", func(o *sip2.Options) {
		o.Dialer = sip2.FBSDialer{BaseURL: "https://" + ts.https, Agency: "DK-799000", Login: "kiosk", Password: "wrong",
			TLS: sip2.TLSOptions{RootCAs: ts.pool}}
	})
	_, err := c.SCStatus(ctx)
	var fe *sip2.FBSError
	if !errors.As(err, &fe) || fe.Message != "Invalid login" {
		t.Errorf("bad login: %v", err)
	}
	c2 := ts.client(t, "fbs", func(o *sip2.Options) {
		o.Dialer = sip2.FBSDialer{BaseURL: "https://" + ts.https, Agency: "DK-775100", Login: "kiosk", Password: "kiosk",
			TLS: sip2.TLSOptions{RootCAs: ts.pool}}
	})
	if _, err := c2.SCStatus(ctx); !errors.As(err, &fe) || fe.HTTPStatus != 404 {
		t.Errorf("wrong agency: %v", err)
	}
}

// TestCharsetCP850 serves a spec-default CP850 connection: names with æøå
// arrive intact and the checksum is computed over the CP850 bytes.
func TestCharsetCP850(t *testing.T) {
	opts := DefaultOptions()
	opts.Charset = sip2.CP850
	ts := startServer(t, opts)
	c := ts.client(t, "tcp", func(o *sip2.Options) { o.Charset = sip2.CP850 })
	ps, err := c.PatronStatus(context.Background(), []byte(erik), []byte(pin))
	if err != nil || string(ps.Name) != "Erik Mangelån" {
		t.Fatalf("23 over CP850: %q %v", ps.Name, err)
	}
}

// BenchmarkSessionTCP measures one checkout plus checkin over loopback TCP
// with error detection.
func BenchmarkSessionTCP(b *testing.B) {
	s, err := DemoSeed()
	if err != nil {
		b.Fatal(err)
	}
	lib, err := New(s, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(lib, DefaultOptions())
	defer srv.Close()
	addr, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	o := sip2.DefaultOptions()
	o.Dialer = sip2.TCPDialer{Addr: addr.String()}
	o.Institution, o.LoginUser, o.LoginPassword, o.ErrorDetection, o.KeepAlive = "DK-799000", "kiosk", "kiosk", true, 0
	c := sip2.NewClient(o)
	defer c.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r, err := c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(ole), PIN: []byte(pin), ItemID: "3800000846"}); err != nil || !r.OK {
			b.Fatal(r, err)
		}
		if r, err := c.Checkin(ctx, sip2.CheckinRequest{ItemID: "3800000846"}); err != nil || !r.OK {
			b.Fatal(r, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/2, "µs/exchange")
}

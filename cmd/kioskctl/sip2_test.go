package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// startSim runs the demo library on loopback over TCP, TLS and FBS HTTPS
// and returns the addresses and a CA file pinning its certificate.
func startSim(t *testing.T) (tcp, tlsAddr, https, caFile string) {
	t.Helper()
	_, tcp, tlsAddr, https, caFile = startSimWith(t, acs.DefaultOptions())
	return tcp, tlsAddr, https, caFile
}

// startSimWith is startSim with the server's options, and returns the
// server too, for tests that inject faults or count requests.
func startSimWith(t *testing.T, opts acs.Options) (srv *acs.Server, tcp, tlsAddr, https, caFile string) {
	t.Helper()
	lib, err := acs.Demo()
	if err != nil {
		t.Fatal(err)
	}
	srv = acs.NewServer(lib, opts)
	t.Cleanup(func() { srv.Close() })
	cfg, certPEM, err := acs.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp = a.String()
	if a, err = srv.ListenTLS("127.0.0.1:0", cfg); err != nil {
		t.Fatal(err)
	}
	tlsAddr = a.String()
	if a, err = srv.ListenHTTPS("127.0.0.1:0", cfg); err != nil {
		t.Fatal(err)
	}
	https = a.String()
	return srv, tcp, tlsAddr, https, caFile
}

func TestSIP2ProbeAllTransports(t *testing.T) {
	tcp, tlsAddr, https, ca := startSim(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"tcp", []string{"-addr", tcp, "-error-detection"}},
		{"tls", []string{"-addr", tlsAddr, "-transport", "tls", "-ca", ca, "-error-detection"}},
		{"fbs", []string{"-addr", https, "-transport", "fbs", "-ca", ca}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runSIP2Probe(append(tc.args, "-repeat", "2"), &out)
			s := out.String()
			if err != nil {
				t.Fatalf("probe failed: %v\n%s", err, s)
			}
			for _, want := range []string{"all steps passed", "median per session", "11 Checkout", "-> 11", "<- 12"} {
				if !strings.Contains(s, want) {
					t.Errorf("output lacks %q:\n%s", want, s)
				}
			}
			// The synthetic demo patron's id (0101700001, invented test
			// data, not a real CPR) and PIN never appear.
			if strings.Contains(s, "0101700001") || strings.Contains(s, "AD1234") || strings.Contains(s, "COkiosk") {
				t.Errorf("secrets in the output:\n%s", s)
			}
			if tc.name == "fbs" && strings.Contains(s, "-> 93") {
				t.Errorf("93 sent over FBS")
			}
		})
	}
}

func TestSIP2ProbeFails(t *testing.T) {
	tcp, tlsAddr, _, _ := startSim(t)
	var out bytes.Buffer
	if err := runSIP2Probe([]string{"-addr", tcp, "-password", "wrong"}, &out); err == nil {
		t.Errorf("bad login passed:\n%s", out.String())
	}
	out.Reset()
	if err := runSIP2Probe([]string{"-addr", tcp, "-pin", "9999"}, &out); err == nil {
		t.Errorf("wrong PIN passed:\n%s", out.String())
	}
	out.Reset()
	// Without the CA the TLS handshake must fail: no silent fallback.
	if err := runSIP2Probe([]string{"-addr", tlsAddr, "-transport", "tls", "-timeout", "2s"}, &out); err == nil {
		t.Errorf("unverified TLS passed:\n%s", out.String())
	}
	out.Reset()
	if err := runSIP2Probe([]string{"-addr", tcp, "-transport", "carrier-pigeon"}, &out); err == nil {
		t.Error("unknown transport accepted")
	}
}

// TestSIP2ProbeDecodesCharset runs the probe over a CP850 connection: the
// printed frames must be valid UTF-8 with the Danish letters of the title,
// not raw CP850 bytes.
func TestSIP2ProbeDecodesCharset(t *testing.T) {
	opts := acs.DefaultOptions()
	opts.Charset = sip2.CP850
	_, tcp, _, _, _ := startSimWith(t, opts)
	var out bytes.Buffer
	if err := runSIP2Probe([]string{"-addr", tcp, "-charset", "cp850", "-error-detection", "-show-personal"}, &out); err != nil {
		t.Fatalf("probe failed: %v\n%s", err, out.String())
	}
	s := out.String()
	if !utf8.ValidString(s) {
		t.Errorf("output is not valid UTF-8:\n%q", s)
	}
	// The default item's title, in the checkout reply's AJ (shown with -show-personal).
	if !strings.Contains(s, "AJFasandræberne") {
		t.Errorf("output lacks the decoded title:\n%s", s)
	}
	if strings.Contains(s, "0101700001") || strings.Contains(s, "AD1234") {
		t.Errorf("secrets in the output:\n%s", s)
	}
}

// TestSIP2ProbeFailsInvalidPatronInformation puts a proxy in front of the
// simulator that turns the 64's BLY into BLN: the 23 step passes, the 63
// step must fail.
func TestSIP2ProbeFailsInvalidPatronInformation(t *testing.T) {
	tcp, _, _, _ := startSim(t)
	proxy := rewriteProxy(t, tcp, func(frame []byte) []byte {
		if bytes.HasPrefix(frame, []byte("64")) {
			return bytes.Replace(frame, []byte("|BLY|"), []byte("|BLN|"), 1)
		}
		return frame
	})
	var out bytes.Buffer
	err := runSIP2Probe([]string{"-addr", proxy}, &out)
	s := out.String()
	if err == nil {
		t.Fatalf("an invalid patron in 64 passed:\n%s", s)
	}
	if !strings.Contains(s, "ok patron status (23)") || !strings.Contains(s, "FAIL patron information (63)") ||
		!strings.Contains(s, `BL="N"`) {
		t.Errorf("want 23 ok and 63 failed with BL=N:\n%s", s)
	}
}

// rewriteProxy forwards one client at a time to upstream and passes every
// frame from upstream through rewrite. It works only without error
// detection, since a rewritten frame keeps its old checksum.
func rewriteProxy(t *testing.T, upstream string, rewrite func([]byte) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", upstream)
			if err != nil {
				client.Close()
				return
			}
			go func() {
				defer server.Close()
				_, _ = io.Copy(server, client)
			}()
			go func() {
				defer client.Close()
				fr := sip2.NewFrameReader(server, 0)
				for {
					f, err := fr.ReadFrame()
					if err != nil {
						return
					}
					if err := sip2.WriteFrame(client, rewrite(f)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestSIP2ProbeRenewMustSucceed checks out a magazine, which the demo
// library never renews: the refusal passes by default and fails with
// -renew-must-succeed.
func TestSIP2ProbeRenewMustSucceed(t *testing.T) {
	tcp, _, _, _ := startSim(t)
	const magazine = "3800001175" // Ud & Se, never renewable
	var out bytes.Buffer
	if err := runSIP2Probe([]string{"-addr", tcp, "-item", magazine}, &out); err != nil {
		t.Fatalf("a refused renewal failed the probe: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "refused (not counted as a failure)") {
		t.Fatalf("the renewal was not refused, so this test proves nothing:\n%s", out.String())
	}
	out.Reset()
	err := runSIP2Probe([]string{"-addr", tcp, "-item", magazine, "-renew-must-succeed"}, &out)
	if err == nil || !strings.Contains(out.String(), "FAIL renew (29)") {
		t.Errorf("-renew-must-succeed passed a refused renewal (%v):\n%s", err, out.String())
	}
}

// TestSIP2ProbeResendUnsafe drops the reply to the checkout once. Without
// -resend-unsafe the probe settles the unknown outcome with 17; with it
// the identical bytes are resent and the simulator answers from its AY/AZ
// cache, executing the checkout once.
func TestSIP2ProbeResendUnsafe(t *testing.T) {
	srv, tcp, _, _, _ := startSimWith(t, acs.DefaultOptions())
	args := []string{"-addr", tcp, "-error-detection", "-timeout", "1s"}

	srv.InjectOnce(acs.FaultDropReply, sip2.MsgCheckout)
	var out bytes.Buffer
	if err := runSIP2Probe(args, &out); err != nil {
		t.Fatalf("probe: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "RECOVERED") || srv.Received(sip2.MsgCheckout) != 1 {
		t.Fatalf("without -resend-unsafe: 11 received %d times, want 1 and a settled outcome:\n%s",
			srv.Received(sip2.MsgCheckout), out.String())
	}

	srv.InjectOnce(acs.FaultDropReply, sip2.MsgCheckout)
	out.Reset()
	if err := runSIP2Probe(append(args, "-resend-unsafe"), &out); err != nil {
		t.Fatalf("probe -resend-unsafe: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "RECOVERED") {
		t.Errorf("-resend-unsafe still settled instead of resending:\n%s", out.String())
	}
	if r, e := srv.Received(sip2.MsgCheckout), srv.Executed(sip2.MsgCheckout); r != 3 || e != 2 {
		t.Errorf("11 received %d, executed %d over both runs; want 3 and 2", r, e)
	}
}

func TestSIP2ProbeHelpSaysRenewIsNotAFailure(t *testing.T) {
	var out bytes.Buffer
	_ = runSIP2Probe([]string{"-h"}, &out)
	for _, want := range []string{"refused renewal", "is not a failure", "-renew-must-succeed", "-resend-unsafe", "BL and CQ"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSIP2ProbeStopsAfterPatronCheck: a wrong PIN is said in words, and the
// circulation steps only run with -continue.
func TestSIP2ProbeStopsAfterPatronCheck(t *testing.T) {
	tcp, _, _, _ := startSim(t)
	var out bytes.Buffer
	err := runSIP2Probe([]string{"-addr", tcp, "-pin", "9999"}, &out)
	s := out.String()
	if err == nil || !strings.Contains(err.Error(), "2 step(s) failed") {
		t.Errorf("err = %v, want 2 failed steps (23, 63)", err)
	}
	for _, want := range []string{"FAIL patron status (23): wrong PIN", "FAIL patron information (63): wrong PIN", `CQ="N"`, "stopped: the patron check failed"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "checkout (11)") || strings.Contains(s, "-> 11") || strings.Contains(s, "-> 35") {
		t.Errorf("the probe went on after the patron check:\n%s", s)
	}
	out.Reset()
	_ = runSIP2Probe([]string{"-addr", tcp, "-pin", "9999", "-continue"}, &out)
	if s := out.String(); !strings.Contains(s, "checkout (11)") || strings.Contains(s, "stopped:") {
		t.Errorf("-continue did not run the checkout:\n%s", s)
	}
}

// TestSIP2ProbeLoginRefused: a refused 93, and a 401 from FBS on the first
// step, stop the run with one failure that names the flags to check.
func TestSIP2ProbeLoginRefused(t *testing.T) {
	_, tcp, _, https, ca := startSimWith(t, acs.DefaultOptions())
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"tcp", []string{"-addr", tcp, "-password", "wrong", "-repeat", "3"}, "FAIL login (93): login refused, check -user/-password"},
		{"fbs", []string{"-addr", https, "-transport", "fbs", "-ca", ca, "-password", "wrong", "-repeat", "3"},
			"FAIL SC status (99): login refused by FBS (HTTP 401), check -user/-password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runSIP2Probe(tc.args, &out)
			s := out.String()
			if err == nil || !strings.Contains(err.Error(), "1 step(s) failed") {
				t.Errorf("err = %v, want exactly one failed step", err)
			}
			if !strings.Contains(s, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, s)
			}
			if strings.Contains(s, "patron status (23)") || strings.Count(s, "FAIL") != 1 {
				t.Errorf("the run went on after the refused login:\n%s", s)
			}
		})
	}
}

// TestSIP2ProbeTimesOnlyAcceptedReplies answers every 17 with a wrong
// sequence number, as fsip2 does with its constant AY0: the client throws
// those replies away and the lookup fails. The medians must show no time
// for 17 and count its failures, not time the discarded frames.
func TestSIP2ProbeTimesOnlyAcceptedReplies(t *testing.T) {
	tcp, _, _, _ := startSim(t)
	proxy := rewriteProxy(t, tcp, func(frame []byte) []byte {
		n := len(frame)
		if !bytes.HasPrefix(frame, []byte("18")) || n < 9 || string(frame[n-9:n-7]) != "AY" {
			return frame
		}
		// Another sequence number, with a checksum that matches it.
		out := append([]byte(nil), frame[:n-4]...)
		out[n-7] = '0' + (out[n-7]-'0'+5)%10
		return append(out, sip2.Checksum(out)...)
	})
	var out bytes.Buffer
	err := runSIP2Probe([]string{"-addr", proxy, "-error-detection", "-timeout", "300ms", "-repeat", "2"}, &out)
	s := out.String()
	if err == nil {
		t.Fatalf("failed lookups passed:\n%s", s)
	}
	var line17, line11 string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "17 Item Information") {
			line17 = l
		}
		if strings.Contains(l, "11 Checkout") {
			line11 = l
		}
	}
	if !strings.Contains(line17, "(n=0, 2 failed)") || !strings.Contains(line17, " - ") {
		t.Errorf("17 line = %q, want no time and 2 failures:\n%s", line17, s)
	}
	if !strings.Contains(line11, "(n=2)") {
		t.Errorf("11 line = %q, want 2 timed checkouts", line11)
	}
}

// TestSIP2ProbeMasksTitles: the titles of the patron's loans (the item
// lists of the 64 and every AJ) are masked like the patron id, and shown
// only with -show-personal.
func TestSIP2ProbeMasksTitles(t *testing.T) {
	tcp, _, _, _ := startSim(t)
	lib, err := acs.Demo()
	if err != nil {
		t.Fatal(err)
	}
	it, ok := lib.Item("3800000804")
	if !ok {
		t.Fatal("no probe item in the demo library")
	}
	title := it.Title
	var masked bytes.Buffer
	if err := runSIP2Probe([]string{"-addr", tcp, "-error-detection"}, &masked); err != nil {
		t.Fatalf("probe failed: %v\n%s", err, masked.String())
	}
	if strings.Contains(masked.String(), title) || strings.Contains(masked.String(), title[:8]) {
		t.Errorf("the loan's title %q is printed without -show-personal:\n%s", title, masked.String())
	}
	if !strings.Contains(masked.String(), "|AJ*****") {
		t.Errorf("no masked title in the output:\n%s", masked.String())
	}
	var shown bytes.Buffer
	if err := runSIP2Probe([]string{"-addr", tcp, "-error-detection", "-show-personal"}, &shown); err != nil {
		t.Fatalf("probe failed: %v\n%s", err, shown.String())
	}
	if !strings.Contains(shown.String(), title) {
		t.Errorf("-show-personal does not show the title %q:\n%s", title, shown.String())
	}
	if strings.Contains(shown.String(), "0101700001") {
		t.Error("-show-personal printed the patron id")
	}
}

// TestSIP2ProbePlainTCPOnlyToLoopbackOrTrustedLAN: the probe sends a
// patron id and PIN, so plain TCP off-site is refused as in the kiosk's
// configuration, before anything is sent.
func TestSIP2ProbePlainTCPOnlyToLoopbackOrTrustedLAN(t *testing.T) {
	var out bytes.Buffer
	err := runSIP2Probe([]string{"-addr", "192.0.2.7:6001"}, &out)
	if err == nil || !strings.Contains(err.Error(), "192.0.2.7 is in neither") || !strings.Contains(err.Error(), "-plaintext-ok") {
		t.Fatalf("err = %v, want plain TCP to 192.0.2.7 refused", err)
	}
	if strings.Contains(out.String(), "-> ") {
		t.Fatalf("something was sent:\n%s", out.String())
	}
	err = runSIP2Probe([]string{"-addr", "sip2.example.dk:6001"}, &out)
	if err == nil || !strings.Contains(err.Error(), `host name "sip2.example.dk"`) {
		t.Fatalf("err = %v, want a host name refused for plain TCP", err)
	}
	// Listed as trusted, the address passes the check (and then fails to
	// connect, since nothing listens there).
	err = runSIP2Probe([]string{"-addr", "192.0.2.7:6001", "-plaintext-ok", "192.0.2.0/24", "-timeout", "1s"}, &out)
	if err != nil && strings.Contains(err.Error(), "is in neither") {
		t.Fatalf("a trusted LAN refused: %v", err)
	}
}

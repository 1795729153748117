package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/sip2/acs"
)

// startSim runs the demo library on loopback over TCP, TLS and FBS HTTPS
// and returns the addresses and a CA file pinning its certificate.
func startSim(t *testing.T) (tcp, tlsAddr, https, caFile string) {
	t.Helper()
	lib, err := acs.Demo()
	if err != nil {
		t.Fatal(err)
	}
	srv := acs.NewServer(lib, acs.DefaultOptions())
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
	return tcp, tlsAddr, https, caFile
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

package firewall

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/danbib/kiosk/config"
)

// fakeDNS resolves the names in m and fails for every other one.
func fakeDNS(m map[string][]string) Resolver {
	return func(_ context.Context, host string) ([]net.IP, error) {
		addrs, ok := m[host]
		if !ok {
			return nil, errors.New("no such host")
		}
		var ips []net.IP
		for _, a := range addrs {
			ips = append(ips, net.ParseIP(a))
		}
		return ips, nil
	}
}

func TestFromConfig(t *testing.T) {
	c := config.Default()
	c.SIP2.Transport, c.SIP2.Address = "tls", "sip2.example.dk:6001"
	p, err := FromConfig(c)
	if err != nil || len(p.Egress) != 1 || p.Egress[0] != (Endpoint{"sip2.example.dk", 6001}) {
		t.Fatalf("tls: %+v, %v", p, err)
	}
	c.SIP2.Transport, c.SIP2.URL = "fbs", "https://et.cicero-fbs.com/rest"
	if p, err = FromConfig(c); err != nil || p.Egress[0] != (Endpoint{"et.cicero-fbs.com", 443}) {
		t.Fatalf("fbs: %+v, %v", p, err)
	}
	c.SIP2.URL = "https://fbs.example.dk:8443"
	if p, err = FromConfig(c); err != nil || p.Egress[0] != (Endpoint{"fbs.example.dk", 8443}) {
		t.Fatalf("fbs with a port: %+v, %v", p, err)
	}
	c.SIP2.Transport, c.SIP2.Address = "tcp", "10.0.0.5"
	if _, err = FromConfig(c); err == nil || !strings.Contains(err.Error(), "sip2.address") {
		t.Fatalf("an address without a port: %v", err)
	}
}

func TestRulesetAllowsOnlyThePolicy(t *testing.T) {
	p := Policy{Egress: []Endpoint{{"sip2.example.dk", 6001}, {"10.0.2.2", 6001}, {"10.0.2.2", 6001}}}
	rs, errs := Ruleset(context.Background(), p, fakeDNS(map[string][]string{
		"sip2.example.dk": {"192.0.2.10", "2001:db8::10"},
	}))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	for _, want := range []string{
		"delete table inet kiosk",
		"type filter hook output priority filter; policy drop;",
		"type filter hook input priority filter; policy drop;",
		"elements = { 10.0.2.2 . 6001, 192.0.2.10 . 6001 }",
		"elements = { 2001:db8::10 . 6001 }",
		"udp dport 53 accept",
		"udp dport 123 accept",
		"udp dport 67 accept",
	} {
		if !strings.Contains(rs, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, rs)
		}
	}
	// No metrics port configured: nothing but replies, DHCP and ICMP in.
	if in := rs[strings.Index(rs, "chain input"):]; strings.Contains(in, "tcp dport") {
		t.Errorf("an inbound TCP port is open without a metrics listener:\n%s", rs)
	}
}

func TestRulesetMetricsPort(t *testing.T) {
	rs, _ := Ruleset(context.Background(), Policy{MetricsPort: 9464}, fakeDNS(nil))
	in := rs[strings.Index(rs, "chain input"):]
	if !strings.Contains(in, "tcp dport 9464 accept") {
		t.Errorf("the metrics port is not open inbound:\n%s", rs)
	}
	if strings.Contains(rs, "elements") {
		t.Errorf("egress elements without any endpoint:\n%s", rs)
	}
}

// A library system whose name does not resolve is left out and reported;
// the rest of the ruleset (the drop policies) stays.
func TestRulesetUnresolvedHost(t *testing.T) {
	rs, errs := Ruleset(context.Background(), Policy{Egress: []Endpoint{{"acs.invalid", 6001}, {"localhost", 6002}, {"192.0.2.1", 0}}}, fakeDNS(nil))
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "acs.invalid:6001 left out") || !strings.Contains(errs[1].Error(), "port out of range") {
		t.Fatalf("errors: %v", errs)
	}
	if strings.Contains(rs, "elements") || !strings.Contains(rs, "policy drop") {
		t.Errorf("ruleset:\n%s", rs)
	}
}

func TestFromConfigUpdateAndMetrics(t *testing.T) {
	c := config.Default()
	c.SIP2.Transport, c.SIP2.Address = "tls", "10.0.2.2:6001"
	for _, tc := range []struct {
		url    string
		listen string
		egress []Endpoint
		port   int
	}{
		{"", "", []Endpoint{{"10.0.2.2", 6001}}, 0},
		{"https://updates.example.dk/kiosk.raucb", "", []Endpoint{{"10.0.2.2", 6001}, {"updates.example.dk", 443}}, 0},
		{"http://10.1.1.1/kiosk.raucb", "", []Endpoint{{"10.0.2.2", 6001}, {"10.1.1.1", 80}}, 0},
		{"https://[2001:db8::5]:8443/b", "", []Endpoint{{"10.0.2.2", 6001}, {"2001:db8::5", 8443}}, 0},
		// A listener on loopback needs no inbound rule; any other does.
		{"", "127.0.0.1:9464", []Endpoint{{"10.0.2.2", 6001}}, 0},
		{"", "[::1]:9464", []Endpoint{{"10.0.2.2", 6001}}, 0},
		{"", "localhost:9464", []Endpoint{{"10.0.2.2", 6001}}, 0},
		{"", "0.0.0.0:9464", []Endpoint{{"10.0.2.2", 6001}}, 9464},
		{"", ":9100", []Endpoint{{"10.0.2.2", 6001}}, 9100},
		{"", "10.0.2.15:9464", []Endpoint{{"10.0.2.2", 6001}}, 9464},
	} {
		c.Update.URL, c.Metrics.Listen = tc.url, tc.listen
		p, err := FromConfig(c)
		if err != nil {
			t.Errorf("%q %q: %v", tc.url, tc.listen, err)
			continue
		}
		if len(p.Egress) != len(tc.egress) || p.MetricsPort != tc.port {
			t.Errorf("%q %q: %+v, want egress %v and metrics port %d", tc.url, tc.listen, p, tc.egress, tc.port)
			continue
		}
		for i := range p.Egress {
			if p.Egress[i] != tc.egress[i] {
				t.Errorf("%q %q: egress %v, want %v", tc.url, tc.listen, p.Egress, tc.egress)
			}
		}
	}
	c.Update.URL, c.Metrics.Listen = "https://updates.example.dk:0/b", ""
	if _, err := FromConfig(c); err == nil || !strings.Contains(err.Error(), "update.url") {
		t.Errorf("port 0: %v", err)
	}
	c.Update.URL, c.Metrics.Listen = "", "9464"
	if _, err := FromConfig(c); err == nil || !strings.Contains(err.Error(), "metrics.listen") {
		t.Errorf("a listen value without a host: %v", err)
	}
}

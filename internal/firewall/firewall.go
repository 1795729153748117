// Package firewall writes the kiosk image's nftables ruleset from the
// kiosk's configuration: traffic may leave only for the library system,
// the update server, DNS, NTP and DHCP, and may come in only as replies, DHCP offers and,
// when one is configured, to the metrics listener. Everything else is
// dropped, and the first drops are logged.
//
// The image loads it at boot and again every quarter of an hour
// (kiosk-firewall.service and its timer), so that a library system named
// by a host name follows that name's addresses.
package firewall

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/danbib/kiosk/config"
)

// Endpoint is a host (an IP address or a name) and a TCP port.
type Endpoint struct {
	Host string
	Port int
}

func (e Endpoint) String() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Policy is what the ruleset lets through besides DNS, NTP and DHCP.
type Policy struct {
	// Egress lists the TCP endpoints the kiosk may connect to: the
	// library system and the update server.
	Egress []Endpoint
	// MetricsPort, when not 0, is the TCP port of the kiosk's metrics
	// listener, open inbound.
	MetricsPort int
}

// FromConfig returns the policy for a kiosk configuration: its library
// system's address (sip2.address, or the host of sip2.url for FBS, port 443
// unless the URL names one), the update server (update.url's host, port 443
// for https and 80 for http unless the URL names one) and, when the metrics
// listener (metrics.listen) is not on loopback, its port inbound. Loopback
// is always open, so a listener there needs no rule.
func FromConfig(c config.Config) (Policy, error) {
	var p Policy
	switch c.SIP2.Transport {
	case "fbs":
		e, err := urlEndpoint("sip2.url", c.SIP2.URL)
		if err != nil {
			return p, err
		}
		p.Egress = append(p.Egress, e)
	default:
		host, port, err := hostPort("sip2.address", c.SIP2.Address)
		if err != nil {
			return p, err
		}
		p.Egress = append(p.Egress, Endpoint{Host: host, Port: port})
	}
	if c.Update.URL != "" {
		e, err := urlEndpoint("update.url", c.Update.URL)
		if err != nil {
			return p, err
		}
		p.Egress = append(p.Egress, e)
	}
	if c.Metrics.Listen != "" {
		host, port, err := hostPort("metrics.listen", c.Metrics.Listen)
		if err != nil {
			return p, err
		}
		if !config.LoopbackHost(host) {
			p.MetricsPort = port
		}
	}
	return p, nil
}

// urlEndpoint is the host and port of an http(s) URL, the scheme's port
// when the URL names none.
func urlEndpoint(key, raw string) (Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return Endpoint{}, fmt.Errorf("firewall: %s %q: no host in it", key, raw)
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if s := u.Port(); s != "" {
		if port, err = strconv.Atoi(s); err != nil || port < 1 || port > 65535 {
			return Endpoint{}, fmt.Errorf("firewall: %s %q: bad port %q", key, raw, s)
		}
	}
	return Endpoint{Host: u.Hostname(), Port: port}, nil
}

// hostPort splits a host:port value of the configuration.
func hostPort(key, v string) (string, int, error) {
	host, ps, err := net.SplitHostPort(v)
	if err != nil {
		return "", 0, fmt.Errorf("firewall: %s %q: %w", key, v, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("firewall: %s %q: bad port %q", key, v, ps)
	}
	return host, port, nil
}

// Resolver looks up a host name's addresses (net.DefaultResolver.LookupIP
// with network "ip" in production).
type Resolver func(ctx context.Context, host string) ([]net.IP, error)

// Ruleset returns the nftables script for p, to load with nft -f: it
// replaces the table inet kiosk in one transaction. A host name that does
// not resolve is left out, with an error for each such name; the ruleset is
// still complete otherwise, so that a kiosk whose DNS is down keeps the rest
// of its lockdown.
func Ruleset(ctx context.Context, p Policy, resolve Resolver) (string, []error) {
	var errs []error
	var v4, v6 []string
	for _, e := range p.Egress {
		if e.Port < 1 || e.Port > 65535 {
			errs = append(errs, fmt.Errorf("firewall: %s: port out of range", e))
			continue
		}
		ips := []net.IP{net.ParseIP(e.Host)}
		if ips[0] == nil {
			if e.Host == "localhost" {
				continue // loopback is always open
			}
			var err error
			if ips, err = resolve(ctx, e.Host); err != nil {
				errs = append(errs, fmt.Errorf("firewall: %s left out: %w", e, err))
				continue
			}
		}
		for _, ip := range ips {
			if ip4 := ip.To4(); ip4 != nil {
				v4 = append(v4, fmt.Sprintf("%s . %d", ip4, e.Port))
			} else {
				v6 = append(v6, fmt.Sprintf("%s . %d", ip, e.Port))
			}
		}
	}
	var b strings.Builder
	b.WriteString(`# The kiosk's firewall (internal/firewall): written by kiosk -firewall.
# Creating the table first makes the delete safe when it does not exist;
# nft -f applies the whole file as one transaction.
table inet kiosk
delete table inet kiosk
table inet kiosk {
`)
	writeSet(&b, "egress_v4", "ipv4_addr", v4)
	writeSet(&b, "egress_v6", "ipv6_addr", v6)
	b.WriteString(`	chain output {
		type filter hook output priority filter; policy drop;
		oif "lo" accept
		ct state established,related accept
		# DHCP (and DHCPv6), DNS (the servers DHCP names) and NTP (DHCP's
		# or the pool).
		udp dport 67 accept
		udp dport 547 accept
		udp dport 53 accept
		tcp dport 53 accept
		udp dport 123 accept
		# IPv6 neighbour and router discovery, and ping replies' kin.
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, mld2-listener-report } accept
		# The library system (and what else the configuration names).
		ip daddr . tcp dport @egress_v4 accept
		ip6 daddr . tcp dport @egress_v6 accept
		limit rate 6/minute log prefix "kiosk-firewall: egress dropped: "
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		ct state invalid drop
		# DHCP offers come to the broadcast address, outside conntrack.
		udp sport 67 udp dport 68 accept
		udp sport 547 udp dport 546 accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, destination-unreachable, packet-too-big, time-exceeded } accept
		icmp type { destination-unreachable, time-exceeded } accept
`)
	if p.MetricsPort != 0 {
		fmt.Fprintf(&b, "\t\t# The metrics listener.\n\t\ttcp dport %d accept\n", p.MetricsPort)
	}
	b.WriteString(`	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
`)
	return b.String(), errs
}

func writeSet(b *strings.Builder, name, typ string, elems []string) {
	fmt.Fprintf(b, "\tset %s {\n\t\ttype %s . inet_service\n", name, typ)
	if len(elems) > 0 {
		sort.Strings(elems)
		elems = dedupe(elems)
		fmt.Fprintf(b, "\t\telements = { %s }\n", strings.Join(elems, ", "))
	}
	b.WriteString("\t}\n")
}

// dedupe drops repeats from a sorted slice.
func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

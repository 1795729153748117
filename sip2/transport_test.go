package sip2

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danbib/kiosk/internal/testpki"
)

// testCert makes a CA and a server certificate for 127.0.0.1 and
// "acs.test", valid around now.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	pki := testpki.New(t)
	return pki.Server, pki.Pool
}

// tlsEcho serves one SIP2 answer ("941") per frame over TLS.
func tlsEcho(t *testing.T, cfg *tls.Config) string {
	return tlsEchoObserved(t, cfg, nil, nil)
}

// tlsEchoObserved is tlsEcho that finishes each handshake before reading
// (that is where a server checks a client certificate), passes the
// connection state to peer and counts the frames it served.
func tlsEchoObserved(t *testing.T, cfg *tls.Config, peer func(tls.ConnectionState), served *atomic.Int32) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				tc := nc.(*tls.Conn)
				if err := tc.Handshake(); err != nil {
					return
				}
				if peer != nil {
					peer(tc.ConnectionState())
				}
				fr := NewFrameReader(nc, 0)
				for {
					if _, err := fr.ReadFrame(); err != nil {
						return
					}
					if served != nil {
						served.Add(1)
					}
					if err := WriteFrame(nc, []byte("941")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestTLSTransport(t *testing.T) {
	cert, pool := testCert(t)
	addr := tlsEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := TLSDialer{Addr: addr, TLS: TLSOptions{RootCAs: pool}}.Dial(ctx)
	if err != nil {
		t.Fatalf("pinned CA: %v", err)
	}
	if err := conn.Send(ctx, []byte("9300CNa|COb|")); err != nil {
		t.Fatal(err)
	}
	if got, err := conn.Receive(ctx); err != nil || string(got) != "941" {
		t.Errorf("receive %q %v", got, err)
	}
	conn.Close()

	// The system pool does not know the test CA: refused, no fallback.
	if _, err := (TLSDialer{Addr: addr}).Dial(ctx); err == nil || !errors.Is(err, ErrNotSent) {
		t.Errorf("unknown CA accepted: %v", err)
	}
	// The certificate is not for this name.
	if _, err := (TLSDialer{Addr: addr, TLS: TLSOptions{RootCAs: pool, ServerName: "other.test"}}).Dial(ctx); err == nil {
		t.Error("wrong host name accepted")
	}
	cfg, _ := TLSDialer{Addr: addr}.Config()
	if cfg.MinVersion != tls.VersionTLS12 || cfg.InsecureSkipVerify {
		t.Errorf("config %+v", cfg)
	}
}

func TestTLSRefusesOldVersions(t *testing.T) {
	cert, pool := testCert(t)
	addr := tlsEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := (TLSDialer{Addr: addr, TLS: TLSOptions{RootCAs: pool}}).Dial(ctx); err == nil {
		t.Error("TLS 1.1 server accepted")
	}
}

func TestTLSPlainServerIsNotAFallback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			_, _ = nc.Write([]byte("941\r"))
			nc.Close()
		}
	}()
	_, pool := testCert(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := (TLSDialer{Addr: ln.Addr().String(), TLS: TLSOptions{RootCAs: pool}}).Dial(ctx); err == nil {
		t.Error("plain-text server accepted by the TLS dialer")
	}
}

func TestFrameReader(t *testing.T) {
	in := "941\r\n\r\n98YYY\n\r24x\rpartial"
	fr := NewFrameReader(strings.NewReader(in), 0)
	var got []string
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) || string(f) != "partial" {
				t.Errorf("end: %q %v", f, err)
			}
			break
		}
		got = append(got, string(f))
	}
	if strings.Join(got, ",") != "941,98YYY,24x" {
		t.Errorf("frames %q", got)
	}
}

func TestFrameReaderRejectsHugeLine(t *testing.T) {
	huge := bytes.Repeat([]byte("A"), 1<<20)
	in := append(append(huge, '\r'), []byte("941\r")...)
	fr := NewFrameReader(bytes.NewReader(in), 64<<10)
	if _, err := fr.ReadFrame(); !errors.Is(err, ErrFrameTooLong) {
		t.Fatalf("1 MiB line: %v", err)
	}
	if cap(fr.buf) > 2*(64<<10) {
		t.Errorf("buffered %d bytes for a rejected line", cap(fr.buf))
	}
	f, err := fr.ReadFrame()
	if err != nil || string(f) != "941" {
		t.Errorf("frame after the huge one: %q %v", f, err)
	}
}

// slowReader returns a timeout error in the middle of a frame, as a net.Conn
// does when a read deadline passes.
type slowReader struct {
	parts []string
	i     int
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func (s *slowReader) Read(p []byte) (int, error) {
	if s.i >= len(s.parts) {
		return 0, io.EOF
	}
	part := s.parts[s.i]
	s.i++
	if part == "" {
		return 0, timeoutErr{}
	}
	return copy(p, part), nil
}

func TestFrameReaderKeepsPartialFrameAcrossTimeout(t *testing.T) {
	fr := NewFrameReader(&slowReader{parts: []string{"12", "", "1NUY\r"}}, 0)
	if _, err := fr.ReadFrame(); err == nil {
		t.Fatal("no timeout")
	}
	f, err := fr.ReadFrame()
	if err != nil || string(f) != "121NUY" {
		t.Errorf("after timeout: %q %v", f, err)
	}
}

// TestTCPIdleDropNoUnknownOutcome: over real TCP a write into a connection
// the ACS closed while idle still succeeds, so only the liveness check
// before sending keeps the checkout from becoming an unknown outcome.
func TestTCPIdleDropNoUnknownOutcome(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	firstClosed := make(chan struct{})
	var codes []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 1; n <= 2; n++ {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			fr := NewFrameReader(nc, 0)
			for {
				raw, err := fr.ReadFrame()
				if err != nil {
					break
				}
				m, _ := Decode(raw, DecodeOptions{})
				codes = append(codes, string(m.Code))
				var resp *Message
				switch m.Code {
				case MsgLogin:
					resp = loginOK()
				case MsgSCStatus:
					resp = acsStatus()
				case MsgCheckout:
					resp = checkoutOK(m.Get("AB"))
				}
				b, _ := Encode(resp, EncodeOptions{})
				_ = WriteFrame(nc, b)
				if n == 1 && m.Code == MsgSCStatus {
					break
				}
			}
			nc.Close()
			if n == 1 {
				close(firstClosed)
			}
		}
	}()
	o := DefaultOptions()
	o.Dialer = TCPDialer{Addr: ln.Addr().String()}
	o.LoginUser, o.LoginPassword = "kiosk", "kiosk"
	o.KeepAlive = 0
	c := NewClient(o)
	c.aliveCheckAfter = 0
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.SCStatus(ctx); err != nil {
		t.Fatal(err)
	}
	<-firstClosed
	// Give the FIN a chance to arrive: poll the liveness check itself
	// rather than sleeping a fixed time.
	c.mu.Lock()
	for i := 0; i < 1000; i++ {
		if !c.conn.(aliveChecker).Alive() {
			break
		}
		time.Sleep(time.Millisecond)
	}
	c.mu.Unlock()
	r, err := c.Checkout(ctx, CheckoutRequest{PatronID: []byte("p"), ItemID: "5000000001"})
	if err != nil || !r.OK {
		t.Fatalf("checkout: %+v %v", r.OK, err)
	}
	c.Close()
	<-done
	if got := strings.Join(codes, ","); got != "93,99,93,11" {
		t.Errorf("codes %s", got)
	}
}

package sip2

import (
	"context"
	"crypto/tls"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danbib/kiosk/internal/testpki"
)

// TestTLSClientCertificate runs against an ACS that requires a client
// certificate signed by its CA: without one no frame may get through, with
// one the exchange works and the ACS sees the kiosk's name.
func TestTLSClientCertificate(t *testing.T) {
	pki := testpki.New(t)
	var served atomic.Int32
	peers := make(chan string, 4)
	addr := tlsEchoObserved(t, &tls.Config{
		Certificates: []tls.Certificate{pki.Server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.Pool,
	}, func(st tls.ConnectionState) {
		if pc := st.PeerCertificates; len(pc) > 0 {
			peers <- pc[0].Subject.CommonName
		}
	}, &served)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// roundTrip dials and exchanges one frame. Under TLS 1.3 the client's
	// handshake completes before the server has judged its certificate,
	// so a refusal may only show on the first read: both count.
	roundTrip := func(opts TLSOptions) error {
		conn, err := TLSDialer{Addr: addr, TLS: opts}.Dial(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if err := conn.Send(ctx, []byte("9300CNa|COb|")); err != nil {
			return err
		}
		got, err := conn.Receive(ctx)
		if err != nil {
			return err
		}
		if string(got) != "941" {
			return errors.New("unexpected reply " + string(got))
		}
		return nil
	}

	if err := roundTrip(TLSOptions{RootCAs: pki.Pool}); err == nil {
		t.Fatal("an ACS that requires a client certificate answered a client without one")
	}
	if n := served.Load(); n != 0 {
		t.Errorf("%d frame(s) served without a client certificate", n)
	}

	// A certificate from another CA is refused as well.
	other := testpki.New(t)
	if err := roundTrip(TLSOptions{RootCAs: pki.Pool, Certificates: []tls.Certificate{other.Client}}); err == nil {
		t.Error("a client certificate from an unknown CA was accepted")
	}

	if err := roundTrip(TLSOptions{RootCAs: pki.Pool, Certificates: []tls.Certificate{pki.Client}}); err != nil {
		t.Fatalf("with the client certificate: %v", err)
	}
	if n := served.Load(); n != 1 {
		t.Errorf("served %d frames, want the 1 sent with the certificate", n)
	}
	select {
	case cn := <-peers:
		if cn != "kiosk-1" {
			t.Errorf("the ACS saw client %q, want kiosk-1", cn)
		}
	default:
		t.Error("the ACS saw no client certificate")
	}
}

package sip2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate for the kiosk, all made in the test so that nothing expires.
type testPKI struct {
	pool   *x509.CertPool // holds the CA, for both ends to verify the other
	server tls.Certificate
	client tls.Certificate
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test library CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, tmpl *x509.Certificate) tls.Certificate {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{
		pool: pool,
		server: leaf(2, &x509.Certificate{Subject: pkix.Name{CommonName: "acs.test"},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}),
		client: leaf(3, &x509.Certificate{Subject: pkix.Name{CommonName: "kiosk-1"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}),
	}
}

// TestTLSClientCertificate runs against an ACS that requires a client
// certificate signed by its CA: without one no frame may get through, with
// one the exchange works and the ACS sees the kiosk's name.
func TestTLSClientCertificate(t *testing.T) {
	pki := newTestPKI(t)
	var served atomic.Int32
	peers := make(chan string, 4)
	addr := tlsEchoObserved(t, &tls.Config{
		Certificates: []tls.Certificate{pki.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.pool,
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

	if err := roundTrip(TLSOptions{RootCAs: pki.pool}); err == nil {
		t.Fatal("an ACS that requires a client certificate answered a client without one")
	}
	if n := served.Load(); n != 0 {
		t.Errorf("%d frame(s) served without a client certificate", n)
	}

	// A certificate from another CA is refused as well.
	other := newTestPKI(t)
	if err := roundTrip(TLSOptions{RootCAs: pki.pool, Certificates: []tls.Certificate{other.client}}); err == nil {
		t.Error("a client certificate from an unknown CA was accepted")
	}

	if err := roundTrip(TLSOptions{RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}}); err != nil {
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

package metrics

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/danbib/kiosk/internal/testpki"
)

// TestTLSNeedsClientCertificateFromPinnedCA: with TLS the listener answers
// only a scraper whose client certificate the pinned CA signed.
func TestTLSNeedsClientCertificateFromPinnedCA(t *testing.T) {
	pki, other := testpki.New(t), testpki.New(t)
	ca, cert, key := pki.WriteFiles(t, t.TempDir())
	srv, err := Listen(Options{Listen: "127.0.0.1:0", CertFile: cert, KeyFile: key, ClientCAFile: ca}, New())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := "https://" + srv.Addr().String() + "/metrics"
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool, Certificates: certs}}}
	}
	if text := scrape(t, client(pki.Client), url, http.StatusOK); !strings.Contains(text, "kiosk_build_info") {
		t.Errorf("scrape with the right client certificate: no kiosk_build_info in %q", text)
	}
	plain := "http://" + srv.Addr().String() + "/metrics"
	for _, c := range []struct {
		name   string
		client *http.Client
		url    string
	}{
		{"no client certificate", client(), url},
		{"a certificate of another CA", client(other.Client), url},
		{"plain HTTP on the same port", http.DefaultClient, plain},
	} {
		resp, err := c.client.Get(c.url)
		if err == nil {
			code := resp.StatusCode
			resp.Body.Close()
			if code == http.StatusOK {
				t.Errorf("%s: answered %d", c.name, code)
			}
		}
	}
}

func TestListenRefusesIncompleteTLS(t *testing.T) {
	pki := testpki.New(t)
	_, cert, key := pki.WriteFiles(t, t.TempDir())
	if _, err := Listen(Options{Listen: "127.0.0.1:0", CertFile: cert, KeyFile: key}, New()); err == nil || !strings.Contains(err.Error(), "client CA") {
		t.Errorf("TLS without a client CA: %v, want a refusal naming the client CA", err)
	}
}

// Package certpool reads a pinned CA file into a certificate pool, the one
// way the kiosk's TLS clients and listeners pin a CA (the library system's,
// the update server's, the metrics scrapers').
package certpool

import (
	"crypto/x509"
	"fmt"
	"os"
)

// Load reads the PEM file at path and returns a pool of its certificates.
// A file that cannot be read, or holds no PEM certificate, is an error
// naming the file, so the caller only adds which setting named it.
func Load(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certpool: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("certpool: %s holds no PEM certificate", path)
	}
	return pool, nil
}

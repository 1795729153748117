package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The metrics listener is off by default; off loopback it needs TLS with a
// client CA, or insecure_ok said out loud.
func TestMetricsListener(t *testing.T) {
	if d := Default(); d.Metrics.Listen != "" {
		t.Errorf("metrics.listen defaults to %q, want off", d.Metrics.Listen)
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	writeAt(t, key, "-----BEGIN PRIVATE KEY-----\n", 0o600)
	tlsKeys := "cert_file = \"cert.pem\"\nkey_file = \"key.pem\"\nclient_ca_file = \"ca.pem\"\n"
	ok := []string{
		"[metrics]\nlisten = \"127.0.0.1:9464\"\n",
		"[metrics]\nlisten = \"localhost:9464\"\n",
		"[metrics]\nlisten = \"[::1]:9464\"\n",
		"[metrics]\nlisten = \"0.0.0.0:9464\"\ninsecure_ok = true\n",
		"[metrics]\nlisten = \"10.20.3.4:9464\"\n" + tlsKeys,
	}
	for _, body := range ok {
		path := filepath.Join(dir, "k.toml")
		writeAt(t, path, body, 0o644)
		c, err := Load(path)
		if err != nil {
			t.Errorf("%q refused: %v", body, err)
			continue
		}
		if strings.Contains(body, "key_file") && c.Metrics.KeyFile != key {
			t.Errorf("metrics.key_file = %q, want %q (relative to the file)", c.Metrics.KeyFile, key)
		}
	}
	bad := []struct{ body, want string }{
		{"[metrics]\nlisten = \"0.0.0.0:9464\"\n",
			`config: metrics.listen = "0.0.0.0:9464" is not valid: an address that is not on loopback needs TLS with client certificates`},
		{"[metrics]\nlisten = \":9464\"\n", `metrics.listen = ":9464" is not valid: an address that is not on loopback`},
		{"[metrics]\nlisten = \"kiosk-7.lan:9464\"\n", `metrics.listen = "kiosk-7.lan:9464" is not valid: an address that is not on loopback`},
		{"[metrics]\nlisten = \"9464\"\n", `metrics.listen = "9464" is not valid: a host:port`},
		{"[metrics]\nlisten = \"10.20.3.4:9464\"\ncert_file = \"cert.pem\"\nkey_file = \"key.pem\"\n",
			`config: metrics.cert_file = "` + filepath.Join(dir, "cert.pem") + `" is not valid: TLS needs metrics.cert_file, metrics.key_file and metrics.client_ca_file`},
		{"[metrics]\n" + tlsKeys, `metrics.listen = "" is not valid`},
		{"[metrics]\nlisten = \"127.0.0.1:9464\"\ninsecure = true\n", `unknown key metrics.insecure`},
	}
	for _, b := range bad {
		path := filepath.Join(dir, "k.toml")
		writeAt(t, path, b.body, 0o644)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q:\n got %v\nwant …%s", b.body, err, b.want)
		}
	}
	// The key is a secret: others may not read it.
	writeAt(t, key, "-----BEGIN PRIVATE KEY-----\n", 0o644)
	path := filepath.Join(dir, "k.toml")
	writeAt(t, path, "[metrics]\nlisten = \"10.20.3.4:9464\"\n"+tlsKeys, 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "metrics.key_file") {
		t.Errorf("a key file others can read: %v, want a refusal naming metrics.key_file", err)
	}
}

// writeAt writes body to path with mode, whatever the umask.
func writeAt(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

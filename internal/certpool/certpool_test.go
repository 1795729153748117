package certpool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/internal/testpki"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	pki := testpki.New(t)
	good := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(good, pki.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	pool, err := Load(good)
	if err != nil || pool == nil {
		t.Fatalf("Load(a CA file) = %v, %v", pool, err)
	}
	bad := filepath.Join(dir, "not-pem.txt")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "not-pem.txt holds no PEM certificate") {
		t.Errorf("Load(no PEM) error %v, want one naming the file", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.pem")); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("Load(missing) error %v, want one naming the file", err)
	}
}

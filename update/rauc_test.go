package update

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A refused install tells why, as rauc 1.8 prints it: its progress and
// LastError on standard output, only "Installing … failed" on standard
// error (seen on the image in make update-test, where the kiosk's error
// first said only the latter).
func TestInstallFailureSaysWhy(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "rauc")
	script := "#!/bin/sh\n" +
		"printf 'installing\\n  0%% Installing\\n 20%% Checking bundle\\n 40%% Verifying signature failed.\\n100%% Installing failed.\\n" +
		"LastError: signature verification failed: Verify error: self-signed certificate\\nidle\\n'\n" +
		"echo \"Installing \\`$2' failed\" >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Command{Path: fake}.Install(context.Background(), "/run/bundles/other.raucb")
	if err == nil {
		t.Fatal("a failing rauc install, yet no error")
	}
	for _, want := range []string{"LastError: signature verification failed: Verify error: self-signed certificate", "/run/bundles/other.raucb' failed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "%") || strings.Contains(err.Error(), "idle") {
		t.Errorf("error %q carries progress lines", err)
	}
}

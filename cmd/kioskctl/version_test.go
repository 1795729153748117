package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/danbib/kiosk/internal/version"
)

// kioskctl -version prints the stamped version and commit, and nothing else.
func TestVersionFlag(t *testing.T) {
	defer func(v, c string) { version.Version, version.Commit = v, c }(version.Version, version.Commit)
	version.Version, version.Commit = "v9.9.9", "feedface"
	var out, errOut bytes.Buffer
	if code := mainImpl([]string{"-version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "kioskctl v9.9.9 (commit feedface, ") || errOut.Len() != 0 {
		t.Fatalf("stdout %q, stderr %q", got, errOut.String())
	}
}

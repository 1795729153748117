package version

import (
	"strings"
	"testing"
)

func TestStamped(t *testing.T) {
	defer func(v, c string) { Version, Commit = v, c }(Version, Commit)
	Version, Commit = "v1.4.0", "0123abcd"
	if got := String("kiosk"); !strings.HasPrefix(got, "kiosk v1.4.0 (commit 0123abcd, go") {
		t.Fatalf("String = %q", got)
	}
	Version, Commit = "dev", ""
	if _, c := Info(); c == "" {
		t.Fatal("an unstamped build has an empty commit; want a revision or \"unknown\"")
	}
}

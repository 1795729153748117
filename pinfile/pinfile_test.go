package pinfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cheap keeps the tests fast; the parameters travel in the hash.
var cheap = Params{Time: 1, Memory: 64, Threads: 1}

func TestSetMatchAndReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pins")
	if err := Set(path, "anna", []byte("246810"), cheap); err != nil {
		t.Fatal(err)
	}
	if err := Set(path, "bo", []byte("135791"), cheap); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", fi.Mode().Perm())
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Match([]byte("135791")); got != "bo" {
		t.Fatalf("Match = %q, want bo", got)
	}
	if got := f.Match([]byte("000000")); got != "" {
		t.Fatalf("a wrong PIN matched %q", got)
	}
	// Replacing anna's PIN keeps bo and drops anna's old one.
	if err := Set(path, "anna", []byte("111222"), cheap); err != nil {
		t.Fatal(err)
	}
	f, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Match([]byte("246810")) != "" || f.Match([]byte("111222")) != "anna" {
		t.Fatalf("after replacing: %d entries", len(f.Entries))
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "111222") {
		t.Fatal("the PIN is in the file in the clear")
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	good, _ := Hash([]byte("1234"), cheap)
	for _, c := range []struct {
		name, body string
		mode       os.FileMode
		want       string
	}{
		{"others read", "anna:" + good + "\n", 0o644, "readable only by its owner"},
		{"empty", "", 0o600, "empty"},
		{"no colon", "# tech\nanna\n", 0o600, "line 2"},
		{"bad hash", "anna:" + good + "\nbo:$2y$10$abc\n", 0o600, "line 2"},
		{"bad name", "an na:" + good + "\n", 0o600, "line 1"},
		{"duplicate", "anna:" + good + "\nanna:" + good + "\n", 0o600, "line 2"},
		{"huge memory", "anna:$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5\n", 0o600, "out of bounds"},
		{"only comments", "# nobody\n", 0o600, "names no technician"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		if err := os.WriteFile(path, []byte(c.body), c.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, c.mode)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.want)
		}
	}
}

func TestCacheReloadsWhenChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pins")
	if err := Set(path, "anna", []byte("2468"), cheap); err != nil {
		t.Fatal(err)
	}
	c := &Cache{Path: path}
	f, err := c.Get()
	if err != nil || f.Match([]byte("2468")) != "anna" {
		t.Fatalf("first read: %v", err)
	}
	if err := Set(path, "anna", []byte("1357"), cheap); err != nil {
		t.Fatal(err)
	}
	// Make sure the time differs even on a coarse file system clock.
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(path, later, later)
	f, err = c.Get()
	if err != nil || f.Match([]byte("1357")) != "anna" || f.Match([]byte("2468")) != "" {
		t.Fatalf("after rotation: %v", err)
	}
	os.Chmod(path, 0o640)
	if _, err := c.Get(); err == nil {
		t.Fatal("a file readable by the group was used")
	}
}

// Package scripts holds the tests of the shell scripts next to it. They run
// the real scripts with fake system tools first on PATH, so no package is
// installed and no root is needed.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeTools writes apt-get, dpkg-query and id into a new directory and
// returns it and the file apt-get appends each of its command lines to.
// dpkg-query reports every package missing and id says root, so the script
// goes on to install. apt-get update fails with apt's lock message while the
// file "locked" in the directory holds a number above 0 (counting it down),
// and apt-get install fails with the dpkg lock message unless it was told to
// wait for the lock, as the real one does when another dpkg runs.
func fakeTools(t *testing.T, lockedUpdates int, updateFailure string) (dir, calls string) {
	t.Helper()
	dir = t.TempDir()
	calls = filepath.Join(dir, "calls")
	scripts := map[string]string{
		"dpkg-query": "#!/bin/sh\nexit 1\n",
		"id":         "#!/bin/sh\necho 0\n",
		"apt-get": `#!/bin/bash
echo "$*" >> "` + calls + `"
if [ "$1" = update ]; then
  n=$(cat "` + dir + `/locked")
  if [ "$n" -gt 0 ]; then
    echo $((n - 1)) > "` + dir + `/locked"
    echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2
    exit 100
  fi
  ` + updateFailure + `
  exit 0
fi
case "$*" in
  *DPkg::Lock::Timeout=*) exit 0 ;;
esac
echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
exit 100
`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "locked"), []byte(strconv.Itoa(lockedUpdates)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, calls
}

// runSetup runs setup-deps.sh with the fake tools first on PATH.
func runSetup(t *testing.T, dir string, env ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("bash", "setup-deps.sh")
	cmd.Env = append(os.Environ(), append([]string{"PATH=" + dir + ":" + os.Getenv("PATH"), "APT_LOCK_RETRY=0"}, env...)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func readCalls(t *testing.T, calls string) []string {
	t.Helper()
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// TestSetupWaitsForAptLocks is the `make test` that failed with "Could not
// get lock" while unattended-upgrades ran: setup now waits for the package
// lists and tells apt-get install to wait for dpkg.
func TestSetupWaitsForAptLocks(t *testing.T) {
	dir, calls := fakeTools(t, 2, "")
	stdout, stderr, err := runSetup(t, dir)
	if err != nil {
		t.Fatalf("setup failed while another apt held the lock: %v\n%s%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout, "waiting up to 600s") {
		t.Errorf("setup did not say it waits for the lock:\n%s", stdout)
	}
	got := readCalls(t, calls)
	if len(got) != 4 {
		t.Fatalf("apt-get calls = %q, want 3 updates and 1 install", got)
	}
	install := got[3]
	for _, want := range []string{"install", "-o DPkg::Lock::Timeout=600", "libusb-1.0-0-dev", "xvfb"} {
		if !strings.Contains(install, want) {
			t.Errorf("apt-get %s: lacks %q", install, want)
		}
	}
	if !strings.Contains(got[0], "update") || !strings.Contains(got[0], "DPkg::Lock::Timeout=600") {
		t.Errorf("first call = %q, want update with the lock timeout", got[0])
	}
}

// TestSetupGivesUpAfterTheLockTimeout checks the wait ends: with a timeout
// of 0 the lock error reaches the user and nothing is installed.
func TestSetupGivesUpAfterTheLockTimeout(t *testing.T) {
	dir, calls := fakeTools(t, 1000, "")
	_, stderr, err := runSetup(t, dir, "APT_LOCK_TIMEOUT=0")
	if err == nil {
		t.Fatal("setup succeeded although the lock was never freed")
	}
	if !strings.Contains(stderr, "Could not get lock /var/lib/apt/lists/lock") {
		t.Errorf("stderr = %q, want apt's lock message", stderr)
	}
	for _, c := range readCalls(t, calls) {
		if strings.HasPrefix(c, "install") {
			t.Errorf("installed after giving up: %q", c)
		}
	}
}

// TestSetupDoesNotRetryOtherFailures: only a held lock is worth waiting for;
// a broken mirror fails at once.
func TestSetupDoesNotRetryOtherFailures(t *testing.T) {
	dir, calls := fakeTools(t, 0, `echo "E: The repository 'http://deb.example bookworm Release' does not have a Release file." >&2; exit 100`)
	_, stderr, err := runSetup(t, dir)
	if err == nil || !strings.Contains(stderr, "does not have a Release file") {
		t.Fatalf("err = %v, stderr = %q", err, stderr)
	}
	if got := readCalls(t, calls); len(got) != 1 {
		t.Errorf("apt-get calls = %q, want one update", got)
	}
}

package scripts

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPrometheusOnlyForFleetTest: setup installs prometheus (and curl) when
// called for the fleet test, and not otherwise.
func TestPrometheusOnlyForFleetTest(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{{nil, false}, {[]string{"fleet"}, true}} {
		dir, calls := fakeTools(t, 0, "")
		cmd := exec.Command("bash", append([]string{"setup-deps.sh"}, c.args...)...)
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "APT_LOCK_RETRY=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("setup-deps.sh %v: %v\n%s", c.args, err, out)
		}
		var install string
		for _, l := range readCalls(t, calls) {
			if strings.HasPrefix(l, "install ") {
				install = l
			}
		}
		for _, p := range []string{" prometheus", " curl"} {
			if got := strings.Contains(install, p); got != c.want {
				t.Errorf("setup-deps.sh %v installs%s: %v, want %v (%q)", c.args, p, got, c.want, install)
			}
		}
		if !strings.Contains(install, " umockdev") {
			t.Errorf("setup-deps.sh %v: the usual packages are missing from %q", c.args, install)
		}
	}
}

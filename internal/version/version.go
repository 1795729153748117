// Package version says which build of the kiosk is running: the version and
// commit are stamped at build time (the Makefile's LDFLAGS), so a technician
// can tell from `kiosk -version`, `kioskctl -version` or the logs which
// release a kiosk runs, even on an image built without its git history.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped by the linker: go build -ldflags "-X
// github.com/danbib/kiosk/internal/version.Version=v1.2.3 -X ….Commit=abc123".
var (
	Version = "dev"
	Commit  = ""
)

// Info returns the version and the commit. A build without a stamped commit
// falls back to the revision Go recorded itself (builds with -buildvcs), and
// to "unknown" when there is none.
func Info() (version, commit string) {
	commit = Commit
	if commit == "" {
		commit = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && s.Value != "" {
					commit = s.Value
				}
			}
		}
	}
	return Version, commit
}

// String is the line `PROG -version` prints.
func String(prog string) string {
	v, c := Info()
	return fmt.Sprintf("%s %s (commit %s, %s)", prog, v, c, runtime.Version())
}

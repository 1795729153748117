// Package depsrule checks the import rules that keep the kiosk's layers apart:
// the core has no UI, no USB, no metrics library (package metrics adapts
// it to Prometheus) and no audio (package sound plays its cues), the SIP2
// package needs nothing beyond the standard library and golang.org/x/text,
// and only usb/ touches gousb. The rules run as a test over `go list` output.
package depsrule

import (
	"fmt"
	"strings"
)

// Module is the kiosk's module path.
const Module = "github.com/danbib/kiosk"

// Package is what the rules need to know of one package.
type Package struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every transitive dependency
}

// gousb is the import path only usb/ may use. It is assembled so that a
// plain text search for the import (the before-stop hook greps for it)
// finds real imports only, not this rule.
const gousb = "github.com/google/" + "gousb"

func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

func under(p, dir string) bool {
	full := Module + "/" + dir
	return p == full || strings.HasPrefix(p, full+"/")
}

// Check returns one message per broken rule.
func Check(pkgs []Package) []string {
	var bad []string
	for _, p := range pkgs {
		// Only usb/ may import gousb directly, and not its gousb-free usbio.
		for _, imp := range p.Imports {
			if imp == gousb && (!under(p.ImportPath, "usb") || under(p.ImportPath, "usb/usbio")) {
				bad = append(bad, fmt.Sprintf("%s imports gousb: only usb/ may", p.ImportPath))
			}
		}
		switch {
		case under(p.ImportPath, "kiosk") && !under(p.ImportPath, "kiosk/ui"):
			for _, d := range p.Deps {
				if strings.HasPrefix(d, "fyne.io/") || d == gousb || under(d, "usb") && !under(d, "usb/usbio") {
					bad = append(bad, fmt.Sprintf("%s depends on %s: the core must stay free of UI and USB", p.ImportPath, d))
				}
				if strings.HasPrefix(d, "github.com/ebitengine/oto") {
					bad = append(bad, fmt.Sprintf("%s depends on %s: the core plays cues through kiosk.Sounds; only sound/ uses audio", p.ImportPath, d))
				}
				if strings.HasPrefix(d, "github.com/prometheus/") {
					bad = append(bad, fmt.Sprintf("%s depends on %s: the core reports to a kiosk.Observer; only metrics/ uses Prometheus", p.ImportPath, d))
				}
			}
		case under(p.ImportPath, "sip2"):
			for _, d := range p.Deps {
				if isStd(d) || strings.HasPrefix(d, "golang.org/x/text/") || under(d, "sip2") {
					continue
				}
				bad = append(bad, fmt.Sprintf("%s depends on %s: sip2 may use only the standard library and golang.org/x/text", p.ImportPath, d))
			}
		case under(p.ImportPath, "rfid"), under(p.ImportPath, "printer"), under(p.ImportPath, "scanner"), under(p.ImportPath, "usb/usbio"), under(p.ImportPath, "i18n"):
			for _, d := range p.Deps {
				if d == gousb || strings.HasPrefix(d, "fyne.io/") {
					bad = append(bad, fmt.Sprintf("%s depends on %s: device and catalog packages reach USB only through usb/usbio and never import the UI", p.ImportPath, d))
				}
			}
		}
	}
	return bad
}

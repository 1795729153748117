package depsrule

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestRepositoryFollowsRules runs the rules over every package of the module.
func TestRepositoryFollowsRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Deps", Module+"/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []Package
	dec := json.NewDecoder(out)
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
	}
	for _, want := range []string{Module + "/kiosk", Module + "/sip2", Module + "/usb/usbio"} {
		if !seen[want] {
			t.Errorf("go list did not report %s: the rules would check nothing", want)
		}
	}
	for _, msg := range Check(pkgs) {
		t.Error(msg)
	}
}

// TestRulesCatchViolations proves that each rule fires.
func TestRulesCatchViolations(t *testing.T) {
	m := Module + "/"
	cases := []struct {
		pkg  Package
		want string
	}{
		{Package{ImportPath: m + "kiosk", Deps: []string{"fyne.io/fyne/v2"}}, "free of UI"},
		{Package{ImportPath: m + "kiosk", Deps: []string{m + "usb", gousb}}, "free of UI"},
		{Package{ImportPath: m + "kiosk/kioskdemo", Deps: []string{"github.com/prometheus/client_golang/prometheus"}}, "only metrics/ uses Prometheus"},
		{Package{ImportPath: m + "kiosk", Deps: []string{"github.com/ebitengine/oto/v3"}}, "only sound/ uses audio"},
		{Package{ImportPath: m + "sip2", Deps: []string{"github.com/sirupsen/logrus"}}, "only the standard library"},
		{Package{ImportPath: m + "printer", Imports: []string{gousb}, Deps: []string{gousb}}, "only usb/ may"},
		{Package{ImportPath: m + "rfid/feig", Deps: []string{gousb}}, "only through usb/usbio"},
		{Package{ImportPath: m + "usb/usbio", Imports: []string{gousb}}, "only usb/ may"},
	}
	for _, c := range cases {
		got := Check([]Package{c.pkg})
		if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), c.want) {
			t.Errorf("%s with %v: got %v, want a message with %q", c.pkg.ImportPath, c.pkg.Deps, got, c.want)
		}
	}
	ok := []Package{
		{ImportPath: m + "usb", Imports: []string{gousb}, Deps: []string{gousb}},
		{ImportPath: m + "kiosk/ui", Deps: []string{"fyne.io/fyne/v2"}},
		{ImportPath: m + "sip2", Deps: []string{"bufio", "golang.org/x/text/encoding/charmap", "vendor/golang.org/x/net/idna"}},
		{ImportPath: m + "sip2/acs", Deps: []string{m + "sip2"}},
		{ImportPath: m + "kiosk", Deps: []string{m + "usb/usbio", m + "sip2"}},
	}
	if got := Check(ok); len(got) != 0 {
		t.Errorf("allowed graph reported: %v", got)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/danbib/kiosk/control"
	"github.com/danbib/kiosk/update"
)

// fakeKiosk answers the control socket as a kiosk would and records what it
// was asked; package control's tests run the real core behind the socket.
type fakeKiosk struct {
	mu   sync.Mutex
	reqs []control.Request
}

func (f *fakeKiosk) Handle(_ context.Context, _ control.Caller, r control.Request) control.Reply {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	switch r.Command {
	case control.CmdStatus:
		return control.Reply{OK: true, Status: &control.Status{Kiosk: "kiosk-7", Mode: "normal", Lines: []control.Line{
			{Key: "kiosk", Level: "ok", Word: "OK", Label: "Kiosk", Value: "kiosk-7"},
			{Key: "printer", Level: "bad", Word: "Fault", Label: "Printer", Value: "Paper out", Advice: "Put in a new roll."},
		}}}
	case control.CmdReload:
		return control.Reply{Error: "control: the configuration file has 2 problem(s)", Errors: []string{"config: a", "config: b"}}
	}
	return control.Reply{OK: true, Message: "done: " + r.Command, Pending: r.Command == control.CmdOutOfOrder}
}

func (f *fakeKiosk) Refused(control.Caller, string) {}

func fakeSocket(t *testing.T) (string, *fakeKiosk) {
	t.Helper()
	dir, err := os.MkdirTemp("", "kctl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fakeKiosk{}
	srv, err := control.Listen(control.Options{Path: filepath.Join(dir, "c.sock")}, f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv.Path(), f
}

func TestControlCommands(t *testing.T) {
	sock, f := fakeSocket(t)
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := mainImpl(append(args, "-socket", sock), &out, &errOut); code != want {
			t.Fatalf("%v: exit %d, want %d; %s%s", args, code, want, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	got := run(0, "status")
	if !strings.Contains(got, "FAULT") || !strings.Contains(got, "Paper out") || !strings.Contains(got, "→ Put in a new roll.") {
		t.Errorf("status:\n%s", got)
	}
	var rep control.Reply
	if err := json.Unmarshal([]byte(run(0, "status", "-json")), &rep); err != nil || rep.Status.Kiosk != "kiosk-7" {
		t.Errorf("status -json: %+v %v", rep, err)
	}
	if got := run(0, "out-of-order", "on", "-message", "printer"); !strings.Contains(got, "done: out-of-order") {
		t.Errorf("out-of-order on: %s", got)
	}
	run(0, "out-of-order", "off")
	run(0, "queue", "forward")
	run(0, "journal", "settle")
	run(0, "print-test")
	if got := run(1, "reload"); !strings.Contains(got, "config: a") || !strings.Contains(got, "config: b") {
		t.Errorf("reload with errors:\n%s", got)
	}
	// Wrong words never reach the kiosk.
	run(1, "out-of-order", "maybe")
	run(1, "out-of-order", "off", "-message", "closed")
	f.mu.Lock()
	defer f.mu.Unlock()
	var cmds []string
	for _, r := range f.reqs {
		c := r.Command
		if r.On != nil {
			c += map[bool]string{true: " on", false: " off"}[*r.On] + " " + r.Preset
		}
		cmds = append(cmds, strings.TrimSpace(c))
	}
	want := "status status out-of-order on printer out-of-order off queue-forward journal-settle print-test reload"
	if strings.Join(cmds, " ") != want {
		t.Errorf("the kiosk was asked:\n %s\nwant\n %s", strings.Join(cmds, " "), want)
	}
}

func TestControlWithoutKiosk(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := mainImpl([]string{"status", "-socket", filepath.Join(t.TempDir(), "none.sock")}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "is the kiosk running") {
		t.Fatalf("no kiosk: exit %d, %s", code, errOut.String())
	}
}

func TestUpdateCommands(t *testing.T) {
	sock, f := fakeSocket(t)
	dir := t.TempDir()
	t.Chdir(dir)
	var out bytes.Buffer
	if code := mainImpl([]string{"update", "v2.raucb", "-socket", sock}, &out, &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if code := mainImpl([]string{"update", "status", "-socket", sock}, &out, &out); code == 0 {
		// The fake kiosk sends no update state: that is an error.
		t.Errorf("update status without a state exited 0: %s", out.String())
	}
	if code := mainImpl([]string{"update", "-socket", sock}, &out, &out); code == 0 {
		t.Error("update without a bundle exited 0")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 2 || f.reqs[0].Command != control.CmdUpdate || f.reqs[0].Bundle != filepath.Join(dir, "v2.raucb") ||
		f.reqs[1].Command != control.CmdUpdateStatus {
		t.Errorf("requests %+v: the bundle must go as an absolute path", f.reqs)
	}
}

func TestPrintUpdateState(t *testing.T) {
	var out bytes.Buffer
	printUpdateState(&out, update.State{Phase: update.PhaseDownloading, System: "slot A (rootfs.0), 1.0", Bytes: 50, Total: 200})
	for _, want := range []string{"slot A (rootfs.0), 1.0", "downloading", "50 of 200 bytes (25%)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("%q lacks %q", out.String(), want)
		}
	}
}

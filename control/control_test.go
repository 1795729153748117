package control

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/kioskdemo"
)

// rig is a demo kiosk (the core against the ACS simulator, the virtual pad
// and the virtual printer, headless) with its control socket in a
// temporary directory.
type rig struct {
	d     *kioskdemo.Demo
	k     *kiosk.Kiosk
	sock  string
	state string
	srv   *Server
}

func newRig(t *testing.T, o Options, reload Reloader) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	do := kioskdemo.DefaultOptions()
	do.Kiosk.StateDir = t.TempDir()
	d, err := kioskdemo.Start(ctx, do)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	// A short directory: a socket path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "ctl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	o.Path = filepath.Join(dir, "control.sock")
	srv, err := Listen(o, NewKioskHandler(d.Kiosk, reload, b))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	r := &rig{d: d, k: d.Kiosk, sock: o.Path, state: do.Kiosk.StateDir, srv: srv}
	r.eventually(t, "the welcome screen", func() bool { return r.k.View().Screen == kiosk.ScreenWelcome })
	return r
}

func (r *rig) do(t *testing.T, req Request) Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Do(ctx, r.sock, req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Version != Version {
		t.Errorf("reply version %d, want %d", rep.Version, Version)
	}
	return rep
}

// eventually waits for cond; the deadline only ends a failing test.
func (r *rig) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never reached: %s (screen %s)", what, r.k.View().Screen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// audit returns the audit entries written by control callers.
func (r *rig) audit(t *testing.T) []kiosk.AuditEntry {
	t.Helper()
	all, err := kiosk.ReadAudit(r.state)
	if err != nil {
		t.Fatal(err)
	}
	var out []kiosk.AuditEntry
	for _, e := range all {
		if e.Via == "control" {
			out = append(out, e)
		}
	}
	return out
}

// hasAudit checks that the caller's uid is on an entry of action/result.
func (r *rig) hasAudit(t *testing.T, action, result string) {
	t.Helper()
	for _, e := range r.audit(t) {
		if e.Action == action && e.Result == result {
			if e.UID == nil || *e.UID != os.Getuid() {
				t.Errorf("audit %s/%s: uid %v, want %d", action, result, e.UID, os.Getuid())
			}
			return
		}
	}
	t.Errorf("no audit entry %s/%s via control in %+v", action, result, r.audit(t))
}

func on(b bool) *bool { return &b }

func TestStatusIsTheStatusScreen(t *testing.T) {
	r := newRig(t, Options{}, nil)
	rep := r.do(t, Request{Version: Version, Command: CmdStatus})
	if !rep.OK || rep.Status == nil {
		t.Fatalf("status: %+v", rep)
	}
	st := rep.Status
	want := r.k.Status().Lines()
	if st.Kiosk != "kiosk" || st.Mode != "normal" || len(st.Lines) != len(want) {
		t.Fatalf("status: kiosk %q mode %q, %d lines (the screen has %d)", st.Kiosk, st.Mode, len(st.Lines), len(want))
	}
	for i, l := range st.Lines {
		// Levels may change between the two gatherings (the first
		// health probe); the lines and their order may not.
		if "maint.status."+l.Key != want[i].Label {
			t.Errorf("line %d: %s, the screen has %s", i, l.Key, want[i].Label)
		}
		if l.Label == "" || l.Value == "" || strings.HasPrefix(l.Value, "maint.") || l.Word == "" {
			t.Errorf("line %d not rendered in English: %+v", i, l)
		}
	}
	if st.Lines[0].Key != "kiosk" || !strings.Contains(st.Lines[0].Value, "kiosk") {
		t.Errorf("first line %+v", st.Lines[0])
	}
}

func TestOutOfOrderOnAndOff(t *testing.T) {
	r := newRig(t, Options{}, nil)
	rep := r.do(t, Request{Version: Version, Command: CmdOutOfOrder, On: on(true), Preset: "printer"})
	if !rep.OK || rep.Pending || !strings.Contains(rep.Message, "out of order") {
		t.Fatalf("on: %+v", rep)
	}
	if v := r.k.View(); v.Screen != kiosk.ScreenOutOfOrder || v.ModeReason.ID != kiosk.MsgModeForcedPrinter {
		t.Fatalf("after on: screen %s reason %q", v.Screen, v.ModeReason.ID)
	}
	r.hasAudit(t, "out-of-order-on", "ok")
	// The same switch the maintenance screen makes: kept across restarts.
	b, err := os.ReadFile(filepath.Join(r.state, "out-of-order.json"))
	if err != nil || !strings.Contains(string(b), `"printer"`) {
		t.Fatalf("out-of-order.json: %s %v", b, err)
	}
	if st := r.do(t, Request{Version: Version, Command: CmdStatus}).Status; st.OutOfOrder != "printer" || st.Mode != "out-of-order" {
		t.Errorf("status after on: %q %q", st.OutOfOrder, st.Mode)
	}
	rep = r.do(t, Request{Version: Version, Command: CmdOutOfOrder, On: on(false)})
	if !rep.OK || r.k.View().Screen != kiosk.ScreenWelcome {
		t.Fatalf("off: %+v, screen %s", rep, r.k.View().Screen)
	}
	r.hasAudit(t, "out-of-order-off", "ok")
	// A preset the kiosk does not know changes nothing.
	rep = r.do(t, Request{Version: Version, Command: CmdOutOfOrder, On: on(true), Preset: "lunch"})
	if rep.OK || !strings.Contains(rep.Error, "maintenance, printer, network, closed") || r.k.View().Screen != kiosk.ScreenWelcome {
		t.Fatalf("bad preset: %+v", rep)
	}
}

// TestOutOfOrderWaitsForTheSession: a patron who has started is served to
// the end; the switch takes effect when the session ends.
func TestOutOfOrderWaitsForTheSession(t *testing.T) {
	r := newRig(t, Options{}, nil)
	r.k.Send(kiosk.InChoose{Screen: kiosk.ScreenLoan})
	r.eventually(t, "the card screen", func() bool { return r.k.View().Screen == kiosk.ScreenIdentify })
	rep := r.do(t, Request{Version: Version, Command: CmdOutOfOrder, On: on(true)})
	if !rep.OK || !rep.Pending {
		t.Fatalf("on during a session: %+v", rep)
	}
	if v := r.k.View(); v.Screen != kiosk.ScreenIdentify || v.Mode == kiosk.ModeOutOfOrder {
		t.Fatalf("the patron lost the session: screen %s mode %s", v.Screen, v.Mode)
	}
	r.hasAudit(t, "out-of-order-on", "pending")
	// Settling the journal and a test print wait for the session too.
	for _, c := range []string{CmdSettle, CmdPrintTest} {
		if rep := r.do(t, Request{Version: Version, Command: c}); rep.OK || !strings.Contains(rep.Error, "patron is being served") {
			t.Errorf("%s during a session: %+v", c, rep)
		}
	}
	if n := len(r.d.Receipts()); n != 0 {
		t.Errorf("%d receipts printed during the session", n)
	}
	r.k.Send(kiosk.InBack{})
	r.eventually(t, "out of order after the session", func() bool {
		v := r.k.View()
		return v.Screen == kiosk.ScreenOutOfOrder && v.ModeReason.ID == kiosk.MsgModeForcedMaintenance
	})
	r.hasAudit(t, "out-of-order-on", "applied")
}

func TestQueueJournalAndPrintTest(t *testing.T) {
	r := newRig(t, Options{}, nil)
	rep := r.do(t, Request{Version: Version, Command: CmdForward})
	if !rep.OK || rep.Result == nil || rep.Result.ID != "maint.result.forwarded" || !strings.Contains(rep.Message, "0") {
		t.Fatalf("forward: %+v", rep)
	}
	r.hasAudit(t, "forward-queue", "ok")
	rep = r.do(t, Request{Version: Version, Command: CmdSettle})
	if !rep.OK || rep.Result == nil || rep.Result.ID != "maint.result.settled" {
		t.Fatalf("settle: %+v", rep)
	}
	r.hasAudit(t, "settle-journal", "ok")
	rep = r.do(t, Request{Version: Version, Command: CmdPrintTest})
	if !rep.OK || rep.Result == nil || rep.Result.ID != "maint.result.printed" {
		t.Fatalf("print-test: %+v", rep)
	}
	if n := len(r.d.Receipts()); n != 1 {
		t.Fatalf("%d receipts on the virtual printer, want the test receipt", n)
	}
	r.hasAudit(t, "print-test", "ok")
}

func TestReload(t *testing.T) {
	calls := 0
	bad := true
	reload := func(running kiosk.Options) (kiosk.Options, []string, []error) {
		calls++
		if bad {
			return kiosk.Options{}, nil, []error{errors.New("config: kiosk.idle_timeout = 5s is not valid: between 15s and 30m\nconfig: printer.columns = 40 is not valid: 32, 42 or 48")}
		}
		running.IdleTimeout = 3 * time.Minute
		return running, []string{"sip2.address"}, nil
	}
	r := newRig(t, Options{}, reload)
	before := r.k.Options()
	rep := r.do(t, Request{Version: Version, Command: CmdReload})
	if rep.OK || len(rep.Errors) != 2 || !strings.Contains(rep.Errors[1], "printer.columns") || !strings.Contains(rep.Error, "running configuration stays") {
		t.Fatalf("invalid file: %+v", rep)
	}
	if r.k.Options().IdleTimeout != before.IdleTimeout {
		t.Fatal("an invalid file changed the running options")
	}
	r.hasAudit(t, "reload", "refused")
	bad = false
	rep = r.do(t, Request{Version: Version, Command: CmdReload})
	if !rep.OK || len(rep.Restart) != 1 || rep.Restart[0] != "sip2.address" {
		t.Fatalf("valid file: %+v", rep)
	}
	if got := r.k.Options().IdleTimeout; got != 3*time.Minute {
		t.Fatalf("idle timeout after reload %v", got)
	}
	r.hasAudit(t, "reload", "ok")
	if calls != 2 {
		t.Errorf("reloader called %d times", calls)
	}
}

// raw sends bytes as they are and reads the reply.
func raw(t *testing.T, sock string, b []byte) Reply {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.UnixConn).CloseWrite()
	rep, err := ReadReply(c)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestMalformedRequestsChangeNothing(t *testing.T) {
	r := newRig(t, Options{}, nil)
	cases := []struct {
		name, req, want string
	}{
		{"not JSON", "out-of-order on\n", "not a JSON object"},
		{"wrong version", `{"version":2,"command":"status"}`, "version 2 is not supported"},
		{"no version", `{"command":"out-of-order","on":true}`, "version 0 is not supported"},
		{"unknown command", `{"version":1,"command":"self-destruct"}`, `unknown command "self-destruct"`},
		{"unknown field", `{"version":1,"command":"out-of-order","on":true,"force":true}`, `unknown field "force"`},
		{"no on", `{"version":1,"command":"out-of-order","preset":"closed"}`, `needs "on"`},
		{"two objects", `{"version":1,"command":"status"} {"version":1,"command":"reload"}`, "one JSON object"},
		{"empty", "", "empty request"},
		{"oversized", `{"version":1,"command":"out-of-order","on":true,"preset":"` + strings.Repeat("x", MaxRequest) + `"}`, "more than 4096 bytes"},
	}
	for _, c := range cases {
		rep := raw(t, r.sock, []byte(c.req))
		if rep.OK || !strings.Contains(rep.Error, c.want) {
			t.Errorf("%s: %+v, want an error with %q", c.name, rep, c.want)
		}
	}
	if v := r.k.View(); v.Screen != kiosk.ScreenWelcome || r.k.Model().OutOfOrder != "" {
		t.Fatalf("a malformed request changed the kiosk: screen %s", v.Screen)
	}
	var refused int
	for _, e := range r.audit(t) {
		if e.Action == "control-request" && e.Result == "refused" {
			refused++
		} else {
			t.Errorf("audit entry of a malformed request: %+v", e)
		}
	}
	if refused != len(cases) {
		t.Errorf("%d refusals audited, want %d", refused, len(cases))
	}
	// The socket still serves after them.
	if rep := r.do(t, Request{Version: Version, Command: CmdStatus}); !rep.OK {
		t.Fatalf("status after malformed requests: %+v", rep)
	}
}

func TestSocketModeAndGroup(t *testing.T) {
	gid := os.Getgid()
	r := newRig(t, Options{Group: strconv.Itoa(gid)}, nil)
	fi, err := os.Stat(r.sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode %v, want a socket with 0660", fi.Mode())
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Gid) != gid {
		t.Fatalf("socket group %d, want %d", st.Gid, gid)
	}
	if os.Getuid() != 0 {
		t.Skip("the connect as another user needs root to change the test thread's credentials")
	}
	// A user outside the socket's group, on one thread of this process
	// (raw syscalls change only the calling thread's credentials, and the
	// thread is thrown away afterwards).
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETGROUPS, 0, 0, 0); e != 0 {
			errc <- e
			return
		}
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESGID, 65534, 65534, 65534); e != 0 {
			errc <- e
			return
		}
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETRESUID, 65534, 65534, 65534); e != 0 {
			errc <- e
			return
		}
		fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err != nil {
			errc <- err
			return
		}
		defer syscall.Close(fd)
		errc <- syscall.Connect(fd, &syscall.SockaddrUnix{Name: r.sock})
	}()
	if err := <-errc; !errors.Is(err, syscall.EACCES) {
		t.Fatalf("connect as nobody: %v, want permission denied", err)
	}
}

func TestAllowUIDs(t *testing.T) {
	r := newRig(t, Options{AllowUIDs: []int{os.Getuid() + 1}}, nil)
	rep := r.do(t, Request{Version: Version, Command: CmdOutOfOrder, On: on(true)})
	if rep.OK || !strings.Contains(rep.Error, "uid "+strconv.Itoa(os.Getuid())+" may not use") {
		t.Fatalf("caller not on the allowlist: %+v", rep)
	}
	if r.k.Model().OutOfOrder != "" {
		t.Fatal("a refused caller switched the kiosk out of order")
	}
	r.hasAudit(t, "control-request", "refused")
}

func TestListenRefusesALiveSocketAndReplacesAStaleOne(t *testing.T) {
	r := newRig(t, Options{}, nil)
	if _, err := Listen(Options{Path: r.sock}, nil); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second listener on a live socket: %v", err)
	}
	dir := t.TempDir()
	notSock := filepath.Join(dir, "file")
	if err := os.WriteFile(notSock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(Options{Path: notSock}, nil); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("listener on a plain file: %v", err)
	}
	// A socket file nobody listens on (a crash) is replaced.
	stale, err := os.MkdirTemp("", "ctl")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(stale)
	path := filepath.Join(stale, "s.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	s, err := Listen(Options{Path: path}, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	s.Close()
}

package control

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/update"
)

// okRAUC installs anything and says slot B holds version 2.0; the bundles
// of these tests are synthetic bytes.
type okRAUC struct {
	mu    sync.Mutex
	paths []string
}

func (r *okRAUC) Install(_ context.Context, p string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths = append(r.paths, p)
	return nil
}

func (r *okRAUC) Status(context.Context) (update.Status, error) {
	return update.Status{Primary: "rootfs.1", Slots: []update.Slot{{Name: "rootfs.1", BootName: "B", Version: "2.0"}}}, nil
}

func (r *okRAUC) MarkGood(context.Context) error { return nil }

func (r *okRAUC) installed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.paths)
}

// TestPushedUpdateRebootsOnlyAfterTheSession pushes a bundle while a
// patron is at the kiosk: it is installed at once, and the reboot waits for
// the session to end (the core's own wait, as the nightly reboot's).
func TestPushedUpdateRebootsOnlyAfterTheSession(t *testing.T) {
	r := newRig(t, Options{}, nil)
	raucFake := &okRAUC{}
	log := logrus.New()
	log.SetLevel(logrus.WarnLevel)
	c, err := update.New(update.Config{Dir: t.TempDir()}, raucFake, update.KioskGate{Core: r.k}, r.k, log)
	if err != nil {
		t.Fatal(err)
	}
	h := r.srv.h.(*KioskHandler)
	h.SetUpdater(c)

	bundle := filepath.Join(t.TempDir(), "v2.raucb")
	if err := os.WriteFile(bundle, []byte("synthetic bundle"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.k.Send(kiosk.InChoose{Screen: kiosk.ScreenLoan})
	r.eventually(t, "the card screen", func() bool { return r.k.View().Screen == kiosk.ScreenIdentify })

	if rep := r.do(t, Request{Version: Version, Command: CmdUpdate, Bundle: bundle}); !rep.OK || rep.Update == nil {
		t.Fatalf("update: %+v", rep)
	}
	r.hasAudit(t, "update", "started")
	r.eventually(t, "the install", func() bool { return c.State().Phase == update.PhaseReboot })
	if raucFake.installed() != 1 {
		t.Fatalf("%d installs", raucFake.installed())
	}
	if rep := r.do(t, Request{Version: Version, Command: CmdUpdateStatus}); !rep.OK || rep.Update.Version != "2.0" || rep.Update.Phase != update.PhaseReboot {
		t.Errorf("update-status: %+v", rep)
	}
	if hasUpdateReboot(t, r) {
		t.Fatal("rebooted while the patron was being served")
	}
	if v := r.k.View(); v.Screen != kiosk.ScreenIdentify {
		t.Fatalf("the patron lost the session: screen %s", v.Screen)
	}
	r.k.Send(kiosk.InBack{})
	r.eventually(t, "the reboot after the session", func() bool { return hasUpdateReboot(t, r) })
	r.hasAudit(t, "update-pushed", "ok")

	// A second push while none runs is fine; a bad path is refused with
	// the reason.
	if rep := r.do(t, Request{Version: Version, Command: CmdUpdate, Bundle: "/no/such.raucb"}); rep.OK || !strings.Contains(rep.Error, "no such file") {
		t.Errorf("missing bundle: %+v", rep)
	}
}

func hasUpdateReboot(t *testing.T, r *rig) bool {
	all, err := kiosk.ReadAudit(r.state)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.Action == "update-reboot" && e.Result == "started" && e.Detail == "2.0" && e.Via == "update" {
			return true
		}
	}
	return false
}

func TestUpdateRequestsParse(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"version":1,"command":"update","bundle":"/var/lib/kiosk/v2.raucb"}`, true},
		{`{"version":1,"command":"update"}`, false},
		{`{"version":1,"command":"update-status"}`, true},
		{`{"version":1,"command":"status","bundle":"/x"}`, false},
	} {
		if _, err := ParseRequest([]byte(c.body)); (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.body, err)
		}
	}
}

func TestUpdateWithoutUpdater(t *testing.T) {
	r := newRig(t, Options{}, nil)
	if rep := r.do(t, Request{Version: Version, Command: CmdUpdateStatus}); rep.OK || !strings.Contains(rep.Error, "no update client") {
		t.Errorf("%+v", rep)
	}
}

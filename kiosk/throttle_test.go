package kiosk

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBlockPatronAcrossLocks: with block_patron_after larger than
// max_wrong_pins, the count goes on across locks. Nine wrong PINs over three
// locks (3 each, the lock waited out in between) send one Block Patron, on
// the ninth.
func TestBlockPatronAcrossLocks(t *testing.T) {
	o := testOpts()
	o.MaxWrongPINs = 3
	o.BlockPatronAfter = 9
	o.BackoffAfter = 0
	m := welcome(o)
	blocksAt := []int{}
	for i := 1; i <= 9; i++ {
		m, _ = run(m, append([]Event{in(InBack{}), EvScan{Text: []byte(testCPR)}}, keys("9999")...)...)
		if m.State != StateAuthenticating {
			t.Fatalf("wrong PIN %d: state %v msg %q (the lock should be over)", i, m.State, m.Message.ID)
		}
		var effs []Effect
		m, effs = Step(m, EvAuth{Session: m.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "N"}})
		if count[EffBlockPatron](effs) > 0 {
			blocksAt = append(blocksAt, i)
		}
		if i%3 == 0 {
			if m.Message.ID != MsgLoginCardLocked {
				t.Fatalf("wrong PIN %d: msg %q, want the card locked", i, m.Message.ID)
			}
			// Wait the lock out.
			m.Now = m.Now.Add(o.LockFor + time.Minute)
		} else {
			m.Now = m.Now.Add(10 * time.Second)
		}
	}
	if fmt.Sprint(blocksAt) != "[9]" {
		t.Fatalf("Block Patron sent after wrong PINs %v, want [9]", blocksAt)
	}
	// Outside the window, old wrong PINs no longer count.
	o.BlockPatronAfter = 4
	m = welcome(o)
	for i := 1; i <= 3; i++ {
		m = wrongPIN(m)
		m, _ = run(m, in(InBack{}))
	}
	m.Now = m.Now.Add(o.BlockWindow + time.Minute)
	m, _ = run(m, append([]Event{in(InBack{}), EvScan{Text: []byte(testCPR)}}, keys("9999")...)...)
	m, effs := Step(m, EvAuth{Session: m.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "N"}})
	if count[EffBlockPatron](effs) != 0 {
		t.Fatal("wrong PINs older than BlockWindow counted towards Block Patron")
	}
}

// lockCard enters MaxWrongPINs wrong PINs for id on th at now.
func lockCard(t *testing.T, th *Throttle, id string, now time.Time) {
	t.Helper()
	for i := 0; i < th.opts.MaxWrongPINs; i++ {
		k := th.Key([]byte(id), now)
		if _, _, locked := th.Fail(&k, now); locked != (i == th.opts.MaxWrongPINs-1) {
			t.Fatalf("wrong PIN %d: locked = %v", i+1, locked)
		}
	}
	if err := th.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCardLockSurvivesRestart: a lock is kept in the state directory, in
// files only the kiosk's user can read that hold no card number, and a
// new run (a restart) still refuses the card until the lock is over.
func TestCardLockSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	o := testOpts()
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	th, err := OpenThrottle(o, dir, now)
	if err != nil {
		t.Fatal(err)
	}
	lockCard(t, th, testCPR, now)

	again, err := OpenThrottle(o, dir, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Locked(again.Key([]byte(testCPR), now.Add(time.Minute)), now.Add(time.Minute)) {
		t.Fatal("the lock was lost on restart")
	}
	if again.Locked(again.Key([]byte("0101700001"), now.Add(time.Minute)), now.Add(time.Minute)) {
		t.Fatal("another card is locked")
	}
	later := now.Add(o.LockFor + time.Second)
	if again.Locked(again.Key([]byte(testCPR), later), later) {
		t.Fatal("still locked after the lock period")
	}

	for _, name := range []string{throttleKeyFile, throttleLockFile} {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
		b, _ := os.ReadFile(p)
		for _, form := range []string{testCPR, testCPR[:6], hex.EncodeToString([]byte(testCPR)),
			base64.StdEncoding.EncodeToString([]byte(testCPR))} {
			if strings.Contains(string(b), form) {
				t.Errorf("%s holds the card number (%q)", name, form)
			}
		}
	}
	// Through the core: a restarted model refuses the card before a PIN.
	m := welcome(o)
	m.Now = now.Add(2 * time.Minute)
	m.Throttle, err = OpenThrottle(o, dir, m.Now)
	if err != nil {
		t.Fatal(err)
	}
	m, _ = run(m, EvScan{Text: []byte(testCPR)})
	if m.State != StateIdentify || m.Message.ID != MsgLoginCardLocked {
		t.Fatalf("after restart: state %v msg %q, want the card locked", m.State, m.Message.ID)
	}
}

// TestCardLockHoldsOverKeyRotation: the key changes at midnight (UTC), but a
// lock made a moment before still holds after it, also across a restart;
// two days on, the old key is gone from the state directory.
func TestCardLockHoldsOverKeyRotation(t *testing.T) {
	dir := t.TempDir()
	o := testOpts()
	before := time.Date(2026, 3, 4, 23, 59, 30, 0, time.UTC)
	th, err := OpenThrottle(o, dir, before)
	if err != nil {
		t.Fatal(err)
	}
	lockCard(t, th, testCPR, before)
	oldKey, _ := os.ReadFile(filepath.Join(dir, throttleKeyFile))

	after := before.Add(2 * time.Minute) // 00:01:30 the next day
	if !th.Locked(th.Key([]byte(testCPR), after), after) {
		t.Fatal("the lock did not hold over the key rotation")
	}
	restarted, err := OpenThrottle(o, dir, after)
	if err != nil {
		t.Fatal(err)
	}
	if !restarted.Locked(restarted.Key([]byte(testCPR), after), after) {
		t.Fatal("the lock did not hold over the key rotation and a restart")
	}
	newKey, _ := os.ReadFile(filepath.Join(dir, throttleKeyFile))
	if lines := strings.Count(string(newKey), "\n"); lines != 2 {
		t.Fatalf("key file has %d keys after rotation, want today's and yesterday's", lines)
	}
	if !strings.Contains(string(newKey), strings.TrimSpace(string(oldKey))) {
		t.Fatal("yesterday's key was not kept")
	}

	twoDays := before.Add(48 * time.Hour)
	gone, err := OpenThrottle(o, dir, twoDays)
	if err != nil {
		t.Fatal(err)
	}
	gone.Key([]byte("0101700001"), twoDays)
	b, _ := os.ReadFile(filepath.Join(dir, throttleKeyFile))
	if strings.Contains(string(b), strings.TrimSpace(string(oldKey))) {
		t.Fatal("a key two days old is still on disk")
	}
	if gone.Cards() != 0 {
		t.Fatalf("%d card entries two days on, want none", gone.Cards())
	}
}

// TestDamagedThrottleFilesStartEmpty: unreadable throttle files do not stop
// the kiosk; it says why and starts without locks.
func TestDamagedThrottleFilesStartEmpty(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{throttleKeyFile, throttleLockFile} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	th, err := OpenThrottle(testOpts(), dir, t0)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err = %v, want one saying the files are damaged", err)
	}
	if th == nil || th.Cards() != 0 {
		t.Fatal("no usable throttle")
	}
}

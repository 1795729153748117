package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// The kiosk feeds systemd's watchdog when it is the watched process, when
// its parent is (cage, the unit's main process), or when systemd names no
// process; it stays quiet for any other process and says why on bad input.
func TestWatchdogInterval(t *testing.T) {
	const pid, ppid, other = 4100, 4099, 77
	tests := []struct {
		name       string
		usec, wpid string
		want       time.Duration
		wantErr    bool
		notWatched bool
	}{
		{name: "no watchdog", want: 0},
		{name: "no watchdog, stray pid", wpid: "4100", want: 0},
		{name: "interval for any process", usec: "30000000", want: 30 * time.Second},
		{name: "own pid", usec: "30000000", wpid: "4100", want: 30 * time.Second},
		{name: "parent pid (cage)", usec: "30000000", wpid: "4099", want: 30 * time.Second},
		{name: "unrelated pid", usec: "30000000", wpid: strconv.Itoa(other), wantErr: true, notWatched: true},
		{name: "garbage interval", usec: "30s", wpid: "4100", wantErr: true},
		{name: "zero interval", usec: "0", wantErr: true},
		{name: "negative interval", usec: "-5", wantErr: true},
		{name: "overflowing interval", usec: "99999999999999999", wantErr: true},
		{name: "garbage pid", usec: "30000000", wpid: "cage", wantErr: true},
		{name: "zero pid", usec: "30000000", wpid: "0", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"WATCHDOG_USEC": tc.usec, "WATCHDOG_PID": tc.wpid}
			got, err := watchdogInterval(func(k string) string { return env[k] }, pid, ppid)
			if got != tc.want {
				t.Errorf("interval %v, want %v", got, tc.want)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want an error: %v", err, tc.wantErr)
			}
			if errors.Is(err, errNotWatched) != tc.notWatched {
				t.Errorf("error %v: errors.Is(errNotWatched) = %v, want %v", err, !tc.notWatched, tc.notWatched)
			}
		})
	}
}

// notify is a fake systemd: the datagrams sent to its NOTIFY_SOCKET.
func notify(t *testing.T) <-chan string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return msgs
}

// next returns the next message, or "" when none comes within d.
func next(msgs <-chan string, d time.Duration) string {
	select {
	case m := <-msgs:
		return m
	case <-time.After(d):
		return ""
	}
}

// Under cage the kiosk's parent is the watched process: the kiosk reports
// READY=1 and then pings, stops pinging while the core is stuck, starts
// again when it steps, and stops when the kiosk shuts down.
func TestNotifySystemdPingsForParent(t *testing.T) {
	msgs := notify(t)
	t.Setenv("WATCHDOG_USEC", "100000") // 100 ms: a ping every 50 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getppid()))
	var stuck atomic.Bool
	log, hook := logtest.NewNullLogger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	notifySystemd(ctx, log, func() bool { return !stuck.Load() })
	if m := next(msgs, time.Second); m != "READY=1" {
		t.Fatalf("first message %q, want READY=1", m)
	}
	if m := next(msgs, time.Second); m != "WATCHDOG=1" {
		t.Fatalf("no watchdog ping for the parent's watchdog (got %q)", m)
	}
	if e := hook.LastEntry(); e == nil || e.Level != logrus.InfoLevel {
		t.Errorf("no log line saying the pings are on: %v", e)
	}

	stuck.Store(true)
	time.Sleep(60 * time.Millisecond) // a ping already under way may still arrive
	for len(msgs) > 0 {
		<-msgs
	}
	if m := next(msgs, 300*time.Millisecond); m != "" {
		t.Fatalf("a stuck core still pings: %q", m)
	}
	if e := hook.LastEntry(); e == nil || e.Level != logrus.ErrorLevel {
		t.Errorf("a stuck core is not logged: %v", e)
	}

	stuck.Store(false)
	if m := next(msgs, time.Second); m != "WATCHDOG=1" {
		t.Fatalf("pings do not resume when the core steps again (got %q)", m)
	}

	cancel()
	time.Sleep(60 * time.Millisecond)
	for len(msgs) > 0 {
		<-msgs
	}
	if m := next(msgs, 300*time.Millisecond); m != "" {
		t.Fatalf("pings go on after shutdown: %q", m)
	}
}

// A watchdog meant for an unrelated process gets READY=1 but no pings, and
// the journal says why.
func TestNotifySystemdIgnoresOtherProcess(t *testing.T) {
	msgs := notify(t)
	t.Setenv("WATCHDOG_USEC", "100000")
	// PID 1 is not this test process, and not its parent unless go test
	// itself runs as pid 1 (checked).
	if os.Getppid() == 1 {
		t.Skip("the test binary is a child of pid 1")
	}
	t.Setenv("WATCHDOG_PID", "1")
	log, hook := logtest.NewNullLogger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	notifySystemd(ctx, log, func() bool { return true })
	if m := next(msgs, time.Second); m != "READY=1" {
		t.Fatalf("first message %q, want READY=1", m)
	}
	if m := next(msgs, 300*time.Millisecond); m != "" {
		t.Fatalf("pinged another process's watchdog: %q", m)
	}
	e := hook.LastEntry()
	if e == nil || e.Level != logrus.ErrorLevel {
		t.Fatalf("no error logged: %v", e)
	}
	if err, _ := e.Data[logrus.ErrorKey].(error); !errors.Is(err, errNotWatched) {
		t.Errorf("logged %v, want errNotWatched", e.Data[logrus.ErrorKey])
	}
}

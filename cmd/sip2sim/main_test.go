package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

func TestParseFlagsDefaultsToTCP6001(t *testing.T) {
	c, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.tcp != "127.0.0.1:6001" || c.tls != "" || c.https != "" {
		t.Errorf("default addresses: tcp %q tls %q https %q", c.tcp, c.tls, c.https)
	}
	c, err = parseFlags([]string{"-https", "127.0.0.1:0"}, &bytes.Buffer{})
	if err != nil || c.tcp != "" {
		t.Errorf("-https alone also opened tcp %q (%v)", c.tcp, err)
	}
}

func TestParseFlagsRejectsNonsense(t *testing.T) {
	bad := [][]string{
		{"-drop-reply-rate", "1.5"},
		{"-cert", "x.pem"},
		{"-fault-messages", "11,checkout"},
		{"stray"},
	}
	for _, args := range bad {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	c, err := parseFlags([]string{"-fault-messages", "11, 29", "-latency", "50ms", "-close-after-commit-rate", "0.2"}, &bytes.Buffer{})
	if err != nil || len(c.faults.Messages) != 2 || c.faults.Messages[1] != "29" || c.faults.CloseAfterCommitRate != 0.2 {
		t.Errorf("faults %+v (%v)", c.faults, err)
	}
}

func TestList(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-list"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "DK-799000 Demobiblioteket") || strings.Count(s, "\n  38") < 60 || !strings.Contains(s, "0101700001  PIN 1234") {
		t.Errorf("list output:\n%s", s)
	}
}

// TestRunStartsAndStops starts every listener with a generated certificate
// and shuts down when the context ends.
func TestRunStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, logs bytes.Buffer
	err := run(ctx, []string{"-tcp", "127.0.0.1:0", "-tls", "127.0.0.1:0", "-https", "127.0.0.1:0", "-offline"}, &out, &logs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "BEGIN CERTIFICATE") {
		t.Errorf("self-signed certificate not printed: %s", out.String())
	}
	for _, want := range []string{"over tcp", "over tls", "over https", "off line", "shutting down"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "1234") {
		t.Error("a PIN reached the log")
	}
}

func TestDataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lille.json")
	seed := `{"institution":{"id":"DK-123456","name":"Lille Bibliotek"},"terminals":[{"login":"a","password":"b"}],
		"patrons":[{"id":"0101700099","pin":"1111","name":"Test Testesen","group":"adult","synthetic":true}],
		"items":[{"id":"3811111111","title":"Bogen","media":"book"}]}`
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-data", path, "-list"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "DK-123456 Lille Bibliotek") || !strings.Contains(out.String(), "3811111111") {
		t.Errorf("list of the seed file:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"-data", filepath.Join(t.TempDir(), "missing.json")}, &out, &bytes.Buffer{}); err == nil {
		t.Error("missing seed file accepted")
	}
}

func TestParseFlagsConnFaults(t *testing.T) {
	c, err := parseFlags([]string{
		"-conn-faults", "2:answer-96=1,drop-reply=0.25; 3:none",
		"-conn-faults", "5:latency=50ms,jitter=10ms,slow-reply=0.5",
		"-piece-size", "3", "-fault-messages", "11",
	}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.connFaults.order; len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 5 {
		t.Fatalf("connections %v, want [2 3 5]", got)
	}
	f2 := c.connFaults.byN[2]
	if f2.Answer96Rate != 1 || f2.DropReplyRate != 0.25 || f2.CloseAfterCommitRate != 0 {
		t.Errorf("connection 2: %+v", f2)
	}
	if f3 := c.connFaults.byN[3]; f3.Answer96Rate != 0 || f3.DropReplyRate != 0 || f3.SlowReplyRate != 0 || f3.Latency != 0 {
		t.Errorf("connection 3 should have no faults: %+v", f3)
	}
	f5 := c.connFaults.byN[5]
	if f5.Latency != 50*time.Millisecond || f5.Jitter != 10*time.Millisecond || f5.SlowReplyRate != 0.5 {
		t.Errorf("connection 5: %+v", f5)
	}
	// The global slow-reply shape and message filter carry over.
	if f5.PieceSize != 3 || len(f5.Messages) != 1 || f5.Messages[0] != "11" {
		t.Errorf("connection 5 lacks -piece-size/-fault-messages: %+v", f5)
	}
	// The global faults stay untouched by -conn-faults.
	if c.faults.Answer96Rate != 0 || c.faults.DropReplyRate != 0 {
		t.Errorf("global faults changed: %+v", c.faults)
	}

	for _, bad := range []string{
		"answer-96=1",          // no connection number
		"0:answer-96=1",        // connections count from 1
		"x:answer-96=1",        // not a number
		"1:",                   // nothing after the colon
		"1:answer-96",          // no rate
		"1:answer-96=1.5",      // rate out of range
		"1:explode=0.5",        // unknown kind
		"1:none=1",             // none takes no rate
		"1:latency=soon",       // not a duration
		"1:answer-96=1;1:none", // the same connection twice
	} {
		if _, err := parseFlags([]string{"-conn-faults", bad}, &bytes.Buffer{}); err == nil {
			t.Errorf("-conn-faults %q accepted", bad)
		}
	}
}

// TestConnFaultsReachTheServer runs the simulator with the first connection
// answering 96 to everything and checks that only that connection does.
func TestConnFaultsReachTheServer(t *testing.T) {
	// A free port: run does not report the address it listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-tcp", addr, "-no-login", "-conn-faults", "1:answer-96=1"}, &bytes.Buffer{}, &logs)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	status := func() string {
		t.Helper()
		var nc net.Conn
		deadline := time.Now().Add(10 * time.Second)
		for {
			nc, err = net.Dial("tcp", addr)
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := sip2.WriteFrame(nc, []byte("9900302.00")); err != nil {
			t.Fatal(err)
		}
		f, err := sip2.NewFrameReader(nc, 0).ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		return string(f)
	}
	if got := status(); got != string(sip2.MsgRequestSCResend) {
		t.Errorf("connection 1 answered %q, want 96", got)
	}
	if got := status(); !strings.HasPrefix(got, string(sip2.MsgACSStatus)) {
		t.Errorf("connection 2 answered %q, want a 98", got)
	}
	if !strings.Contains(logs.String(), "faults of connection 1: "+acs.Faults{Answer96Rate: 1}.String()) {
		t.Errorf("log lacks the connection's faults:\n%s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer that the simulator's logger and the test may
// use at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

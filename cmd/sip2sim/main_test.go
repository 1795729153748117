package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

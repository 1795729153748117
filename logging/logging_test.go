package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// Canary values: synthetic test data, not real persons. 010170-9999 is a
// made-up CPR (1 January 1970, serial 9999).
const (
	canaryCPR  = "0101709999"
	canaryPIN  = "4711"
	canaryName = "Canary Testperson"
)

func TestRedactHookMasksCanaries(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "debug")
	if err != nil {
		t.Fatal(err)
	}
	sip := "2300920261124    101500AODK-799000|AA" + canaryCPR + "|AC|AD" + canaryPIN + "|"
	resp := "24              00920261124    101501AODK-799000|AA" + canaryCPR + "|AE" + canaryName + "|BLY|CQY|"
	log.Infof("sent %s", sip)
	log.WithField("raw", resp).Info("received")
	log.WithField("pin", canaryPIN).Warn("field by name")
	log.WithField("name", canaryName).Warn("field by name")
	log.WithError(errors.New("sip2: patron 010170-9999 refused")).Error("checkout")
	log.Debugf("login 9300CNkiosk|COsecret-pass|CPhall|")
	log.Debugf(`<ns1:sip login="kiosk" password="secret-pass"><request>x</request></ns1:sip>`)
	log.Infof("cpr with space 010170 9999 and plain %s.", canaryCPR)

	out := buf.String()
	for _, canary := range []string{canaryCPR, "010170-9999", "010170 9999", canaryPIN, canaryName, "secret-pass"} {
		if strings.Contains(out, canary) {
			t.Errorf("log output contains %q:\n%s", canary, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 8 {
		t.Errorf("want 8 JSON lines, got %d", n)
	}
	if !strings.Contains(out, `"level":"info"`) {
		t.Errorf("output is not logrus JSON: %s", out)
	}
}

func TestRedactKeepsItemIDs(t *testing.T) {
	cases := map[string]string{
		// Item barcodes of 10 digits that cannot be a date stay readable.
		"checkout of item 3274626533 ok": "checkout of item 3274626533 ok",
		// Longer barcodes are not CPR numbers.
		"item 5012345678901": "item 5012345678901",
		// An empty AC is not masked (nothing to hide) and AO is not personal.
		"AODK-799000|AC|":                 "AODK-799000|AC|",
		"AB3274626533|AJHelbred dit liv|": "AB3274626533|AJHelbred dit liv|",
		// A CPR-shaped value is masked wherever it appears.
		"x 3112999999 y": "x " + Mask + " y",
		"AA0101709999|":  "AA" + Mask + "|",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// The first variable field follows the fixed part without a "|": it is
// masked there too, while ordinary words in log text stay readable.
func TestRedactFirstFieldAfterFixedPart(t *testing.T) {
	cases := map[string]string{
		"9300COsecret|CNkiosk|":                                  "9300CO" + Mask + "|CNkiosk|",
		"sip2: -> 9300CNkiosk|COsecret|":                         "sip2: -> 9300CNkiosk|CO" + Mask + "|",
		"24              00120261130    101501AESyntetisk Navn|": "24              00120261130    101501AE" + Mask + "|",
		"63000202611301015010          AA0101700001|ADkode|":     "63000202611301015010          AA" + Mask + "|AD" + Mask + "|",
		"kiosk: ACS is offline, AC and CO unchanged":             "kiosk: ACS is offline, AC and CO unchanged",
		"rfid: ADVARSEL reader gone":                             "rfid: ADVARSEL reader gone",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBadLevel(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, "chatty"); err == nil {
		t.Fatal("want an error for an unknown level")
	}
}

func TestOrDiscard(t *testing.T) {
	if OrDiscard(nil) == nil {
		t.Fatal("OrDiscard(nil) is nil: callers would panic on the first log line")
	}
	OrDiscard(nil).Error("written nowhere")
	l, _ := New(io.Discard, "info")
	if got := OrDiscard(l); got != l {
		t.Fatal("OrDiscard replaced a logger it was given")
	}
}

func TestEventName(t *testing.T) {
	for msg, want := range map[string]string{
		"session ended":    "session_ended",
		"item needs staff": "item_needs_staff",
		"kiosk: clock trusted = false after the 98's":       "kiosk_clock_trusted",
		"journal: item information failed; entry kept":      "journal_item_information_failed",
		"kiosk: cannot start, trying again in 20s":          "kiosk_cannot_start",
		"sip2: 11 timed out; resending the identical bytes": "sip2_timed_out",
		"": "log",
	} {
		if got := EventName(msg); got != want {
			t.Errorf("EventName(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestFieldsHookAddsKioskAndEvent(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(&buf, "info")
	if err != nil {
		t.Fatal(err)
	}
	l.AddHook(NewFieldsHook("kiosk-7"))
	l.Info("session ended")
	l.WithField(FieldEvent, "own_name").WithField(FieldKiosk, "other").Info("something else")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	for i, want := range []map[string]string{
		{"event": "session_ended", "kiosk": "kiosk-7"},
		{"event": "own_name", "kiosk": "other"},
	} {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("line %d: %s = %v, want %q (%s)", i, k, got[k], v, lines[i])
			}
		}
	}
}

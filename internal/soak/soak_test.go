package soak

import (
	"bytes"
	"strings"
	"testing"

	"github.com/danbib/kiosk/cmd/kiosk/scenario"
)

// The scenario follows the seed exactly, is valid scenario syntax, samples
// before the first session and every Every sessions, mixes every kind, and
// never returns an item it did not lend or lends one twice.
func TestGenerate(t *testing.T) {
	o := Options{Seed: 7, Sessions: 500, Every: 50, IdleTimeoutSeconds: 15}
	var a, b bytes.Buffer
	counts, err := Generate(&a, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(&b, o); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("the same seed gave two scenarios")
	}
	var c bytes.Buffer
	o.Seed = 8
	if _, err := Generate(&c, o); err != nil || c.String() == a.String() {
		t.Fatalf("another seed gave the same scenario (err %v)", err)
	}
	if _, err := scenario.Parse(strings.NewReader(a.String())); err != nil {
		t.Fatalf("the scenario does not parse: %v", err)
	}
	total := 0
	for _, k := range []string{KindLoan, KindReturn, KindRenew, KindAccount, KindWrongPIN, KindIdle} {
		if counts[k] == 0 {
			t.Errorf("no %s session in 500", k)
		}
		total += counts[k]
	}
	if total != 500 {
		t.Errorf("%d sessions, want 500", total)
	}
	var samples []string
	onLoan := map[string]bool{}
	inReturn := false
	for _, line := range strings.Split(a.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "memstats "):
			samples = append(samples, strings.TrimPrefix(line, "memstats "))
		case strings.HasPrefix(line, "# session "):
			inReturn = strings.HasSuffix(line, ": "+KindReturn)
		case strings.HasPrefix(line, "place "):
			item := strings.Fields(line)[1]
			if inReturn {
				if !onLoan[item] {
					t.Fatalf("item %s returned without being lent", item)
				}
				delete(onLoan, item)
			} else {
				if onLoan[item] {
					t.Fatalf("item %s lent twice", item)
				}
				onLoan[item] = true
			}
		}
	}
	want := []string{"0", "50", "100", "150", "200", "250", "300", "350", "400", "450", "500"}
	if strings.Join(samples, ",") != strings.Join(want, ",") {
		t.Fatalf("samples at %v, want %v", samples, want)
	}
	if _, err := Generate(&c, Options{Sessions: 0, Every: 1}); err == nil {
		t.Fatal("no error for zero sessions")
	}
}

func TestReadSamplesAndCheck(t *testing.T) {
	const mb = 1 << 20
	file := scenario.StatsHeader + "\n" +
		"0\t200000000\t20000000\t19\t14\n" +
		"50\t210000000\t30000000\t23\t16\n" +
		"500\t215000000\t33000000\t23\t16\n"
	samples, err := ReadSamples(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 3 || samples[2].Session != 500 || samples[1].HeapAfterGC != 30000000 || samples[2].Threads != 16 {
		t.Fatalf("samples = %+v", samples)
	}
	l := DefaultLimits()
	if err := Check(samples, l); err != nil {
		t.Fatalf("a flat run failed: %v", err)
	}
	// The heap limit: 3 MB of growth passes, 6 MB fails.
	grown := append([]Sample(nil), samples...)
	grown[2].HeapAfterGC = samples[1].HeapAfterGC + 6*mb
	if err := Check(grown, l); err == nil || !strings.Contains(err.Error(), "heap after GC grew") {
		t.Fatalf("6 MB of heap growth: %v", err)
	}
	// The RSS limit: 10 % from session 50, not from session 0.
	grown = append([]Sample(nil), samples...)
	grown[2].RSS = samples[1].RSS * 112 / 100
	if err := Check(grown, l); err == nil || !strings.Contains(err.Error(), "RSS grew") {
		t.Fatalf("12 %% RSS growth: %v", err)
	}
	// Too short a run fails even when flat.
	if err := Check(samples[:2], l); err == nil {
		t.Fatal("a run without samples after the baseline passed")
	}
	l.MinSessions = 1000
	if err := Check(samples, l); err == nil || !strings.Contains(err.Error(), "only 500 sessions") {
		t.Fatalf("500 of 1000 sessions: %v", err)
	}
	var table bytes.Buffer
	Table(&table, samples, DefaultLimits())
	if !strings.Contains(table.String(), "+2.4%") || !strings.Contains(table.String(), "+2.86 MB") {
		t.Fatalf("table:\n%s", table.String())
	}
	if _, err := ReadSamples(strings.NewReader(scenario.StatsHeader + "\nx\t1\t2\t3\t4\n")); err == nil {
		t.Fatal("a bad label was read")
	}
}

package printer_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
)

func job(text string) []byte {
	b := escpos.NewBuilder(escpos.DefaultOptions())
	b.Initialize().Line(text).Cut(escpos.CutPartial, 3)
	p, _ := b.Bytes()
	return p
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]printer.Policy{
		"ask": printer.PolicyAsk, "Always": printer.PolicyAlways, "never": printer.PolicyNever,
		"timeout": printer.PolicyOnTimeout, "print-on-timeout": printer.PolicyOnTimeout, "": printer.PolicyAsk,
	} {
		got, err := printer.ParsePolicy(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := printer.ParsePolicy("sometimes"); err == nil {
		t.Error("unknown policy accepted")
	}
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	type step func(s *printer.Spooler) (printer.Outcome, error)
	submit := func(s *printer.Spooler) (printer.Outcome, error) { return s.Submit(ctx, "A", job("kvittering A")) }
	yes := func(s *printer.Spooler) (printer.Outcome, error) { return s.Answer(ctx, "A", true) }
	no := func(s *printer.Spooler) (printer.Outcome, error) { return s.Answer(ctx, "A", false) }
	timeout := func(s *printer.Spooler) (printer.Outcome, error) { return s.Timeout(ctx, "A") }
	cases := []struct {
		name    string
		policy  printer.Policy
		steps   []step
		want    []printer.Outcome
		printed int
	}{
		{"always prints at once", printer.PolicyAlways, []step{submit}, []printer.Outcome{printer.Printed}, 1},
		{"never discards", printer.PolicyNever, []step{submit}, []printer.Outcome{printer.Discarded}, 0},
		{"ask then yes", printer.PolicyAsk, []step{submit, yes}, []printer.Outcome{printer.Pending, printer.Printed}, 1},
		{"ask then no", printer.PolicyAsk, []step{submit, no}, []printer.Outcome{printer.Pending, printer.Discarded}, 0},
		{"ask then timeout discards", printer.PolicyAsk, []step{submit, timeout}, []printer.Outcome{printer.Pending, printer.Discarded}, 0},
		{"timeout policy prints on timeout", printer.PolicyOnTimeout, []step{submit, timeout}, []printer.Outcome{printer.Pending, printer.Printed}, 1},
		{"timeout policy honours no", printer.PolicyOnTimeout, []step{submit, no, timeout}, []printer.Outcome{printer.Pending, printer.Discarded, printer.Discarded}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vp := printertest.New(0)
			s := printer.NewSpooler(vp, c.policy, nil)
			for i, st := range c.steps {
				got, _ := st(s)
				if got != c.want[i] {
					t.Errorf("step %d: %v, want %v", i, got, c.want[i])
				}
			}
			if vp.Count() != c.printed {
				t.Errorf("printed %d jobs, want %d", vp.Count(), c.printed)
			}
		})
	}
}

// TestSessionEndDiscards: a receipt held for patron A is gone when A's
// session ends, so a late "yes" or timeout prints nothing for patron B.
func TestSessionEndDiscards(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	s := printer.NewSpooler(vp, printer.PolicyOnTimeout, nil)
	if _, err := s.Submit(ctx, "A", job("patron A")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "A", job("patron A again")); err != nil {
		t.Fatal(err)
	}
	if n := s.Discard("A"); n != 2 {
		t.Errorf("discarded %d, want 2", n)
	}
	if _, err := s.Submit(ctx, "B", job("patron B")); err != nil {
		t.Fatal(err)
	}
	if o, err := s.Answer(ctx, "A", true); !errors.Is(err, printer.ErrNoJob) || o != printer.Discarded {
		t.Errorf("late answer for A: %v %v", o, err)
	}
	if o, err := s.Timeout(ctx, "A"); !errors.Is(err, printer.ErrNoJob) || o != printer.Discarded {
		t.Errorf("late timeout for A: %v %v", o, err)
	}
	if o, err := s.Answer(ctx, "B", true); err != nil || o != printer.Printed {
		t.Fatalf("B: %v %v", o, err)
	}
	if vp.Count() != 1 {
		t.Fatalf("%d jobs printed, want only B's", vp.Count())
	}
	txt, _ := vp.Text(0)
	if txt != "patron B\n--- cut ---\n" {
		t.Errorf("printed %q", txt)
	}
	if s.Pending("A")+s.Pending("B") != 0 {
		t.Error("jobs left pending")
	}
}

// TestFailedJobNeverReprinted: a jam mid-receipt is reported and the job is
// gone; clearing the jam prints nothing.
func TestFailedJobNeverReprinted(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	s := printer.NewSpooler(vp, printer.PolicyAsk, nil)
	vp.JamAfter(5)
	s.Submit(ctx, "A", job("patron A receipt"))
	o, err := s.Answer(ctx, "A", true)
	if o != printer.Failed || !errors.Is(err, printer.ErrIncomplete) || !errors.Is(err, printertest.ErrJam) {
		t.Fatalf("jam: %v %v", o, err)
	}
	st, _ := vp.Status(ctx)
	if st.CanPrint() || st.State() != printer.StateError {
		t.Errorf("jammed printer status %v", st)
	}
	vp.ClearJam()
	if s.Pending("A") != 0 {
		t.Error("failed job still pending")
	}
	if _, err := s.Answer(ctx, "A", true); !errors.Is(err, printer.ErrNoJob) {
		t.Errorf("second answer: %v", err)
	}
	if vp.Count() != 1 || vp.Jobs()[0].Complete {
		t.Errorf("jobs %+v", vp.Jobs())
	}
}

func TestSpoolerConcurrentSessions(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	s := printer.NewSpooler(vp, printer.PolicyAsk, nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := string(rune('a' + i))
			s.Submit(ctx, id, job(id))
			if i%2 == 0 {
				s.Answer(ctx, id, true)
			} else {
				s.Discard(id)
			}
		}(i)
	}
	wg.Wait()
	if vp.Count() != 10 {
		t.Errorf("printed %d, want 10", vp.Count())
	}
}

func TestPaperOutRefusesJob(t *testing.T) {
	ctx := context.Background()
	vp := printertest.New(0)
	vp.SetPaper(escpos.PaperOut)
	s := printer.NewSpooler(vp, printer.PolicyAlways, nil)
	o, err := s.Submit(ctx, "A", job("x"))
	if o != printer.Failed || !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("paper out: %v %v", o, err)
	}
	vp.SetPaper(escpos.PaperOK)
	if vp.Count() != 0 {
		t.Error("job printed after paper was refilled")
	}
}

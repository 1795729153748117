package printer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/logging"
)

// Policy says when a receipt prints.
type Policy int

// Receipt policies.
const (
	// PolicyAsk holds the job until the patron answers; no answer
	// discards it.
	PolicyAsk Policy = iota
	// PolicyAlways prints at once.
	PolicyAlways
	// PolicyNever never prints (the screen QR code remains).
	PolicyNever
	// PolicyOnTimeout asks, and prints when the question times out
	// unanswered (for patrons who walk off expecting a receipt).
	PolicyOnTimeout
)

func (p Policy) String() string {
	switch p {
	case PolicyAsk:
		return "ask"
	case PolicyAlways:
		return "always"
	case PolicyNever:
		return "never"
	case PolicyOnTimeout:
		return "timeout"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy reads "ask", "always", "never" or "timeout" (also
// "print-on-timeout").
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ask", "":
		return PolicyAsk, nil
	case "always":
		return PolicyAlways, nil
	case "never":
		return PolicyNever, nil
	case "timeout", "on-timeout", "print-on-timeout":
		return PolicyOnTimeout, nil
	}
	return PolicyAsk, fmt.Errorf("printer: policy %q: use ask, always, never or timeout", s)
}

// Outcome is what happened to a job.
type Outcome int

// Job outcomes.
const (
	Pending   Outcome = iota // held until the patron answers
	Printed                  // sent to the printer
	Discarded                // dropped: declined, policy never, or session ended
	Failed                   // the printer failed; see the error
)

func (o Outcome) String() string {
	return [...]string{"pending", "printed", "discarded", "failed"}[o]
}

// ErrNoJob means there is no pending job for the session (it was printed,
// discarded, or its session ended).
var ErrNoJob = errors.New("printer: no pending job for session")

// Spooler holds print jobs per patron session and applies the policy. A
// job prints only while its session is live: Discard at session end drops
// everything pending, so nothing prints for the next patron, and a failed
// job is never retried later.
type Spooler struct {
	p      Printer
	policy Policy
	log    logrus.FieldLogger

	mu   sync.Mutex
	jobs map[string][][]byte // session id → pending jobs

	printMu sync.Mutex // one job on the printer at a time
}

// NewSpooler returns a spooler printing to p under policy.
func NewSpooler(p Printer, policy Policy, log logrus.FieldLogger) *Spooler {
	log = logging.OrDiscard(log)
	return &Spooler{p: p, policy: policy, log: log.WithField("component", "spooler"), jobs: map[string][][]byte{}}
}

// Policy returns the spooler's policy.
func (s *Spooler) Policy() Policy { return s.policy }

// Submit hands over the job of a session. Always prints now, never
// discards, ask and timeout hold it (Pending) for Answer or Timeout.
func (s *Spooler) Submit(ctx context.Context, session string, job []byte) (Outcome, error) {
	switch s.policy {
	case PolicyAlways:
		return s.print(ctx, job)
	case PolicyNever:
		return Discarded, nil
	}
	s.mu.Lock()
	s.jobs[session] = append(s.jobs[session], append([]byte(nil), job...))
	s.mu.Unlock()
	return Pending, nil
}

// Answer is the patron's reply to "print a receipt?": yes prints the
// session's pending jobs, no discards them.
func (s *Spooler) Answer(ctx context.Context, session string, yes bool) (Outcome, error) {
	jobs := s.take(session)
	if len(jobs) == 0 {
		return Discarded, ErrNoJob
	}
	if !yes {
		return Discarded, nil
	}
	return s.printAll(ctx, jobs)
}

// Timeout is called when the question went unanswered: the timeout policy
// prints, the others discard.
func (s *Spooler) Timeout(ctx context.Context, session string) (Outcome, error) {
	jobs := s.take(session)
	if len(jobs) == 0 {
		return Discarded, ErrNoJob
	}
	if s.policy != PolicyOnTimeout {
		return Discarded, nil
	}
	return s.printAll(ctx, jobs)
}

// Discard drops every pending job of the session and returns how many. The
// kiosk calls it when a session ends, however it ends.
func (s *Spooler) Discard(session string) int {
	n := len(s.take(session))
	if n > 0 {
		s.log.WithField("jobs", n).Info("discarded pending receipts at session end")
	}
	return n
}

// Pending returns the number of jobs held for the session.
func (s *Spooler) Pending(session string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs[session])
}

func (s *Spooler) take(session string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	jobs := s.jobs[session]
	delete(s.jobs, session)
	return jobs
}

func (s *Spooler) printAll(ctx context.Context, jobs [][]byte) (Outcome, error) {
	for _, j := range jobs {
		if o, err := s.print(ctx, j); err != nil {
			return o, err
		}
	}
	return Printed, nil
}

func (s *Spooler) print(ctx context.Context, job []byte) (Outcome, error) {
	s.printMu.Lock()
	defer s.printMu.Unlock()
	if err := ctx.Err(); err != nil {
		return Discarded, err
	}
	if err := s.p.Print(ctx, job); err != nil {
		s.log.WithError(err).Warn("receipt not printed")
		return Failed, err
	}
	return Printed, nil
}

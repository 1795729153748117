package acs

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/danbib/kiosk/sip2"
)

// FaultKind is one misbehaviour the server can show for a request.
type FaultKind int

// The faults. "Commit" means the library executed the request (a checkout
// is then recorded even though the kiosk may never learn it).
const (
	FaultNone FaultKind = iota
	// FaultAnswer96 answers 96 ("resend") without executing the request.
	FaultAnswer96
	// FaultCloseBeforeCommit closes the connection before executing.
	FaultCloseBeforeCommit
	// FaultDropReply executes the request and never answers; the
	// connection stays open (HTTP: the request hangs until the client
	// gives up).
	FaultDropReply
	// FaultCloseAfterCommit executes the request, then closes the
	// connection without answering.
	FaultCloseAfterCommit
	// FaultCorruptChecksum answers with a wrong AZ (one is added when the
	// request had none).
	FaultCorruptChecksum
	// FaultWrongSequence answers with another AY than the request's.
	FaultWrongSequence
	// FaultSlowReply sends the answer in small pieces with delays.
	FaultSlowReply
)

var faultNames = map[FaultKind]string{
	FaultNone:              "none",
	FaultAnswer96:          "answer-96",
	FaultCloseBeforeCommit: "close-before-commit",
	FaultDropReply:         "drop-reply",
	FaultCloseAfterCommit:  "close-after-commit",
	FaultCorruptChecksum:   "corrupt-checksum",
	FaultWrongSequence:     "wrong-sequence",
	FaultSlowReply:         "slow-reply",
}

// String returns the fault's name as used on the command line.
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return fmt.Sprintf("fault(%d)", int(k))
}

// ParseFaultKind parses a fault name as printed by String.
func ParseFaultKind(s string) (FaultKind, error) {
	for k, n := range faultNames {
		if n == s {
			return k, nil
		}
	}
	return FaultNone, fmt.Errorf("acs: unknown fault %q", s)
}

// Faults configures random misbehaviour. Rates are probabilities per
// request (0 = never, 1 = always); at most one fault hits a request, tried
// in the order of the FaultKind constants.
type Faults struct {
	// Latency delays every answer; Jitter adds a uniform random extra of up
	// to Jitter.
	Latency time.Duration
	Jitter  time.Duration

	Answer96Rate          float64
	CloseBeforeCommitRate float64
	DropReplyRate         float64
	CloseAfterCommitRate  float64
	CorruptChecksumRate   float64
	WrongSequenceRate     float64
	SlowReplyRate         float64

	// PieceSize and PieceDelay shape slow replies; defaults 8 bytes and
	// 5 ms.
	PieceSize  int
	PieceDelay time.Duration

	// Messages restricts the faults (latency included) to these request
	// codes, e.g. {"11", "29"}; empty means every request.
	Messages []sip2.Code
}

func (f Faults) applies(code sip2.Code) bool {
	return len(f.Messages) == 0 || slices.Contains(f.Messages, code)
}

func (f Faults) pick(r *rand.Rand) FaultKind {
	rates := []struct {
		k FaultKind
		p float64
	}{
		{FaultAnswer96, f.Answer96Rate},
		{FaultCloseBeforeCommit, f.CloseBeforeCommitRate},
		{FaultDropReply, f.DropReplyRate},
		{FaultCloseAfterCommit, f.CloseAfterCommitRate},
		{FaultCorruptChecksum, f.CorruptChecksumRate},
		{FaultWrongSequence, f.WrongSequenceRate},
		{FaultSlowReply, f.SlowReplyRate},
	}
	for _, x := range rates {
		if x.p > 0 && r.Float64() < x.p {
			return x.k
		}
	}
	return FaultNone
}

func (f Faults) delay(r *rand.Rand) time.Duration {
	d := f.Latency
	if f.Jitter > 0 {
		d += time.Duration(r.Int64N(int64(f.Jitter) + 1))
	}
	return d
}

func (f Faults) pieces() (int, time.Duration) {
	n, d := f.PieceSize, f.PieceDelay
	if n <= 0 {
		n = 8
	}
	if d <= 0 {
		d = 5 * time.Millisecond
	}
	return n, d
}

// String summarises the active faults for logs.
func (f Faults) String() string {
	var parts []string
	if f.Latency > 0 || f.Jitter > 0 {
		parts = append(parts, fmt.Sprintf("latency=%v±%v", f.Latency, f.Jitter))
	}
	add := func(name string, p float64) {
		if p > 0 {
			parts = append(parts, fmt.Sprintf("%s=%.2f", name, p))
		}
	}
	add("answer-96", f.Answer96Rate)
	add("close-before-commit", f.CloseBeforeCommitRate)
	add("drop-reply", f.DropReplyRate)
	add("close-after-commit", f.CloseAfterCommitRate)
	add("corrupt-checksum", f.CorruptChecksumRate)
	add("wrong-sequence", f.WrongSequenceRate)
	add("slow-reply", f.SlowReplyRate)
	if len(f.Messages) > 0 {
		var ms []string
		for _, m := range f.Messages {
			ms = append(ms, string(m))
		}
		parts = append(parts, "messages="+strings.Join(ms, ","))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

type oneShot struct {
	kind FaultKind
	code sip2.Code
}

package rfidtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/usb/usbio"
)

// A transcript is a text file of steps, one per line:
//
//	# Inventory, one tag             a comment naming the next steps
//	> 07 FF B0 01 00 1C 56           bytes the host writes
//	< 11 00 B0 00 01 03 00 E0 …      bytes the reader answers (one Read each)
//	! disconnected                   the next Read or Write fails (or: timeout, stall, nodevice)
//
// Blank lines are ignored. Hex bytes may be separated by spaces or not.

type stepKind byte

const (
	stepWrite stepKind = '>'
	stepRead  stepKind = '<'
	stepError stepKind = '!'
)

type step struct {
	kind    stepKind
	data    []byte
	err     error
	comment string
	line    int
}

var transcriptErrors = map[string]error{
	"disconnected": usbio.ErrDisconnected,
	"timeout":      usbio.ErrTimeout,
	"stall":        usbio.ErrStall,
	"nodevice":     usbio.ErrNoDevice,
}

// parseTranscript reads a transcript.
func parseTranscript(r io.Reader) ([]step, error) {
	var (
		steps   []step
		comment string
		lineNo  int
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		kind, rest := stepKind(line[0]), strings.TrimSpace(line[1:])
		switch kind {
		case '#':
			comment = rest
			continue
		case stepWrite, stepRead:
			b, err := hex.DecodeString(strings.ReplaceAll(rest, " ", ""))
			if err != nil {
				return nil, fmt.Errorf("rfidtest: transcript line %d: %w", lineNo, err)
			}
			steps = append(steps, step{kind: kind, data: b, comment: comment, line: lineNo})
		case stepError:
			e, ok := transcriptErrors[rest]
			if !ok {
				return nil, fmt.Errorf("rfidtest: transcript line %d: unknown error %q", lineNo, rest)
			}
			steps = append(steps, step{kind: kind, err: e, comment: comment, line: lineNo})
		default:
			return nil, fmt.Errorf("rfidtest: transcript line %d: line must start with '#', '>', '<' or '!' (got %q)", lineNo, line[:1])
		}
	}
	return steps, sc.Err()
}

// Playback is a transport that replays a transcript: every Write must match
// the next '>' step byte for byte, and Read returns the next '<' step. A
// mismatch fails the test through tb (no panic); Close fails it when steps
// are left over.
type Playback struct {
	tb    testing.TB
	name  string
	mu    sync.Mutex
	steps []step
	pos   int
}

var _ feig.Transport = (*Playback)(nil)

// NewPlayback replays the steps of transcript r.
func NewPlayback(tb testing.TB, name string, r io.Reader) *Playback {
	tb.Helper()
	steps, err := parseTranscript(r)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return &Playback{tb: tb, name: name, steps: steps}
}

// LoadPlayback replays the transcript file at path (usually under testdata/).
func LoadPlayback(tb testing.TB, path string) *Playback {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return NewPlayback(tb, path, bytes.NewReader(b))
}

var errPlayback = errors.New("rfidtest: playback mismatch")

func (p *Playback) next(want stepKind) (step, error) {
	if p.pos >= len(p.steps) {
		p.tb.Errorf("%s: unexpected %c after the last step", p.name, want)
		return step{}, errPlayback
	}
	s := p.steps[p.pos]
	if s.kind == stepError {
		p.pos++
		return s, s.err
	}
	if s.kind != want {
		p.tb.Errorf("%s line %d (%s): transcript has %c, host did %c", p.name, s.line, s.comment, s.kind, want)
		return s, errPlayback
	}
	p.pos++
	return s, nil
}

// Write checks b against the next '>' step.
func (p *Playback) Write(ctx context.Context, b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.next(stepWrite)
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(s.data, b) {
		p.tb.Errorf("%s line %d (%s):\n host wrote % X\n transcript % X", p.name, s.line, s.comment, b, s.data)
		return 0, errPlayback
	}
	return len(b), nil
}

// Read returns the next '<' step.
func (p *Playback) Read(ctx context.Context, b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.next(stepRead)
	if err != nil {
		return 0, err
	}
	if len(s.data) > len(b) {
		// Keep the rest for the next Read, as a stream would.
		n := copy(b, s.data)
		p.pos--
		p.steps[p.pos].data = s.data[n:]
		return n, nil
	}
	return copy(b, s.data), nil
}

// Close fails the test if steps were not played.
func (p *Playback) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pos < len(p.steps) {
		s := p.steps[p.pos]
		p.tb.Errorf("%s: %d steps left, next at line %d (%s)", p.name, len(p.steps)-p.pos, s.line, s.comment)
	}
	return nil
}

// Recorder wraps a transport and writes a transcript of the traffic, for
// capturing a real reader's answers (kioskctl) and turning them into tests.
type Recorder struct {
	t  feig.Transport
	mu sync.Mutex
	w  io.Writer
}

var _ feig.Transport = (*Recorder)(nil)

// NewRecorder records the traffic of t to w.
func NewRecorder(t feig.Transport, w io.Writer) *Recorder { return &Recorder{t: t, w: w} }

// Comment writes a comment line naming the next steps.
func (r *Recorder) Comment(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "# %s\n", strings.ReplaceAll(s, "\n", " "))
}

func (r *Recorder) line(kind stepKind, b []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(b) > 0 {
		fmt.Fprintf(r.w, "%c % X\n", kind, b)
	}
	if err != nil {
		for name, e := range transcriptErrors {
			if errors.Is(err, e) {
				fmt.Fprintf(r.w, "! %s\n", name)
				return
			}
		}
		fmt.Fprintf(r.w, "# error: %v\n", err)
	}
}

// Write forwards b and records it.
func (r *Recorder) Write(ctx context.Context, b []byte) (int, error) {
	n, err := r.t.Write(ctx, b)
	r.line(stepWrite, b[:n], err)
	return n, err
}

// Read forwards and records what arrived.
func (r *Recorder) Read(ctx context.Context, b []byte) (int, error) {
	n, err := r.t.Read(ctx, b)
	r.line(stepRead, b[:n], err)
	return n, err
}

// Close closes the wrapped transport.
func (r *Recorder) Close() error { return r.t.Close() }

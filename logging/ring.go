package logging

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// Ring keeps the last lines the logger wrote, for the technician's log page
// on the kiosk's screen. Add it to the logger after the redaction hook (New
// adds that first), so it only ever holds redacted lines.
type Ring struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
}

// NewRing keeps the last n lines.
func NewRing(n int) *Ring { return &Ring{lines: make([]string, n)} }

// Levels reports that every level is kept.
func (*Ring) Levels() []logrus.Level { return logrus.AllLevels }

// Fire keeps one formatted line: time, level, message and fields.
func (r *Ring) Fire(e *logrus.Entry) error {
	var b strings.Builder
	b.WriteString(e.Time.Format("15:04:05"))
	b.WriteString(" ")
	b.WriteString(strings.ToUpper(e.Level.String()[:4]))
	b.WriteString(" ")
	b.WriteString(e.Message)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, e.Data[k])
	}
	r.mu.Lock()
	r.lines[r.next] = b.String()
	r.next = (r.next + 1) % len(r.lines)
	if r.next == 0 {
		r.full = true
	}
	r.mu.Unlock()
	return nil
}

// Lines returns the kept lines, newest first.
func (r *Ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.lines)
	}
	out := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.lines[(r.next-i+len(r.lines))%len(r.lines)])
	}
	return out
}

package scanner

import (
	"sync"
	"time"
)

// WedgeOptions configure the keystroke wedge.
type WedgeOptions struct {
	// MaxGap is the longest pause between two keys of one scan (default
	// 50 ms). Scanners type a character every few milliseconds; people need
	// 100 ms or more per key.
	MaxGap time.Duration
	// MinLength is the fewest characters a scan has (default 4), so a
	// couple of quick keystrokes are not taken for a scan.
	MinLength int
	// MaxLength drops a burst longer than this many characters (default 512).
	MaxLength int
}

// DefaultWedgeOptions returns the defaults documented on WedgeOptions.
func DefaultWedgeOptions() WedgeOptions {
	return WedgeOptions{MaxGap: 50 * time.Millisecond, MinLength: 4, MaxLength: 512}
}

// Wedge recognises scans among keystrokes the UI receives when no scanner is
// read directly (the scanner types like a keyboard). Keys that follow each
// other within MaxGap form a burst; a burst of at least MinLength characters
// ended by Enter (also within MaxGap) is a scan. Slower keys are typing and
// never form a scan. The caller passes each key's time, so tests need no
// clock. It is safe for concurrent use.
type Wedge struct {
	opts WedgeOptions

	mu   sync.Mutex
	buf  []rune
	last time.Time
}

// NewWedge returns a wedge with opts (zero fields take the defaults).
func NewWedge(opts WedgeOptions) *Wedge {
	d := DefaultWedgeOptions()
	if opts.MaxGap <= 0 {
		opts.MaxGap = d.MaxGap
	}
	if opts.MinLength <= 0 {
		opts.MinLength = d.MinLength
	}
	if opts.MaxLength <= 0 {
		opts.MaxLength = d.MaxLength
	}
	return &Wedge{opts: opts}
}

// Feed takes one key typed at time at; Enter is '\n' or '\r'. It returns a
// scan when this key completes one.
func (w *Wedge) Feed(r rune, at time.Time) (Scan, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fast := !w.last.IsZero() && at.Sub(w.last) <= w.opts.MaxGap && !at.Before(w.last)
	w.last = at
	if !fast {
		// Too slow after the previous key: whatever came before was typing.
		clear(w.buf)
		w.buf = w.buf[:0]
	}
	if r == '\n' || r == '\r' {
		n := len(w.buf)
		text := runesToBytes(w.buf)
		clear(w.buf)
		w.buf = w.buf[:0]
		w.last = time.Time{} // a new burst starts with the next key
		if fast && n >= w.opts.MinLength {
			return Scan{Text: text, Source: SourceWedge, At: at}, true
		}
		clear(text)
		return Scan{}, false
	}
	if len(w.buf) >= w.opts.MaxLength {
		clear(w.buf)
		w.buf = w.buf[:0]
	}
	w.buf = appendRune(w.buf, r, w.opts.MaxLength)
	return Scan{}, false
}

// Flush ends a burst without Enter, for scanners configured to send no
// suffix: when the last key is more than MaxGap before now and the burst is
// long enough, it is returned as a scan.
func (w *Wedge) Flush(now time.Time) (Scan, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last.IsZero() || now.Sub(w.last) <= w.opts.MaxGap {
		return Scan{}, false
	}
	n := len(w.buf)
	text := runesToBytes(w.buf)
	at := w.last
	clear(w.buf)
	w.buf = w.buf[:0]
	w.last = time.Time{}
	if n >= w.opts.MinLength {
		return Scan{Text: text, Source: SourceWedge, At: at}, true
	}
	clear(text)
	return Scan{}, false
}

// Pending reports whether a burst is in progress, so the UI can hold back
// keys that may belong to a scan.
func (w *Wedge) Pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.buf) > 0
}

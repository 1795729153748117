package sip2

import "sync/atomic"

// wipingOff is set only by the memory test's control run (SetWiping), which
// shows that the test finds what a skipped wipe leaves behind.
var wipingOff atomic.Bool

// SetWiping switches the zeroing done by Zero (and so by every wipe in this
// package and in the kiosk core) on or off. It exists for the memory test
// alone, which runs once with wiping off to prove it can find a patron in
// memory at all; production code never calls it.
func SetWiping(on bool) { wipingOff.Store(!on) }

// Zero overwrites b with zeros. Patron ids, PINs, names and the frames that
// carry them are zeroed with it once an exchange is over, since the garbage
// collector frees memory without clearing it.
func Zero(b []byte) {
	if !wipingOff.Load() {
		clear(b)
	}
}

// wbuf is an append buffer that zeroes its old backing array whenever it
// grows, so the bytes of a frame under construction exist in one place only
// and wipe clears them all. strings.Builder and bytes.Buffer leave every
// outgrown array behind on the heap.
type wbuf struct{ b []byte }

func newWbuf(n int) *wbuf { return &wbuf{b: make([]byte, 0, n)} }

func (w *wbuf) grow(n int) {
	if cap(w.b)-len(w.b) >= n {
		return
	}
	nb := make([]byte, len(w.b), 2*cap(w.b)+n)
	copy(nb, w.b)
	Zero(w.b[:cap(w.b)])
	w.b = nb
}

func (w *wbuf) writeString(s string) {
	w.grow(len(s))
	w.b = append(w.b, s...)
}

// Write lets xml.EscapeText write into the buffer.
func (w *wbuf) Write(p []byte) (int, error) {
	w.grow(len(p))
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *wbuf) writeByte(c byte) {
	w.grow(1)
	w.b = append(w.b, c)
}

// wipe zeroes the whole backing array and empties the buffer.
func (w *wbuf) wipe() {
	Zero(w.b[:cap(w.b)])
	w.b = w.b[:0]
}

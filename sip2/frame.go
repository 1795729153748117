package sip2

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the longest frame a FrameReader accepts by default.
// Real messages stay under a few kilobytes; a 64 patron-information reply
// with many loans is the largest.
const DefaultMaxFrame = 64 << 10

// ErrFrameTooLong is returned for a frame longer than the reader's limit.
// The rest of that frame is discarded, so the next ReadFrame starts at the
// next frame.
var ErrFrameTooLong = errors.New("sip2: frame too long")

// FrameReader splits a byte stream into SIP2 frames. A frame ends at CR or
// LF (so CRLF and LF-only peers work); empty frames are skipped. Memory is
// bounded by the limit whatever the peer sends.
//
// It buffers reads itself rather than with bufio, so that it can zero what
// it has consumed: a frame carries a patron's id and name, and bufio would
// keep the bytes in its buffer until a later read happens to overwrite them.
type FrameReader struct {
	r io.Reader
	// rbuf[rpos:rend] is read but not yet consumed; rbuf[:rpos] is
	// consumed and zeroed as each frame is returned.
	rbuf       []byte
	rpos, rend int
	max        int
	buf        []byte
	// done says buf holds a frame already returned; a partial frame
	// interrupted by a read deadline stays in buf and is completed by
	// the next call.
	done    bool
	tooLong bool
}

// NewFrameReader returns a reader of frames from r; max <= 0 means
// DefaultMaxFrame.
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &FrameReader{r: r, rbuf: make([]byte, 4096), max: max}
}

// Buffered is the number of bytes read from the stream but not yet
// returned in a frame.
func (f *FrameReader) Buffered() int { return f.rend - f.rpos }

// fill reads more bytes when none are buffered. The consumed bytes are
// zeroed first, since a short read leaves the old tail in place.
func (f *FrameReader) fill() error {
	if f.rpos < f.rend {
		return nil
	}
	Zero(f.rbuf[:f.rend])
	f.rpos, f.rend = 0, 0
	for range 100 {
		n, err := f.r.Read(f.rbuf)
		f.rend = n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// Peek makes sure at least one byte is buffered, reading when none is.
func (f *FrameReader) Peek() error { return f.fill() }

func (f *FrameReader) readByte() (byte, error) {
	if err := f.fill(); err != nil {
		return 0, err
	}
	c := f.rbuf[f.rpos]
	f.rpos++
	return c, nil
}

// appendByte adds c to the frame, zeroing the old array when it grows.
func (f *FrameReader) appendByte(c byte) {
	if len(f.buf) == cap(f.buf) {
		nb := make([]byte, len(f.buf), 2*cap(f.buf)+256)
		copy(nb, f.buf)
		Zero(f.buf)
		f.buf = nb
	}
	f.buf = append(f.buf, c)
}

// ReadFrame returns the next frame without its terminator. The slice is
// valid until the next call, which zeroes it. At end of stream a partial
// frame is returned with io.ErrUnexpectedEOF; a clean end gives io.EOF. A
// frame longer than the limit is skipped up to its terminator and reported
// as ErrFrameTooLong.
func (f *FrameReader) ReadFrame() ([]byte, error) {
	if f.done {
		Zero(f.buf)
		f.buf = f.buf[:0]
		f.done = false
	}
	// The bytes consumed by this call are zeroed as it returns; the frame
	// itself lives on in buf until the next call.
	defer func() { Zero(f.rbuf[:f.rpos]) }()
	for {
		c, err := f.readByte()
		if err != nil {
			if err == io.EOF && len(f.buf) > 0 && !f.tooLong {
				f.done = true
				return f.buf, io.ErrUnexpectedEOF
			}
			// A timeout keeps the partial frame for the next call.
			return nil, err
		}
		if c == '\r' || c == '\n' {
			if f.tooLong {
				f.tooLong = false
				f.done = true
				return nil, fmt.Errorf("%w (limit %d bytes)", ErrFrameTooLong, f.max)
			}
			if len(f.buf) == 0 {
				continue
			}
			f.done = true
			return f.buf, nil
		}
		if f.tooLong {
			continue
		}
		if len(f.buf) >= f.max {
			f.tooLong = true
			Zero(f.buf)
			f.buf = f.buf[:0]
			continue
		}
		f.appendByte(c)
	}
}

// WriteFrame writes frame followed by the CR terminator in one Write, so a
// frame is never split across two TCP segments by us.
func WriteFrame(w io.Writer, frame []byte) error {
	out := make([]byte, 0, len(frame)+1)
	out = append(out, frame...)
	out = append(out, '\r')
	_, err := w.Write(out)
	Zero(out)
	return err
}

package sip2

import (
	"bufio"
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
type FrameReader struct {
	r   *bufio.Reader
	max int
	buf []byte
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
	return &FrameReader{r: bufio.NewReaderSize(r, 4096), max: max}
}

// ReadFrame returns the next frame without its terminator. The slice is
// valid until the next call. At end of stream a partial frame is returned
// with io.ErrUnexpectedEOF; a clean end gives io.EOF. A frame longer than
// the limit is skipped up to its terminator and reported as
// ErrFrameTooLong.
func (f *FrameReader) ReadFrame() ([]byte, error) {
	if f.done {
		f.buf = f.buf[:0]
		f.done = false
	}
	for {
		c, err := f.r.ReadByte()
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
			f.buf = f.buf[:0]
			continue
		}
		f.buf = append(f.buf, c)
	}
}

// WriteFrame writes frame followed by the CR terminator in one Write, so a
// frame is never split across two TCP segments by us.
func WriteFrame(w io.Writer, frame []byte) error {
	out := make([]byte, 0, len(frame)+1)
	out = append(out, frame...)
	out = append(out, '\r')
	_, err := w.Write(out)
	return err
}

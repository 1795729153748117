package sip2

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// Transport errors. Transports wrap the underlying error with one of these
// so the client can decide between resending, reconnecting and reporting an
// unknown outcome.
var (
	// ErrTimeout: no (complete) reply within the deadline, but the
	// connection is still up, so the identical bytes may be resent.
	ErrTimeout = errors.New("sip2: read timeout")
	// ErrConnLost: the connection broke (EOF, reset, HTTP request cut off)
	// after the request may have reached the ACS.
	ErrConnLost = errors.New("sip2: connection lost")
	// ErrNotSent: the request certainly did not reach the ACS (dial
	// refused, write failed before any byte, HTTP 503). Safe to retry.
	ErrNotSent = errors.New("sip2: request not sent")
)

// Conn is one connection to an ACS: it sends one frame and receives one
// frame at a time. Frames carry no terminator; stream transports add and
// strip the CR. The FBS transport is request/response: Send performs the
// HTTP POST and Receive returns its answer.
type Conn interface {
	Send(ctx context.Context, frame []byte) error
	Receive(ctx context.Context) ([]byte, error)
	Close() error
}

// Dialer opens a Conn. The client calls it again after a connection drops.
type Dialer interface {
	Dial(ctx context.Context) (Conn, error)
	// Stream reports whether the transport is a SIP2 byte stream (TCP,
	// TLS) that needs the 93 login and may use AY/AZ; FBS HTTPS does
	// not.
	Stream() bool
}

// streamConn is a Conn over a net.Conn (TCP or TLS).
type streamConn struct {
	nc      net.Conn
	fr      *FrameReader
	writeMu sync.Mutex
}

var _ Conn = (*streamConn)(nil)

// NewStreamConn wraps an established net.Conn (used by tests and by the
// TCP/TLS dialers). maxFrame <= 0 means DefaultMaxFrame.
func NewStreamConn(nc net.Conn, maxFrame int) Conn {
	return &streamConn{nc: nc, fr: NewFrameReader(nc, maxFrame)}
}

func (c *streamConn) Send(ctx context.Context, frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Time{}
	}
	_ = c.nc.SetWriteDeadline(dl)
	defer interruptOnDone(ctx, func() { _ = c.nc.SetWriteDeadline(time.Unix(1, 0)) })()
	buf := make([]byte, 0, len(frame)+1)
	buf = append(append(buf, frame...), '\r')
	n, err := c.nc.Write(buf)
	// The copy holds the patron id and PIN like the frame; a TLS conn
	// has encrypted it in its own buffer by now.
	Zero(buf)
	if err != nil {
		if n == 0 {
			// Not a byte of this request left us: the ACS cannot have
			// acted on it.
			return fmt.Errorf("%w: write: %w", ErrNotSent, err)
		}
		return fmt.Errorf("%w: write: %w", ErrConnLost, err)
	}
	return nil
}

func (c *streamConn) Receive(ctx context.Context) ([]byte, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Time{}
	}
	_ = c.nc.SetReadDeadline(dl)
	defer interruptOnDone(ctx, func() { _ = c.nc.SetReadDeadline(time.Unix(1, 0)) })()
	f, err := c.fr.ReadFrame()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		if errors.Is(err, ErrFrameTooLong) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrConnLost, err)
	}
	out := make([]byte, len(f))
	copy(out, f)
	// The caller zeroes its copy; this one is the reader's buffer.
	Zero(f)
	return out, nil
}

func (c *streamConn) Close() error { return c.nc.Close() }

// interruptOnDone runs interrupt when ctx ends and returns the function to
// call when the operation is over. That function waits for an interrupt
// already under way: otherwise a late interrupt could move the deadline of
// the next operation into the past and make it time out at once.
func interruptOnDone(ctx context.Context, interrupt func()) func() {
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		interrupt()
	})
	return func() {
		if !stop() {
			<-done
		}
	}
}

// Alive reports whether the peer has not closed the connection, without
// consuming any data: a read with a 1 ms deadline either times out (alive),
// finds buffered or pending bytes (alive), or hits EOF or a reset (dead).
// (A deadline already in the past would not even try the read.) The client checks it before sending, so a connection the ACS
// dropped while idle (Koha does) is replaced before a checkout is sent into
// it, instead of turning that checkout into an unknown outcome.
func (c *streamConn) Alive() bool {
	if c.fr.Buffered() > 0 {
		return true
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(time.Millisecond))
	err := c.fr.Peek()
	_ = c.nc.SetReadDeadline(time.Time{})
	if err == nil {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// aliveChecker is implemented by connections that can tell cheaply whether
// the peer has gone.
type aliveChecker interface{ Alive() bool }

// TCPDialer dials a raw TCP SIP2 connection. Plain TCP carries PINs in
// clear text: use it only on a trusted network or through a tunnel.
type TCPDialer struct {
	Addr     string // host:port
	MaxFrame int    // 0 = DefaultMaxFrame
}

// Dial implements Dialer.
func (d TCPDialer) Dial(ctx context.Context) (Conn, error) {
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %w", ErrNotSent, d.Addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetKeepAlive(true)
		_ = tc.SetNoDelay(true)
	}
	return NewStreamConn(nc, d.MaxFrame), nil
}

// Stream implements Dialer.
func (TCPDialer) Stream() bool { return true }

// TLSOptions configure the TLS transport.
type TLSOptions struct {
	// ServerName overrides the host name checked against the certificate
	// (default: the host part of Addr).
	ServerName string
	// RootCAs pins the CAs trusted for the ACS; nil means the system pool.
	RootCAs *x509.CertPool
	// Certificates holds an optional client certificate.
	Certificates []tls.Certificate
	// InsecureSkipVerify disables chain and host checks. Only the probe
	// sets it, and only when the technician asks explicitly.
	InsecureSkipVerify bool
}

// TLSDialer dials SIP2 over TLS 1.2 or newer with the chain and host name
// verified. There is no fallback to plain TCP: a handshake failure is an
// error.
type TLSDialer struct {
	Addr     string
	TLS      TLSOptions
	MaxFrame int
}

// Config returns the tls.Config the dialer uses.
func (d TLSDialer) Config() (*tls.Config, error) {
	name := d.TLS.ServerName
	if name == "" {
		host, _, err := net.SplitHostPort(d.Addr)
		if err != nil {
			return nil, fmt.Errorf("sip2: tls address %q: %w", d.Addr, err)
		}
		name = host
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         name,
		RootCAs:            d.TLS.RootCAs,
		Certificates:       d.TLS.Certificates,
		InsecureSkipVerify: d.TLS.InsecureSkipVerify,
	}, nil
}

// Dial implements Dialer.
func (d TLSDialer) Dial(ctx context.Context) (Conn, error) {
	cfg, err := d.Config()
	if err != nil {
		return nil, err
	}
	td := tls.Dialer{Config: cfg}
	nc, err := td.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: tls dial %s: %w", ErrNotSent, d.Addr, err)
	}
	return NewStreamConn(nc, d.MaxFrame), nil
}

// Stream implements Dialer.
func (TLSDialer) Stream() bool { return true }

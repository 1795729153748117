package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/logging"
)

// Caller is who connected, as the kernel says.
type Caller struct{ UID, GID, PID int }

// Handler answers requests that passed the peer check and parse. Refused
// is told about every request that did not (for the audit log); it must
// not block.
type Handler interface {
	Handle(ctx context.Context, c Caller, r Request) Reply
	Refused(c Caller, why string)
}

// Options configure the socket.
type Options struct {
	// Path of the socket. Its directory must exist (systemd's
	// RuntimeDirectory makes /run/kiosk).
	Path string
	// Mode of the socket file; 0 means 0660: the kiosk's user and the
	// control group may connect, nobody else.
	Mode os.FileMode
	// Group owns the socket (a name or a numeric gid); "" keeps the
	// process's group.
	Group string
	// AllowUIDs, when not empty, are the only user ids served, whatever
	// the file's mode lets connect.
	AllowUIDs []int
	// Timeout bounds one request from connect to reply. Default 2 minutes
	// (forwarding a long offline queue takes a while).
	Timeout time.Duration
	// Log gets one line per refused request; nil discards.
	Log logrus.FieldLogger
}

// readTimeout bounds the time a caller may take to send its request.
const readTimeout = 5 * time.Second

// maxConns bounds the requests served at once; more are refused at once.
const maxConns = 8

// Server is a listening control socket.
type Server struct {
	o    Options
	h    Handler
	ln   *net.UnixListener
	log  logrus.FieldLogger
	sem  chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Listen creates the socket at o.Path with its mode and group. A stale
// socket left by a crash is replaced; a live one (another kiosk answers) or
// a file that is not a socket is refused.
func Listen(o Options, h Handler) (*Server, error) {
	if o.Path == "" {
		return nil, errors.New("control: no socket path")
	}
	if o.Mode == 0 {
		o.Mode = 0o660
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	gid := -1
	if o.Group != "" {
		g, err := lookupGroup(o.Group)
		if err != nil {
			return nil, err
		}
		gid = g
	}
	if fi, err := os.Lstat(o.Path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("control: %s exists and is not a socket; not replacing it", o.Path)
		}
		if c, err := net.DialTimeout("unix", o.Path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("control: %s is in use by another process (a second kiosk?)", o.Path)
		}
		if err := os.Remove(o.Path); err != nil {
			return nil, fmt.Errorf("control: removing the stale socket: %w", err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: o.Path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	// Close does not remove the file when the process dies; Listen
	// replaces it next time.
	ln.SetUnlinkOnClose(true)
	if err := os.Chmod(o.Path, o.Mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: %w", err)
	}
	if gid >= 0 {
		if err := os.Chown(o.Path, -1, gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("control: giving the socket to group %s: %w", o.Group, err)
		}
	}
	return &Server{o: o, h: h, ln: ln, log: logging.OrDiscard(o.Log).WithField("component", "control"), sem: make(chan struct{}, maxConns)}, nil
}

func lookupGroup(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return -1, fmt.Errorf("control: group %q: %w", name, err)
	}
	n, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1, fmt.Errorf("control: group %q has gid %q", name, g.Gid)
	}
	return n, nil
}

// Path is where the socket listens.
func (s *Server) Path() string { return s.o.Path }

// Serve answers requests until ctx ends or Close is called; it returns
// after the requests under way are answered.
func (s *Server) Serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		s.Close()
	}()
	defer s.wg.Wait()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("control: %w", err)
		}
		select {
		case s.sem <- struct{}{}:
		default:
			s.reply(c, Reply{Error: fmt.Sprintf("control: %d requests are under way; try again", maxConns)})
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.sem }()
			defer c.Close()
			s.serve(ctx, c)
		}()
	}
}

// Close stops listening and removes the socket.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() { err = s.ln.Close() })
	return err
}

func (s *Server) serve(ctx context.Context, c *net.UnixConn) {
	who, err := peer(c)
	if err != nil {
		s.log.WithError(err).Warn("control: request refused")
		s.reply(c, Reply{Error: err.Error()})
		return
	}
	// The request is read (bounded) before any refusal, so that the
	// caller gets the answer instead of a connection reset.
	_ = c.SetReadDeadline(time.Now().Add(readTimeout))
	b, err := readRequest(c)
	if len(s.o.AllowUIDs) > 0 && !slices.Contains(s.o.AllowUIDs, who.UID) {
		why := fmt.Sprintf("control: uid %d may not use this socket (control.allow_uids)", who.UID)
		s.refuse(c, who, why)
		return
	}
	if err != nil {
		s.refuse(c, who, err.Error())
		return
	}
	req, err := ParseRequest(b)
	if err != nil {
		s.refuse(c, who, err.Error())
		return
	}
	hctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	r := s.h.Handle(hctx, who, req)
	s.reply(c, r)
}

func (s *Server) refuse(c *net.UnixConn, who Caller, why string) {
	s.log.WithField("uid", who.UID).Warn(why)
	s.h.Refused(who, why)
	s.reply(c, Reply{Error: why})
}

func (s *Server) reply(c net.Conn, r Reply) {
	r.Version = Version
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(Reply{Version: Version, Error: "control: reply: " + err.Error()})
	}
	_ = c.SetWriteDeadline(time.Now().Add(readTimeout))
	_, _ = c.Write(append(b, '\n'))
}

// readRequest reads one request: up to a newline or the end of the
// caller's writing, at most MaxRequest bytes.
func readRequest(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 512)
	chunk := make([]byte, 512)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i]
			break
		}
		if len(buf) > MaxRequest {
			// Read on a little (within the read deadline), so that the
			// refusal reaches a caller still writing instead of a reset.
			_, _ = io.CopyN(io.Discard, r, 64<<10)
			return nil, fmt.Errorf("control: request of more than %d bytes refused", MaxRequest)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("control: reading the request: %w", err)
		}
	}
	if len(buf) > MaxRequest {
		return nil, fmt.Errorf("control: request of more than %d bytes refused", MaxRequest)
	}
	if len(bytes.TrimSpace(buf)) == 0 {
		return nil, errors.New("control: empty request; send one JSON object")
	}
	return buf, nil
}

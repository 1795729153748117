package acs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danbib/kiosk/sip2"
)

// Logger is what the server logs through; logrus.FieldLogger satisfies it.
// Nothing logged contains a PIN, password or patron id.
type Logger interface {
	Debugf(format string, args ...any)
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
}

// Options are the server's protocol knobs.
type Options struct {
	// FBSPrefix returns patron ids with the FBS "LN:" prefix; default false.
	FBSPrefix bool
	// PlainItemLists sends bare item ids in AS/AT/AU/AV/CD/BM/BN instead of
	// the FBS '%' sub-fields; default false.
	PlainItemLists bool
	// ItemInfoPatron adds the borrower (AA) to 18 for items on loan, which
	// lets a client settle an unknown checkout with 17 alone; default true
	// (not standard SIP2, but harmless for clients that ignore it).
	ItemInfoPatron bool
	// Charset of TCP and TLS connections; default UTF-8 (FBS HTTPS is
	// always UTF-8).
	Charset sip2.Charset
	// Dedup answers a request whose AY and AZ equal the previous one with
	// the cached response instead of executing it again (FOLIO edge-sip2);
	// default true.
	Dedup bool
	// RequireLogin makes TCP/TLS sessions log in with 93 before anything
	// but 99; default true.
	RequireLogin bool
	// TimeoutTenths and Retries are announced in 98; defaults 600 (60 s)
	// and 3.
	TimeoutTenths int
	Retries       int
	// OfflineOK is the 98 "off-line ok" flag; default true.
	OfflineOK bool
	// ReportOffline, CheckinDisabled and CheckoutDisabled set the matching
	// 98 flags (the ACS answers but says it cannot lend); default false.
	ReportOffline    bool
	CheckinDisabled  bool
	CheckoutDisabled bool
	// MaxFrame bounds a request; 0 = sip2.DefaultMaxFrame.
	MaxFrame int
	// IdleTimeout closes TCP/TLS connections idle this long (Koha's
	// client_timeout); default 0 = never.
	IdleTimeout time.Duration
	// Seed makes the random faults reproducible; 0 = random.
	Seed uint64
	// Logger receives operational logs; nil = silent.
	Logger Logger
}

// DefaultOptions returns the defaults documented on Options.
func DefaultOptions() Options {
	return Options{
		ItemInfoPatron: true,
		Dedup:          true,
		RequireLogin:   true,
		TimeoutTenths:  600,
		Retries:        3,
		OfflineOK:      true,
	}
}

// Server serves one Library over any number of TCP, TLS and FBS HTTPS
// listeners.
type Server struct {
	lib  *Library
	opts Options
	done chan struct{}

	mu         sync.Mutex
	closed     bool
	offline    bool
	faults     Faults
	connFaults map[int]Faults
	once       []oneShot
	rnd        *rand.Rand
	listeners  []*listener
	conns      map[net.Conn]int
	nconn      int
	httpSess   map[string]*session
	executed   map[sip2.Code]int
	received   map[sip2.Code]int
	wg         sync.WaitGroup
}

type listener struct {
	kind string // "tcp", "tls", "https"
	addr string
	tls  *tls.Config
	ln   net.Listener
	http *http.Server
}

// NewServer returns a server for lib. It listens on nothing until a Listen
// method is called.
func NewServer(lib *Library, opts Options) *Server {
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Server{
		lib:        lib,
		opts:       opts,
		done:       make(chan struct{}),
		connFaults: map[int]Faults{},
		rnd:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		conns:      map[net.Conn]int{},
		httpSess:   map[string]*session{},
		executed:   map[sip2.Code]int{},
		received:   map[sip2.Code]int{},
	}
}

// Library returns the library the server serves.
func (s *Server) Library() *Library { return s.lib }

func (s *Server) infof(format string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Infof(format, args...)
	}
}

func (s *Server) warnf(format string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Warnf(format, args...)
	}
}

func (s *Server) debugf(format string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Debugf(format, args...)
	}
}

// ListenTCP serves raw SIP2 over TCP on addr ("127.0.0.1:0" picks a port)
// and returns the bound address.
func (s *Server) ListenTCP(addr string) (net.Addr, error) {
	return s.listenStream("tcp", addr, nil)
}

// ListenTLS serves SIP2 over TLS (1.2 or newer) with the given config; see
// SelfSigned for a test certificate.
func (s *Server) ListenTLS(addr string, cfg *tls.Config) (net.Addr, error) {
	if cfg == nil {
		return nil, errors.New("acs: ListenTLS needs a tls.Config")
	}
	cfg = cfg.Clone()
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return s.listenStream("tls", addr, cfg)
}

func (s *Server) listenStream(kind, addr string, cfg *tls.Config) (net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("acs: server closed")
	}
	l := &listener{kind: kind, addr: addr, tls: cfg}
	if err := s.startLocked(l); err != nil {
		return nil, err
	}
	l.addr = l.ln.Addr().String()
	s.listeners = append(s.listeners, l)
	s.infof("acs: listening for SIP2 over %s on %s", kind, l.addr)
	return l.ln.Addr(), nil
}

// startLocked opens a stream listener and starts its accept loop.
func (s *Server) startLocked(l *listener) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return fmt.Errorf("acs: listen %s: %w", l.kind, err)
	}
	if l.tls != nil {
		ln = tls.NewListener(ln, l.tls)
	}
	l.ln = ln
	s.wg.Add(1)
	go s.acceptLoop(ln)
	return nil
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed || s.offline {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.nconn++
		id := s.nconn
		s.conns[nc] = id
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveStream(nc, id)
	}
}

// ErrOffline is returned by ServeConn while the server is off line (see
// SetOffline): a client dialling then would have its connection refused.
var ErrOffline = errors.New("acs: off line")

// ServeConn serves raw SIP2 on an established connection, one end of a
// net.Pipe for example, as if a listener had accepted it: faults, SetOffline
// (which closes it) and Close apply to it like to a TCP connection. It
// returns at once; the connection is served in its own goroutine. While the
// server is off line or closed it closes nc and returns ErrOffline, as a
// refused dial would fail.
//
// In-memory connections let tests run the server inside a testing/synctest
// bubble, where real sockets would not count as durably blocked.
func (s *Server) ServeConn(nc net.Conn) error {
	s.mu.Lock()
	if s.closed || s.offline {
		s.mu.Unlock()
		nc.Close()
		return ErrOffline
	}
	s.nconn++
	id := s.nconn
	s.conns[nc] = id
	s.wg.Add(1)
	s.mu.Unlock()
	go s.serveStream(nc, id)
	return nil
}

// ListenHTTPS serves FBS-style SIP2 over HTTPS: POST /rest/sip2/DK-<agency>
// with the XML envelope. A nil cfg serves plain HTTP (loopback tests only).
func (s *Server) ListenHTTPS(addr string, cfg *tls.Config) (net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("acs: server closed")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("acs: listen https: %w", err)
	}
	hs := &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		// HTTP/1.1 only, so that faults can hijack the connection.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			s.mu.Lock()
			s.nconn++
			id := s.nconn
			s.mu.Unlock()
			return context.WithValue(ctx, connIDKey{}, id)
		},
	}
	kind := "http"
	if cfg != nil {
		cfg = cfg.Clone()
		if cfg.MinVersion < tls.VersionTLS12 {
			cfg.MinVersion = tls.VersionTLS12
		}
		ln = tls.NewListener(ln, cfg)
		kind = "https"
	}
	l := &listener{kind: kind, addr: ln.Addr().String(), ln: ln, http: hs}
	s.listeners = append(s.listeners, l)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = hs.Serve(ln)
	}()
	s.infof("acs: listening for FBS SIP2 over %s on %s (POST /rest/sip2/%s)", kind, l.addr, s.lib.inst.ID)
	return ln.Addr(), nil
}

type connIDKey struct{}

// Close stops every listener and connection and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	for _, l := range s.listeners {
		if l.http != nil {
			_ = l.http.Close()
		} else if l.ln != nil {
			_ = l.ln.Close()
		}
	}
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// SetFaults sets the global random faults (for every connection without
// its own, see SetConnFaults).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	s.infof("acs: faults: %s", f)
}

// SetConnFaults sets the faults of the n-th accepted connection (1-based,
// counted over every listener; see ConnCount). They replace the global
// faults for that connection.
func (s *Server) SetConnFaults(n int, f Faults) {
	s.mu.Lock()
	s.connFaults[n] = f
	s.mu.Unlock()
}

// ConnCount returns how many connections were accepted so far.
func (s *Server) ConnCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconn
}

// InjectOnce queues a fault for the next request with the given code (""
// means any request), on any connection. One-shot faults go before random
// ones and are used up in order.
func (s *Server) InjectOnce(kind FaultKind, code sip2.Code) {
	s.mu.Lock()
	s.once = append(s.once, oneShot{kind: kind, code: code})
	s.mu.Unlock()
}

// ClearInjected drops the one-shot faults not used up yet and returns how
// many there were, so a test can give each scenario only its own faults.
func (s *Server) ClearInjected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.once)
	s.once = nil
	return n
}

// SetOffline takes the server off line (TCP and TLS refuse connections and
// open ones are closed; HTTPS answers 503) or back on line.
func (s *Server) SetOffline(off bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.offline == off {
		s.offline = off
		return nil
	}
	s.offline = off
	var errs []error
	for _, l := range s.listeners {
		if l.http != nil {
			continue
		}
		if off {
			_ = l.ln.Close()
		} else if err := s.startLocked(l); err != nil {
			errs = append(errs, err)
		}
	}
	if off {
		for c := range s.conns {
			_ = c.Close()
		}
		s.infof("acs: off line")
	} else {
		s.infof("acs: on line")
	}
	return errors.Join(errs...)
}

// Executed returns how many requests with the code were executed (not
// counting cached resends, 96 answers and requests dropped before commit).
func (s *Server) Executed(code sip2.Code) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executed[code]
}

// Received returns how many requests with the code arrived (resends
// included).
func (s *Server) Received(code sip2.Code) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received[code]
}

// action says what to do after a request was processed.
type action int

const (
	actReply action = iota
	actNothing
	actDrop
	actClose
	actSlow
)

// process handles one request frame: error detection, resend cache,
// faults, execution. It returns the bytes to send (no terminator) and what
// to do with them.
func (s *Server) process(sess *session, connID int, frame []byte, cs sip2.Charset) ([]byte, action, Faults) {
	req, err := sip2.Decode(frame, sip2.DecodeOptions{Charset: cs})
	if err != nil {
		s.warnf("acs: conn %d: undecodable request (%d bytes): %v", connID, len(frame), err)
		return s.resend96(true, cs), actReply, Faults{}
	}
	ed := req.Checksum != ""
	s.mu.Lock()
	s.received[req.Code]++
	s.mu.Unlock()
	if ed && !req.ChecksumOK {
		s.warnf("acs: conn %d: %s with a bad checksum, answering 96", connID, req.Code)
		return s.resend96(true, cs), actReply, Faults{}
	}
	if req.Code == sip2.MsgRequestACSResend {
		if sess.lastResp == nil {
			return nil, actNothing, Faults{}
		}
		s.debugf("acs: conn %d: 97, resending the last response", connID)
		return sess.lastResp, actReply, Faults{}
	}
	key := ""
	if ed && req.HasSeq {
		key = fmt.Sprintf("%d/%s", req.Seq, strings.ToUpper(req.Checksum))
	}
	if s.opts.Dedup && key != "" && key == sess.lastKey && sess.lastResp != nil {
		s.debugf("acs: conn %d: %s resent with the same AY/AZ, answering from cache", connID, req.Code)
		return sess.lastResp, actReply, Faults{}
	}

	kind, f := s.pickFault(connID, req.Code)
	if d := f.delayLocked(s); d > 0 {
		select {
		case <-time.After(d):
		case <-s.done:
			return nil, actClose, f
		}
	}
	switch kind {
	case FaultAnswer96:
		s.infof("acs: conn %d: fault %s on %s", connID, kind, req.Code)
		return s.resend96(ed, cs), actReply, f
	case FaultCloseBeforeCommit:
		s.infof("acs: conn %d: fault %s on %s", connID, kind, req.Code)
		return nil, actClose, f
	}

	resp := s.handle(sess, req)
	s.mu.Lock()
	s.executed[req.Code]++
	s.mu.Unlock()
	if resp == nil {
		s.debugf("acs: conn %d: ignoring message %s", connID, req.Code)
		return nil, actNothing, f
	}
	if req.HasSeq {
		resp.Seq, resp.HasSeq = req.Seq, true
	}
	out, err := sip2.Encode(resp, sip2.EncodeOptions{Charset: cs, ErrorDetection: ed})
	if err != nil {
		// A bug in the simulator: say so loudly rather than answer nothing.
		s.warnf("acs: conn %d: cannot encode %s: %v", connID, resp.Code, err)
		out, _ = sip2.Encode(resp, sip2.EncodeOptions{Charset: cs, ErrorDetection: ed, Lax: true})
	}
	sess.lastKey, sess.lastResp = key, out
	if ok := resp.FixedValue(sip2.FOK); ok != "" {
		s.debugf("acs: conn %d: %s → %s ok=%s %v", connID, req.Code, resp.Code, ok, sip2.MachineCodes(resp.All("AF")))
	} else {
		s.debugf("acs: conn %d: %s → %s", connID, req.Code, resp.Code)
	}

	switch kind {
	case FaultDropReply, FaultCloseAfterCommit:
		s.infof("acs: conn %d: fault %s on %s", connID, kind, req.Code)
		if kind == FaultDropReply {
			return nil, actDrop, f
		}
		return nil, actClose, f
	case FaultCorruptChecksum:
		s.infof("acs: conn %d: fault %s on %s", connID, kind, req.Code)
		bad := append([]byte(nil), out...)
		if ed {
			// Flip the last hex digit: still well-formed, but wrong.
			last := bad[len(bad)-1]
			if last == '0' {
				bad[len(bad)-1] = '1'
			} else {
				bad[len(bad)-1] = '0'
			}
		} else {
			good := sip2.Checksum(append(append([]byte(nil), bad...), 'A', 'Z'))
			wrong := "0000"
			if good == wrong {
				wrong = "0001"
			}
			bad = append(bad, "AZ"+wrong...)
		}
		return bad, actReply, f
	case FaultWrongSequence:
		s.infof("acs: conn %d: fault %s on %s", connID, kind, req.Code)
		w := resp.Clone()
		w.Seq, w.HasSeq = (req.Seq+1)%10, true
		bad, err := sip2.Encode(w, sip2.EncodeOptions{Charset: cs, ErrorDetection: ed, Lax: true})
		if err != nil {
			return out, actReply, f
		}
		return bad, actReply, f
	case FaultSlowReply:
		s.infof("acs: conn %d: fault %s on %s", connID, kind, req.Code)
		return out, actSlow, f
	}
	return out, actReply, f
}

func (f Faults) delayLocked(s *Server) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.delay(s.rnd)
}

// pickFault chooses the fault for one request: a queued one-shot fault
// first, then the connection's or the global random faults.
func (s *Server) pickFault(connID int, code sip2.Code) (FaultKind, Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.connFaults[connID]
	if !ok {
		f = s.faults
	}
	for i, o := range s.once {
		if o.code == "" || o.code == code {
			s.once = append(s.once[:i:i], s.once[i+1:]...)
			return o.kind, Faults{PieceSize: f.PieceSize, PieceDelay: f.PieceDelay}
		}
	}
	if !f.applies(code) {
		return FaultNone, Faults{}
	}
	return f.pick(s.rnd), f
}

func (s *Server) resend96(ed bool, cs sip2.Charset) []byte {
	out, _ := sip2.Encode(sip2.NewMessage(sip2.MsgRequestSCResend), sip2.EncodeOptions{Charset: cs, ErrorDetection: ed})
	return out
}

func (s *Server) serveStream(nc net.Conn, id int) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
		nc.Close()
	}()
	s.debugf("acs: conn %d from %s", id, nc.RemoteAddr())
	sess := &session{loggedIn: !s.opts.RequireLogin}
	fr := sip2.NewFrameReader(nc, s.opts.MaxFrame)
	for {
		if s.opts.IdleTimeout > 0 {
			_ = nc.SetReadDeadline(time.Now().Add(s.opts.IdleTimeout))
		}
		frame, err := fr.ReadFrame()
		if errors.Is(err, sip2.ErrFrameTooLong) {
			s.warnf("acs: conn %d: %v", id, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.debugf("acs: conn %d: %v", id, err)
			}
			return
		}
		out, act, f := s.process(sess, id, frame, s.opts.Charset)
		switch act {
		case actNothing, actDrop:
			continue
		case actClose:
			return
		case actSlow:
			if err := s.writeSlow(nc, append(out, '\r'), f); err != nil {
				return
			}
		default:
			if err := sip2.WriteFrame(nc, out); err != nil {
				return
			}
		}
	}
}

// writeSlow writes b in pieces with a pause between them.
func (s *Server) writeSlow(w io.Writer, b []byte, f Faults) error {
	size, pause := f.pieces()
	for len(b) > 0 {
		n := min(size, len(b))
		if _, err := w.Write(b[:n]); err != nil {
			return err
		}
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		b = b[n:]
		if len(b) > 0 {
			select {
			case <-time.After(pause):
			case <-s.done:
				return net.ErrClosed
			}
		}
	}
	return nil
}

// serveHTTP is the FBS SIP2-over-HTTPS endpoint.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	offline := s.offline
	s.mu.Unlock()
	if offline {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(sip2.MarshalFBSRESTError("SERVICE_UNAVAILABLE", "acs-offline", "The service is temporarily unavailable"))
		return
	}
	want := "/rest/sip2/" + s.lib.inst.ID
	if !strings.EqualFold(strings.TrimRight(r.URL.Path, "/"), want) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(sip2.MarshalFBSRESTError("NOT_FOUND", "acs-path", "No SIP2 endpoint at "+r.URL.Path+"; use "+want))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, sip2.MaxFBSBody+1))
	if err != nil {
		return
	}
	env, err := sip2.ParseFBSRequest(body)
	if err != nil {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(sip2.MarshalFBSError("Malformed request"))
		return
	}
	t, ok := s.lib.AuthenticateTerminal(env.Login, env.Password)
	if !ok {
		s.warnf("acs: https: login refused for terminal %q", env.Login)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(sip2.MarshalFBSError("Invalid login"))
		return
	}
	s.mu.Lock()
	sess := s.httpSess[t.Login]
	if sess == nil {
		sess = &session{terminal: t, loggedIn: true}
		s.httpSess[t.Login] = sess
	}
	s.mu.Unlock()
	id, _ := r.Context().Value(connIDKey{}).(int)

	// One request at a time per terminal, as over a stream.
	out, act, f := s.processHTTP(sess, id, env.Message)
	switch act {
	case actNothing:
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(sip2.MarshalFBSError("Unsupported message"))
	case actDrop:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		hijackClose(w)
	case actClose:
		hijackClose(w)
	case actSlow:
		w.Header().Set("Content-Type", "application/xml")
		_ = s.writeSlow(w, sip2.MarshalFBSResponse(out), f)
	default:
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(sip2.MarshalFBSResponse(out))
	}
}

// processHTTP serialises the requests of one terminal's session, as a
// stream connection does.
func (s *Server) processHTTP(sess *session, id int, msg []byte) ([]byte, action, Faults) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return s.process(sess, id, msg, sip2.UTF8)
}

// hijackClose drops the HTTP connection without an answer.
func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = c.Close()
}

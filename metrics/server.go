package metrics

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/danbib/kiosk/internal/certpool"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure the listener; config.Metrics maps onto them.
type Options struct {
	// Listen is host:port.
	Listen string
	// CertFile, KeyFile and ClientCAFile turn TLS on: the scraper must show
	// a client certificate signed by the CA in ClientCAFile.
	CertFile, KeyFile, ClientCAFile string
}

// Handler serves /metrics and /healthz.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", m.healthz)
	return mux
}

// healthz answers 200 "ok" while the kiosk serves patrons, and 503 with the
// reason otherwise (starting, out of order and why, maintenance).
func (m *Metrics) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	g, ok := m.current()
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "starting")
		return
	}
	if in, why := g.InService(); !in {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, why)
		return
	}
	fmt.Fprintln(w, "ok")
}

// Server is a running metrics listener.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen opens the listener and serves m on it until Close. The address is
// the one asked for (with the port the system chose for ":0").
func Listen(o Options, m *Metrics) (*Server, error) {
	var tlsConf *tls.Config
	if o.CertFile != "" || o.KeyFile != "" || o.ClientCAFile != "" {
		var err error
		if tlsConf, err = serverTLS(o); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	s := &Server{ln: ln, srv: &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// serverTLS builds the listener's TLS: its certificate, and client
// certificates required and verified against the pinned CA only.
func serverTLS(o Options) (*tls.Config, error) {
	if o.CertFile == "" || o.KeyFile == "" || o.ClientCAFile == "" {
		return nil, errors.New("metrics: TLS needs a certificate, its key and the client CA")
	}
	cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	pool, err := certpool.Load(o.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("metrics: client_ca_file: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Addr is the address the listener is on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the listener, letting scrapes in progress finish for up to
// two seconds.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

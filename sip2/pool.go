package sip2

import (
	"context"
	"errors"
	"sync"
)

// Pool holds N clients, each with its own connection and one request in
// flight, for parallel work where the ACS allows it (FBS HTTPS accepts
// parallel posts; raw SIP2 servers usually accept several logins by the
// same terminal). Clients are created lazily and connect lazily.
type Pool struct {
	opts Options
	idle chan *Client

	mu     sync.Mutex
	all    []*Client
	closed bool
}

// NewPool returns a pool of n clients (n < 1 is taken as 1) built from
// opts. Keepalive runs in every client that has been used.
func NewPool(n int, opts Options) *Pool {
	if n < 1 {
		n = 1
	}
	p := &Pool{opts: opts, idle: make(chan *Client, n)}
	for i := 0; i < n; i++ {
		p.idle <- nil // a nil slot is created on first use
	}
	return p
}

// Size is the number of clients.
func (p *Pool) Size() int { return cap(p.idle) }

// Get borrows a client, waiting while all are busy. Return it with Put.
func (p *Pool) Get(ctx context.Context) (*Client, error) {
	select {
	case c := <-p.idle:
		if c == nil {
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				p.idle <- nil
				return nil, ErrClosed
			}
			c = NewClient(p.opts)
			p.all = append(p.all, c)
			p.mu.Unlock()
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Put returns a client to the pool.
func (p *Pool) Put(c *Client) { p.idle <- c }

// Do borrows a client, runs f with it and returns it.
func (p *Pool) Do(ctx context.Context, f func(*Client) error) error {
	c, err := p.Get(ctx)
	if err != nil {
		return err
	}
	defer p.Put(c)
	return f(c)
}

// Close closes every client created so far.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	all := p.all
	p.mu.Unlock()
	var errs []error
	for _, c := range all {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

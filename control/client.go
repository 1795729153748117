package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"time"
)

// maxReply bounds a reply a client reads: a status with every line is a
// few kilobytes.
const maxReply = 1 << 20

// Do sends r to the socket at path and returns the reply. A reply with
// OK false is returned as it is, with a nil error: it is the kiosk's
// answer. The error is for a socket that cannot be reached or a reply that
// cannot be read.
func Do(ctx context.Context, path string, r Request) (Reply, error) {
	if r.Version == 0 {
		r.Version = Version
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return Reply{}, fmt.Errorf("control: %w (is the kiosk running, and may this user use its socket?)", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	} else {
		_ = c.SetDeadline(time.Now().Add(3 * time.Minute))
	}
	b, err := json.Marshal(r)
	if err != nil {
		return Reply{}, fmt.Errorf("control: %w", err)
	}
	if _, err := c.Write(append(b, '\n')); err != nil {
		return Reply{}, fmt.Errorf("control: sending the request: %w", err)
	}
	return ReadReply(c)
}

// ReadReply reads one reply from r.
func ReadReply(r io.Reader) (Reply, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxReply))
	if err != nil {
		return Reply{}, fmt.Errorf("control: reading the reply: %w", err)
	}
	var rep Reply
	if err := json.Unmarshal(b, &rep); err != nil {
		return Reply{}, fmt.Errorf("control: the reply is not JSON (%d bytes): %w", len(b), err)
	}
	return rep, nil
}

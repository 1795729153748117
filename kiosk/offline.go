package kiosk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// OfflineReturn is one return accepted while the library system was
// unreachable. It holds exactly what forwarding needs: the item, its owner
// library, when it was returned and at which kiosk. Never a patron.
type OfflineReturn struct {
	ItemID    string    `json:"item"`
	OwnerISIL string    `json:"owner,omitempty"`
	At        time.Time `json:"at"`
	KioskID   string    `json:"kiosk"`
}

// ErrQueueFull is returned when the offline queue is at its cap.
var ErrQueueFull = errors.New("kiosk: offline queue full")

// OfflineQueue is the store-and-forward queue of offline returns in the state
// directory. It is capped; entries are deleted one by one once the library
// system confirmed them.
type OfflineQueue struct {
	mu      sync.Mutex
	path    string
	max     int
	entries []OfflineReturn
}

// OpenOfflineQueue reads the queue file in dir. An empty dir keeps the
// queue in memory (tests and demo).
func OpenOfflineQueue(dir string, max int) (*OfflineQueue, error) {
	q := &OfflineQueue{max: max}
	if dir == "" {
		return q, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("kiosk: queue dir: %w", err)
	}
	q.path = filepath.Join(dir, "offline-returns.json")
	data, err := os.ReadFile(q.path)
	switch {
	case os.IsNotExist(err):
		return q, nil
	case err != nil:
		return nil, fmt.Errorf("kiosk: reading offline queue: %w", err)
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &q.entries); err != nil {
			return nil, fmt.Errorf("kiosk: offline queue %s is corrupt: %w", q.path, err)
		}
	}
	return q, nil
}

// Add appends a return; a return of an item already queued is kept once.
func (q *OfflineQueue) Add(r OfflineReturn) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range q.entries {
		if e.ItemID == r.ItemID {
			return len(q.entries), nil
		}
	}
	if q.max > 0 && len(q.entries) >= q.max {
		return len(q.entries), ErrQueueFull
	}
	q.entries = append(q.entries, r)
	if err := q.save(); err != nil {
		q.entries = q.entries[:len(q.entries)-1]
		return len(q.entries), err
	}
	return len(q.entries), nil
}

// Peek returns the oldest entry.
func (q *OfflineQueue) Peek() (OfflineReturn, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.entries) == 0 {
		return OfflineReturn{}, false
	}
	return q.entries[0], true
}

// Remove deletes the entry for itemID after the library system confirmed it.
func (q *OfflineQueue) Remove(itemID string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range q.entries {
		if e.ItemID == itemID {
			q.entries = append(q.entries[:i], q.entries[i+1:]...)
			return q.save()
		}
	}
	return nil
}

// Len is the number of queued returns.
func (q *OfflineQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries)
}

// Entries returns a copy of the queue.
func (q *OfflineQueue) Entries() []OfflineReturn {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]OfflineReturn(nil), q.entries...)
}

func (q *OfflineQueue) save() error {
	if q.path == "" {
		return nil
	}
	data, err := json.Marshal(q.entries)
	if err != nil {
		return fmt.Errorf("kiosk: offline queue: %w", err)
	}
	return writeAtomic(q.path, data)
}

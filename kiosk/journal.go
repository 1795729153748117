package kiosk

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// JournalEntry is one library-system operation in flight: the item, the
// operation and when it started. It never names a patron.
type JournalEntry struct {
	ItemID string    `json:"item"`
	Op     string    `json:"op"` // "checkout" or "checkin"
	At     time.Time `json:"at"`
}

// Journal is the in-flight journal in the state directory. An entry is
// written before a checkout or checkin is sent and removed when the item's
// outcome is final (the tag written or the loan cancelled), so after a crash
// the open entries name exactly the items whose state may disagree with
// their tags.
type Journal struct {
	mu      sync.Mutex
	path    string
	entries map[string]JournalEntry // by item id
}

// OpenJournal reads the journal file in dir (created when missing). An empty
// dir gives a journal kept in memory only.
func OpenJournal(dir string) (*Journal, error) {
	j := &Journal{entries: map[string]JournalEntry{}}
	if dir == "" {
		return j, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("kiosk: journal dir: %w", err)
	}
	j.path = filepath.Join(dir, "inflight.json")
	data, err := os.ReadFile(j.path)
	switch {
	case os.IsNotExist(err):
		return j, nil
	case err != nil:
		return nil, fmt.Errorf("kiosk: reading journal: %w", err)
	}
	var list []JournalEntry
	if len(data) > 0 {
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("kiosk: journal %s is corrupt: %w", j.path, err)
		}
	}
	for _, e := range list {
		j.entries[e.ItemID] = e
	}
	return j, nil
}

// Open records an operation about to be sent.
func (j *Journal) Open(e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries[e.ItemID] = e
	return j.save()
}

// Close removes an item's entry.
func (j *Journal) Close(itemID string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.entries[itemID]; !ok {
		return nil
	}
	delete(j.entries, itemID)
	return j.save()
}

// Entries returns the open entries sorted by item id.
func (j *Journal) Entries() []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, 0, len(j.entries))
	for _, e := range j.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ItemID < out[b].ItemID })
	return out
}

func (j *Journal) save() error {
	if j.path == "" {
		return nil
	}
	list := make([]JournalEntry, 0, len(j.entries))
	for _, e := range j.entries {
		list = append(list, e)
	}
	data, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("kiosk: journal: %w", err)
	}
	return writeAtomic(j.path, data)
}

// writeAtomic replaces path with data through a temporary file and a rename,
// so a crash leaves the old or the new content, never half of it.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("kiosk: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("kiosk: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	return nil
}

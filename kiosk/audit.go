package kiosk

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// AuditEntry is one line of the maintenance audit log: who did what, when,
// and how it went. It never holds patron data; Detail holds item ids,
// preset names, counts.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Kiosk  string    `json:"kiosk"`
	Tech   string    `json:"tech,omitempty"` // "" before a technician is known (failed tries)
	Action string    `json:"action"`
	Result string    `json:"result"`
	Detail string    `json:"detail,omitempty"`
	// Via is "control" for an action asked for on the control socket;
	// UID is then the caller's user id as the kernel reported it.
	Via string `json:"via,omitempty"`
	UID *int   `json:"uid,omitempty"`
}

// The audit log lives in the state directory as audit.log (JSON lines); at
// AuditMaxBytes it is renamed to audit-<time>.log and a new one started, and
// renamed files older than AuditKeepDays are deleted.
const (
	auditName   = "audit.log"
	auditPrefix = "audit-"
)

// AuditLog appends entries to the audit log. With an empty directory it
// keeps them in memory only (tests, the demo without a state directory).
type AuditLog struct {
	mu       sync.Mutex
	dir      string
	maxBytes int64
	keep     time.Duration
	mem      []AuditEntry
}

// OpenAuditLog opens the audit log in dir.
func OpenAuditLog(dir string, maxBytes int64, keepDays int) (*AuditLog, error) {
	a := &AuditLog{dir: dir, maxBytes: maxBytes, keep: time.Duration(keepDays) * 24 * time.Hour}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("kiosk: audit log: %w", err)
		}
	}
	return a, nil
}

// Append writes one entry, rotating first when the file is full.
func (a *AuditLog) Append(e AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dir == "" {
		a.mem = append(a.mem, e)
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("kiosk: audit log: %w", err)
	}
	b = append(b, '\n')
	path := filepath.Join(a.dir, auditName)
	if fi, err := os.Stat(path); err == nil && a.maxBytes > 0 && fi.Size()+int64(len(b)) > a.maxBytes {
		rotated := filepath.Join(a.dir, auditPrefix+e.Time.UTC().Format("20060102T150405.000000000")+".log")
		if err := os.Rename(path, rotated); err != nil {
			return fmt.Errorf("kiosk: audit log: %w", err)
		}
		a.prune(e.Time)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("kiosk: audit log: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("kiosk: audit log: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("kiosk: audit log: %w", err)
	}
	return f.Close()
}

// prune deletes rotated files older than the retention.
func (a *AuditLog) prune(now time.Time) {
	if a.keep <= 0 {
		return
	}
	old, _ := filepath.Glob(filepath.Join(a.dir, auditPrefix+"*.log"))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && now.Sub(fi.ModTime()) > a.keep {
			_ = os.Remove(p)
		}
	}
}

// Entries returns what an in-memory log holds (tests).
func (a *AuditLog) Entries() []AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AuditEntry(nil), a.mem...)
}

// ReadAudit reads every audit entry in dir, oldest first: the rotated
// files in time order, then the current one. kioskctl audit prints it.
func ReadAudit(dir string) ([]AuditEntry, error) {
	files, _ := filepath.Glob(filepath.Join(dir, auditPrefix+"*.log"))
	sort.Strings(files)
	files = append(files, filepath.Join(dir, auditName))
	var out []AuditEntry
	for _, p := range files {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("kiosk: audit log: %w", err)
		}
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			n++
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			var e AuditEntry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				f.Close()
				return out, fmt.Errorf("kiosk: audit log %s:%d: %w", p, n, err)
			}
			out = append(out, e)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return out, fmt.Errorf("kiosk: audit log: %w", err)
		}
	}
	return out, nil
}

// The maintenance state kept across restarts, in the state directory.
const (
	maintLockName  = "maintenance-lock.json"
	outOfOrderName = "out-of-order.json"
)

// loadJSON reads v from name in dir; a missing file leaves v as it is.
func loadJSON(dir, name string, v any) error {
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	return nil
}

// saveJSON writes v to name in dir atomically.
func saveJSON(dir, name string, v any) error {
	if dir == "" {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	return nil
}

// outOfOrderFile is the technician's out-of-order switch as stored.
type outOfOrderFile struct {
	Preset string    `json:"preset"`
	Since  time.Time `json:"since"`
}

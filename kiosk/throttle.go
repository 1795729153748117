package kiosk

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Throttle slows PIN guessing: per card (locked after MaxWrongPINs wrong PINs
// for LockFor) and kiosk-wide (an exponential backoff once wrong PINs pile up
// across cards). It also counts a card's wrong PINs over BlockWindow, across
// its locks, for Block Patron.
//
// It never stores a card number: cards are keyed by an HMAC. The key is
// random and changes every day (UTC); the previous day's key is kept too,
// so an entry made just before midnight is still found the next day (and
// is then moved to the new day's key, since the card number is at hand).
// An entry is therefore readable for at least 24 hours and at most 48,
// which covers the longest lock (24 h) and BlockWindow (at most 24 h).
//
// A throttle opened with OpenThrottle keeps its keys and entries in the
// state directory (files of mode 0600), so a restart does not unlock a
// card; NewThrottle's lives in memory only.
type Throttle struct {
	opts   Options
	keys   [2]dayKey // today's first; the previous day's second, if any
	cards  map[[32]byte]*cardState
	recent []time.Time // wrong PINs kiosk-wide, newest last
	dir    string      // "" = in memory only
	err    error       // the last failure to save, for Err
}

// dayKey is the HMAC key of one UTC day.
type dayKey struct {
	day string // 2006-01-02; "" = none
	key []byte
}

type cardState struct {
	wrong       int         // wrong PINs since the last lock
	fails       []time.Time // wrong PINs within BlockWindow, oldest first, for Block Patron
	last        time.Time
	lockedUntil time.Time
}

// Names of the throttle's files in the state directory.
const (
	throttleKeyFile  = "throttle.key"
	throttleLockFile = "throttle.locks"
)

// maxFailsKept bounds the wrong PINs remembered per card, so a card hammered
// for a day cannot grow the file without end.
const maxFailsKept = 64

// NewThrottle makes a throttle that lives in memory only.
func NewThrottle(opts Options) *Throttle {
	return &Throttle{opts: opts, cards: map[[32]byte]*cardState{}}
}

// OpenThrottle makes a throttle kept in dir: it reads the keys and the
// entries a previous run left there, and writes them back after each change.
// A missing or unreadable file is not fatal: the throttle then starts empty
// (the error says why), since refusing service over it would help nobody.
func OpenThrottle(opts Options, dir string, now time.Time) (*Throttle, error) {
	t := NewThrottle(opts)
	if dir == "" {
		return t, nil
	}
	t.dir = dir
	var errs []error
	if err := t.loadKeys(); err != nil {
		errs = append(errs, err)
	}
	t.rotate(now)
	if err := t.loadCards(); err != nil {
		errs = append(errs, err)
	}
	t.prune(now)
	return t, errors.Join(errs...)
}

// Err is the last failure to write the throttle's files, nil once a write
// works again.
func (t *Throttle) Err() error { return t.err }

func day(now time.Time) string { return now.UTC().Format(time.DateOnly) }

// rotate makes sure keys[0] is the key of now's day, keeping the previous
// day's key when it is the one before.
func (t *Throttle) rotate(now time.Time) {
	today := day(now)
	if t.keys[0].day == today {
		return
	}
	yesterday := day(now.UTC().AddDate(0, 0, -1))
	switch {
	case t.keys[0].day == yesterday:
		t.keys[1] = t.keys[0]
	case t.keys[1].day != yesterday:
		t.keys[1] = dayKey{}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		// crypto/rand does not fail on Linux; a fixed key would only weaken
		// the hashing, not the throttling.
		copy(key, "kiosk-throttle-fallback-key")
	}
	t.keys[0] = dayKey{day: today, key: key}
	t.saveKeys()
}

func mac(key, id []byte) [32]byte {
	h := hmac.New(sha256.New, key)
	// The card number goes in as one whole 64-byte block (the number,
	// zero padding, its length in the last byte): SHA-256 hashes a whole
	// block straight from the caller's buffer, which is zeroed here,
	// whereas a shorter write is copied into the hash state's own buffer,
	// where it would outlive the session in freed memory.
	blk := make([]byte, sha256.BlockSize)
	if len(id) < len(blk) {
		blk[len(blk)-1] = byte(copy(blk, id))
		h.Write(blk)
	} else {
		h.Write(id)
	}
	zero(blk)
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

// Key is the keyed hash of a card number with now's key. An entry the card
// has under the previous day's key moves to it.
func (t *Throttle) Key(id []byte, now time.Time) [32]byte {
	t.rotate(now)
	k := mac(t.keys[0].key, id)
	if t.keys[1].day != "" {
		old := mac(t.keys[1].key, id)
		if c, ok := t.cards[old]; ok {
			delete(t.cards, old)
			if _, ok := t.cards[k]; !ok {
				t.cards[k] = c
			}
			t.save()
		}
	}
	return k
}

// Locked reports whether the card is locked at now.
func (t *Throttle) Locked(k [32]byte, now time.Time) bool {
	c := t.cards[k]
	return c != nil && now.Before(c.lockedUntil)
}

// Wait is how long the kiosk-wide backoff still holds at now (zero: go on).
func (t *Throttle) Wait(now time.Time) time.Duration {
	t.prune(now)
	n := len(t.recent)
	if t.opts.BackoffAfter <= 0 || n < t.opts.BackoffAfter {
		return 0
	}
	d := t.opts.BackoffBase
	for i := t.opts.BackoffAfter; i < n && d < t.opts.BackoffMax; i++ {
		d *= 2
	}
	if d > t.opts.BackoffMax {
		d = t.opts.BackoffMax
	}
	until := t.recent[n-1].Add(d)
	if now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// prune drops what no longer counts at now. It reports whether a card
// entry changed.
func (t *Throttle) prune(now time.Time) bool {
	cut := 0
	for cut < len(t.recent) && now.Sub(t.recent[cut]) > t.opts.BackoffWindow {
		cut++
	}
	t.recent = t.recent[cut:]
	changed := false
	for k, c := range t.cards {
		n := 0
		for n < len(c.fails) && now.Sub(c.fails[n]) > t.opts.BlockWindow {
			n++
		}
		if n > 0 {
			c.fails = c.fails[n:]
			changed = true
		}
		if c.wrong > 0 && now.Sub(c.last) > t.opts.LockFor {
			// Wrong PINs long ago do not bring the next lock closer.
			c.wrong = 0
			changed = true
		}
		// Forget a card once its lock is over and nothing of it counts
		// any more, so the list stays small. Its wrong PINs within
		// BlockWindow keep it, even across locks.
		if !now.Before(c.lockedUntil) && c.wrong == 0 && len(c.fails) == 0 {
			delete(t.cards, k)
			changed = true
		}
	}
	return changed
}

// Fail records a wrong PIN (or an unknown card when k is nil) and returns
// the card's count of wrong PINs since its last lock, its count within
// BlockWindow (across locks), and whether it is now locked.
func (t *Throttle) Fail(k *[32]byte, now time.Time) (wrong, total int, locked bool) {
	t.recent = append(t.recent, now)
	if k == nil {
		return 0, 0, false
	}
	t.prune(now)
	c := t.cards[*k]
	if c == nil {
		c = &cardState{}
		t.cards[*k] = c
	}
	c.wrong++
	c.fails = append(c.fails, now)
	if len(c.fails) > maxFailsKept {
		c.fails = c.fails[len(c.fails)-maxFailsKept:]
	}
	c.last = now
	wrong, total = c.wrong, len(c.fails)
	if c.wrong >= t.opts.MaxWrongPINs {
		c.lockedUntil = now.Add(t.opts.LockFor)
		c.wrong = 0
		locked = true
	}
	t.save()
	return wrong, total, locked
}

// Succeed clears the card's count after a correct PIN.
func (t *Throttle) Succeed(k [32]byte) {
	if _, ok := t.cards[k]; ok {
		delete(t.cards, k)
		t.save()
	}
}

// LockedCards is how many cards are locked at now (for the metrics).
func (t *Throttle) LockedCards(now time.Time) int {
	n := 0
	for _, c := range t.cards {
		if now.Before(c.lockedUntil) {
			n++
		}
	}
	return n
}

// Cards is the number of cards the throttle remembers (for tests).
func (t *Throttle) Cards() int { return len(t.cards) }

// The files: throttle.key has one line per kept key, "DAY HEX"; throttle.locks
// is JSON with one entry per card, named by its keyed hash.

type savedCard struct {
	Hash  string  `json:"h"`
	Wrong int     `json:"wrong,omitempty"`
	Last  int64   `json:"last,omitempty"`  // unix seconds
	Until int64   `json:"until,omitempty"` // unix seconds
	Fails []int64 `json:"fails,omitempty"` // unix seconds
}

func (t *Throttle) loadKeys() error {
	b, err := os.ReadFile(filepath.Join(t.dir, throttleKeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kiosk: throttle keys: %w", err)
	}
	defer clear(b)
	var keys []dayKey
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		d, h, ok := strings.Cut(sc.Text(), " ")
		key, err := hex.DecodeString(h)
		if _, perr := time.Parse(time.DateOnly, d); !ok || err != nil || perr != nil || len(key) != 32 {
			return fmt.Errorf("kiosk: throttle keys: %s is damaged; starting with new keys", throttleKeyFile)
		}
		keys = append(keys, dayKey{day: d, key: key})
	}
	for i := 0; i < len(keys) && i < len(t.keys); i++ {
		t.keys[i] = keys[i]
	}
	return nil
}

func (t *Throttle) loadCards() error {
	b, err := os.ReadFile(filepath.Join(t.dir, throttleLockFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kiosk: throttle locks: %w", err)
	}
	var saved []savedCard
	if err := json.Unmarshal(b, &saved); err != nil {
		return fmt.Errorf("kiosk: throttle locks: %s is damaged; starting without locks: %w", throttleLockFile, err)
	}
	for _, s := range saved {
		h, err := hex.DecodeString(s.Hash)
		if err != nil || len(h) != 32 {
			continue
		}
		c := &cardState{wrong: s.Wrong}
		if s.Last != 0 {
			c.last = time.Unix(s.Last, 0)
		}
		if s.Until != 0 {
			c.lockedUntil = time.Unix(s.Until, 0)
		}
		for _, f := range s.Fails {
			c.fails = append(c.fails, time.Unix(f, 0))
		}
		t.cards[[32]byte(h)] = c
	}
	return nil
}

func (t *Throttle) saveKeys() {
	if t.dir == "" {
		return
	}
	var b bytes.Buffer
	for _, k := range t.keys {
		if k.day != "" {
			fmt.Fprintf(&b, "%s %x\n", k.day, k.key)
		}
	}
	t.err = writeFile0600(t.dir, throttleKeyFile, b.Bytes())
	clear(b.Bytes())
}

func (t *Throttle) save() {
	if t.dir == "" {
		return
	}
	saved := make([]savedCard, 0, len(t.cards))
	for k, c := range t.cards {
		s := savedCard{Hash: hex.EncodeToString(k[:]), Wrong: c.wrong}
		if !c.last.IsZero() {
			s.Last = c.last.Unix()
		}
		if !c.lockedUntil.IsZero() {
			// Rounded up, so a restart never shortens a lock.
			s.Until = c.lockedUntil.Add(time.Second - 1).Unix()
		}
		for _, f := range c.fails {
			s.Fails = append(s.Fails, f.Unix())
		}
		saved = append(saved, s)
	}
	b, err := json.Marshal(saved)
	if err != nil {
		t.err = fmt.Errorf("kiosk: throttle locks: %w", err)
		return
	}
	t.err = writeFile0600(t.dir, throttleLockFile, b)
}

// writeFile0600 replaces dir/name atomically with data, readable only by
// the kiosk's user.
func writeFile0600(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	// CreateTemp makes files of mode 0600 already; say it anyway, since
	// these files are what keeps a guessed card locked.
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	return nil
}

package kiosk

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"time"
)

// Throttle slows PIN guessing: per card (locked after MaxWrongPINs wrong PINs
// for LockFor) and kiosk-wide (an exponential backoff once wrong PINs pile up
// across cards). It never stores a card number: cards are keyed by an HMAC
// with a random key made at process start, so the list is useless on disk or
// in a core dump and forgotten on restart.
type Throttle struct {
	key    []byte
	opts   Options
	cards  map[[32]byte]*cardState
	recent []time.Time // wrong PINs kiosk-wide, newest last
}

type cardState struct {
	wrong       int // wrong PINs since the last lock
	total       int // wrong PINs in all, for Block Patron
	last        time.Time
	lockedUntil time.Time
}

// NewThrottle makes a throttle with a fresh random key.
func NewThrottle(opts Options) *Throttle {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		// crypto/rand does not fail on Linux; a fixed key would only weaken
		// the hashing, not the throttling.
		copy(key, "kiosk-throttle-fallback-key")
	}
	return &Throttle{key: key, opts: opts, cards: map[[32]byte]*cardState{}}
}

// Key is the keyed hash of a card number.
func (t *Throttle) Key(id []byte) [32]byte {
	mac := hmac.New(sha256.New, t.key)
	mac.Write(id)
	var k [32]byte
	copy(k[:], mac.Sum(nil))
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

func (t *Throttle) prune(now time.Time) {
	cut := 0
	for cut < len(t.recent) && now.Sub(t.recent[cut]) > t.opts.BackoffWindow {
		cut++
	}
	t.recent = t.recent[cut:]
	for k, c := range t.cards {
		// Forget a card once its lock is over and its last wrong PIN is
		// older than a lock period, so the list stays small.
		if !now.Before(c.lockedUntil) && (c.wrong == 0 || now.Sub(c.last) > t.opts.LockFor) {
			delete(t.cards, k)
		}
	}
}

// Fail records a wrong PIN (or an unknown card when k is nil) and returns
// the card's count of wrong PINs since its last lock, its total, and whether
// it is now locked.
func (t *Throttle) Fail(k *[32]byte, now time.Time) (wrong, total int, locked bool) {
	t.recent = append(t.recent, now)
	if k == nil {
		return 0, 0, false
	}
	c := t.cards[*k]
	if c == nil {
		c = &cardState{}
		t.cards[*k] = c
	}
	c.wrong++
	c.total++
	c.last = now
	wrong, total = c.wrong, c.total
	if c.wrong >= t.opts.MaxWrongPINs {
		c.lockedUntil = now.Add(t.opts.LockFor)
		c.wrong = 0
		locked = true
	}
	return wrong, total, locked
}

// Succeed clears the card's count after a correct PIN.
func (t *Throttle) Succeed(k [32]byte) { delete(t.cards, k) }

// Cards is the number of cards the throttle remembers (for tests).
func (t *Throttle) Cards() int { return len(t.cards) }

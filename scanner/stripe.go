package scanner

import "strings"

// Track is one track of a magnetic stripe as a keyboard-mode reader types it.
type Track struct {
	Number int    // 1 ('%' start sentinel) or 2 (';')
	Data   string // between the sentinels
}

// ParseStripe splits keyboard-mode reader output into tracks: track 1 is
// "%…?", track 2 ";…?". A card swiped twice gives the tracks twice. It
// reports false when anything else than tracks (and blanks) is present or a
// track has no end sentinel.
func ParseStripe(s string) ([]Track, bool) {
	var tracks []Track
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return tracks, len(tracks) > 0
		}
		var n int
		switch s[0] {
		case '%':
			n = 1
		case ';':
			n = 2
		default:
			return tracks, false
		}
		end := strings.IndexByte(s, '?')
		if end < 0 {
			return tracks, false
		}
		tracks = append(tracks, Track{Number: n, Data: s[1:end]})
		s = s[end+1:]
	}
}

// Health card ("sundhedskort") track 2: card type(1), nationality(3, "208"),
// application(1), issuer(3), CPR(10), insurance group(1), GP(6), region(3),
// municipality(3), valid from(6) — protocols.md §5.
const (
	healthNationality = "208"
	healthCPRStart    = 8
	healthCPREnd      = 18
)

// healthCardCPR returns the CPR field of a Danish health card's track 2.
func healthCardCPR(track2 string) (string, bool) {
	if len(track2) < healthCPREnd || track2[1:4] != healthNationality {
		return "", false
	}
	for i := 0; i < len(track2); i++ {
		if track2[i] < '0' || track2[i] > '9' {
			return "", false
		}
	}
	return track2[healthCPRStart:healthCPREnd], true
}

// identifyStripe handles a magnetic stripe: the id comes from track 2
// (track 1 holds the name and address and is ignored, never logged). When
// the card was swiped more than once, every readable swipe must give the
// same id; unreadable extra swipes (a reader's error track) are ignored.
func identifyStripe(s string, rules Rules) (PatronID, error) {
	tracks, ok := ParseStripe(s)
	if !ok {
		return PatronID{}, reject(ReasonUnrecognised)
	}
	// A health card's track 2 wins over other ';' tracks (a 3-track
	// reader's track 3), which then cannot make the swipes look different.
	var health []Track
	for _, t := range tracks {
		if _, ok := healthCardCPR(t.Data); ok && t.Number == 2 {
			health = append(health, t)
		}
	}
	if len(health) > 0 {
		tracks = health
	}
	var got PatronID
	var firstErr error
	for _, t := range tracks {
		if t.Number != 2 {
			continue
		}
		cand := t.Data
		if cpr, ok := healthCardCPR(t.Data); ok {
			cand = cpr
		}
		id, err := classify(cand, rules)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if got.Kind != 0 && got != id {
			return PatronID{}, reject(ReasonConflictingSwipes)
		}
		got = id
	}
	if got.Kind != 0 {
		return got, nil
	}
	if firstErr != nil {
		return PatronID{}, firstErr
	}
	// Track 1 alone: a one-track reader, which cannot read the health card.
	return PatronID{}, reject(ReasonUnrecognised)
}

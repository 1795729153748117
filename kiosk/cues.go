package kiosk

// Cue is a short sound that tells the patron what happened without looking
// at the screen: an item accepted, an item refused, the session about to end.
type Cue int

// The cues.
const (
	CueAccepted Cue = iota + 1 // an item lent or returned, a loan renewed
	CueRefused                 // an item or renewal refused, or sent to staff
	CueEnding                  // the session ends soon for inactivity
)

// String names the cue for logs and tests.
func (c Cue) String() string {
	switch c {
	case CueAccepted:
		return "accepted"
	case CueRefused:
		return "refused"
	case CueEnding:
		return "ending"
	}
	return "none"
}

// Sounds plays cues. Play must return at once (the core's loop calls it)
// and never fail the kiosk: a kiosk without a sound device plays nothing.
type Sounds interface {
	Play(Cue)
}

// EffCue asks the Sounds port to play a cue. Step emits it only when
// Options.SoundCues is on.
type EffCue struct{ Cue Cue }

func (EffCue) effectName() string { return "cue" }

// cues emits the cues of one step by comparing the model before it with
// the model after, so that every path that settles an item (and there are
// many) sounds the same without each having to remember to. One cue of a
// kind per step: three books accepted at once are one chime, not three.
func (s *stepper) cues(before *Model) {
	m := s.m
	if !m.Opts.SoundCues {
		return
	}
	var accepted, refused bool
	for i := range m.Items {
		it := &m.Items[i]
		was := phase(-1)
		if p := before.itemPhase(i, it.Pad.ItemID); p >= 0 {
			was = p
		}
		if it.Phase == was {
			continue
		}
		switch it.Phase {
		case phaseDone:
			accepted = true
		case phaseRefused, phaseStaff:
			refused = true
		}
	}
	for i := range m.Loans {
		l := &m.Loans[i]
		p := before.findLoan(l.ItemID)
		if p == nil {
			continue
		}
		switch {
		case l.Renewed && !p.Renewed:
			accepted = true
		case said(l.Reason) && !said(p.Reason):
			refused = true
		}
	}
	// The refusal first: it is the one the patron must not miss.
	if refused {
		s.emit(EffCue{Cue: CueRefused})
	}
	if accepted {
		s.emit(EffCue{Cue: CueAccepted})
	}
	if m.IdleWarning && !before.IdleWarning {
		s.emit(EffCue{Cue: CueEnding})
	}
}

// itemPhase returns the phase of the item with id, looked up first at
// index i (items are only ever appended within a session), or -1 when the
// model has no such item.
func (m *Model) itemPhase(i int, id string) phase {
	if i < len(m.Items) && m.Items[i].Pad.ItemID == id {
		return m.Items[i].Phase
	}
	for j := range m.Items {
		if m.Items[j].Pad.ItemID == id {
			return m.Items[j].Phase
		}
	}
	return -1
}

// said reports whether a reason was given.
func said(t Text) bool { return t.ID != "" || t.Raw != "" }

package kiosk

import (
	"context"
	"slices"
)

// This file is the tag inspector, the technician's AFI write and the
// scanner test of maintenance mode's Tests page. The inspector is built
// from the pad the core already keeps (m.Pad, fed by the watcher's
// inventory events) and the unreadable tags it reports; the AFI write goes
// through the same TagWriter port as a loan's.

// Scan kinds of the scanner test: what was read, never the number.
const (
	ScanKindCPR     = "cpr"
	ScanKindCard    = "card"
	ScanKindUnknown = "unknown"
)

// The inputs of the tag inspector.
type (
	// InMaintSelectTag selects one tag on the pad by UID (tapping it again
	// clears the selection).
	InMaintSelectTag struct{ UID string }
	// InMaintAFI asks to set the selected tag secured or unsecured; the
	// core asks for a confirmation first.
	InMaintAFI struct{ Secured bool }
	// InMaintConfirm answers the confirmation: Yes writes the tag.
	InMaintConfirm struct{ Yes bool }
)

func (InMaintSelectTag) isInput() {}
func (InMaintAFI) isInput()       {}
func (InMaintConfirm) isInput()   {}

// AFIRequest is the AFI write waiting for the technician's confirmation.
type AFIRequest struct {
	UID     string
	ItemID  string
	Secured bool
}

// ActionAFI is the busy mark and audit action of the technician's AFI write.
const ActionAFI = "afi-write"

// The tag inspector's and scanner test's effects and events.
type (
	// EffMaintAFI writes one tag's security state through the TagWriter
	// port (Item holds only that tag) and reads it back.
	// Tech is the technician, for the audit even when the answer comes
	// after the mode ended.
	EffMaintAFI struct {
		Item    PadItem
		Secured bool
		Tech    string
	}
	// EvMaintAFI is the result of EffMaintAFI.
	EvMaintAFI struct {
		UID, ItemID string
		Tech        string
		Secured     bool
		AFI         byte // the value written and read back
		Err         error
	}
	// EffMaintScan tells what kind of id a scan is; the runner zeroes Text.
	EffMaintScan struct{ Text []byte }
	// EvMaintScan is the kind of the scan, one of the ScanKind constants.
	EvMaintScan struct{ Kind string }
	// EvPadUnreadableGone is an unreadable tag lifted off the pad.
	EvPadUnreadableGone struct{ UID string }
)

func (EffMaintAFI) effectName() string        { return "maint-afi" }
func (EffMaintScan) effectName() string       { return "maint-scan" }
func (EvMaintAFI) eventName() string          { return "maint-afi" }
func (EvMaintScan) eventName() string         { return "maint-scan" }
func (EvPadUnreadableGone) eventName() string { return "pad-unreadable-gone" }

// Message ids of the tag inspector's and scanner test's results.
const (
	MsgMaintAFISecured   = "maint.result.afi_secured"
	MsgMaintAFIUnsecured = "maint.result.afi_unsecured"
	MsgMaintAFIFailed    = "maint.result.afi_failed"
	MsgMaintAFIGone      = "maint.result.afi_gone"
)

// padTag finds the tag uid among the pad's items.
func (m *Model) padTag(uid string) (PadItem, PadTag, bool) {
	for _, id := range sortedKeys(m.Pad) {
		p := m.Pad[id]
		for _, d := range p.Details {
			if d.UID == uid {
				return p, d, true
			}
		}
	}
	return PadItem{}, PadTag{}, false
}

// maintTagInput handles the tag inspector's inputs in maintenance mode.
func (s *stepper) maintTagInput(in Input) {
	m := s.m
	switch x := in.(type) {
	case InMaintSelectTag:
		if m.Maint.Confirm != nil {
			return
		}
		if _, _, ok := m.padTag(x.UID); !ok || m.Maint.Selected == x.UID {
			m.Maint.Selected = ""
			return
		}
		m.Maint.Selected = x.UID
	case InMaintAFI:
		p, _, ok := m.padTag(m.Maint.Selected)
		if !ok || m.Maint.Busy != "" {
			return
		}
		m.Maint.Result = Text{}
		m.Maint.Confirm = &AFIRequest{UID: m.Maint.Selected, ItemID: p.ItemID, Secured: x.Secured}
	case InMaintConfirm:
		c := m.Maint.Confirm
		if c == nil {
			return
		}
		m.Maint.Confirm = nil
		if !x.Yes {
			return
		}
		p, _, ok := m.padTag(c.UID)
		if !ok {
			// Lifted while the question was open: nothing is written.
			m.Maint.Result = Text{ID: MsgMaintAFIGone, Data: map[string]any{"Item": c.ItemID}}
			s.audit(ActionAFI, "failed", afiDetail(*c)+": tag left the pad")
			return
		}
		if m.Maint.Busy != "" {
			m.Maint.Result = Text{ID: MsgMaintBusy}
			return
		}
		m.Maint.Busy = ActionAFI
		one := PadItem{ItemID: p.ItemID, OwnerISIL: p.OwnerISIL, Parts: p.Parts, Tags: []string{c.UID}}
		s.emit(EffMaintAFI{Item: one, Secured: c.Secured, Tech: m.Maint.Tech})
	}
}

func afiDetail(c AFIRequest) string {
	state := "unsecured"
	if c.Secured {
		state = "secured"
	}
	return "item " + c.ItemID + " tag " + c.UID + " " + state
}

// maintAFIWritten shows and audits the AFI write's result. A verified write
// also updates the inspector's AFI at once: the watcher reads a tag's AFI
// only when the tag arrives.
func (s *stepper) maintAFIWritten(e EvMaintAFI) {
	m := s.m
	c := AFIRequest{UID: e.UID, ItemID: e.ItemID, Secured: e.Secured}
	if e.Err != nil {
		s.emit(EffAudit{Tech: e.Tech, Action: ActionAFI, Result: "failed", Detail: afiDetail(c) + ": " + e.Err.Error()})
	} else {
		s.emit(EffAudit{Tech: e.Tech, Action: ActionAFI, Result: "ok", Detail: afiDetail(c)})
		if p, ok := m.Pad[e.ItemID]; ok {
			p.Details = slices.Clone(p.Details)
			for i := range p.Details {
				if p.Details[i].UID == e.UID {
					p.Details[i].Secured = e.Secured
					p.Details[i].AFI = e.AFI
				}
			}
			m.Pad[e.ItemID] = p
		}
	}
	if !s.maintFinished(ActionAFI) {
		return
	}
	switch {
	case e.Err != nil:
		m.Maint.Result = Text{ID: MsgMaintAFIFailed, Raw: e.Err.Error(), Data: map[string]any{"Item": e.ItemID, "Error": e.Err.Error()}}
	case e.Secured:
		m.Maint.Result = Text{ID: MsgMaintAFISecured, Data: map[string]any{"Item": e.ItemID}}
	default:
		m.Maint.Result = Text{ID: MsgMaintAFIUnsecured, Data: map[string]any{"Item": e.ItemID}}
	}
}

// maintScan is a scan while maintenance mode is open: on the Tests page it
// is the scanner test, elsewhere it is dropped. The text goes to the runner
// only to be classified and zeroed; the model keeps the kind alone.
func (s *stepper) maintScan(text []byte) {
	m := s.m
	if m.State != StateMaintenance || m.Maint.Page != PageTests {
		zero(text)
		return
	}
	m.Maint.LastTouch = m.Now
	m.Maint.Warning = false
	s.emit(EffMaintScan{Text: text})
}

// maintScanned shows and audits the scanner test's result.
func (s *stepper) maintScanned(e EvMaintScan) {
	m := s.m
	if m.State != StateMaintenance {
		return
	}
	m.Maint.ScanKind = e.Kind
	// Also as the page's result, at the top where the technician looks.
	m.Maint.Result = Text{ID: "maint.scan.kind_" + e.Kind}
	s.audit("scanner-test", "ok", e.Kind)
}

// unreadable records or forgets an unreadable tag on the pad.
func (s *stepper) unreadable(uid, reason string) {
	m := s.m
	if uid == "" {
		return
	}
	if m.PadUnreadable == nil {
		m.PadUnreadable = map[string]string{}
	}
	m.PadUnreadable[uid] = reason
}

// InspectTag is one tag on the pad as the tag inspector shows it: a readable
// tag with its item's and its own fields of the Danish data model, or an
// unreadable one with why.
type InspectTag struct {
	PadTag
	ItemID string
	Owner  string // the owner library's ISIL with hyphen
	Parts  int
	// Problem is set for an unreadable tag: "crc", "blank" or "read".
	Problem string
}

// inspectTags lists the tags on the pad: readable ones by item and part,
// then the unreadable ones by UID.
func (m Model) inspectTags() []InspectTag {
	var out []InspectTag
	for _, id := range sortedKeys(m.Pad) {
		p := m.Pad[id]
		for _, d := range p.Details {
			out = append(out, InspectTag{PadTag: d, ItemID: p.ItemID, Owner: p.OwnerISIL, Parts: p.Parts})
		}
	}
	uids := make([]string, 0, len(m.PadUnreadable))
	for u := range m.PadUnreadable {
		uids = append(uids, u)
	}
	slices.Sort(uids)
	for _, u := range uids {
		out = append(out, InspectTag{PadTag: PadTag{UID: u}, Problem: m.PadUnreadable[u]})
	}
	return out
}

// AFIValues is optionally implemented by a TagWriter: the AFI values it
// writes for secured and unsecured, so the inspector shows the value a
// verified write left on the tag.
type AFIValues interface {
	AFIFor(secured bool) byte
}

// The AFI values of the Danish libraries, for a TagWriter that does not say.
const (
	afiSecured = 0x07
	afiOnLoan  = 0xC2
)

func (k *Kiosk) afiFor(secured bool) byte {
	if v, ok := k.ports.Tags.(AFIValues); ok {
		return v.AFIFor(secured)
	}
	if secured {
		return afiSecured
	}
	return afiOnLoan
}

// PadUnreadableTag reports a tag on the pad that cannot be read, with why
// ("crc", "blank" or "read"); it implements PadTagSink.
func (k *Kiosk) PadUnreadableTag(uid, reason string) {
	k.post(EvPadUnreadable{UID: uid, Reason: reason})
}

// PadUnreadableGone reports that an unreadable tag left the pad.
func (k *Kiosk) PadUnreadableGone(uid string) { k.post(EvPadUnreadableGone{UID: uid}) }

var _ PadTagSink = (*Kiosk)(nil)

// performMaintTags carries out the tag inspector's and scanner test's
// effects; it reports whether e was one.
func (k *Kiosk) performMaintTags(e Effect) bool {
	switch x := e.(type) {
	case EffMaintAFI:
		k.tagCall(func(ctx context.Context) Event {
			uid := ""
			if len(x.Item.Tags) > 0 {
				uid = x.Item.Tags[0]
			}
			err := k.ports.Tags.SetSecured(ctx, x.Item, x.Secured)
			return EvMaintAFI{UID: uid, ItemID: x.Item.ItemID, Tech: x.Tech, Secured: x.Secured, AFI: k.afiFor(x.Secured), Err: err}
		})
	case EffMaintScan:
		k.async(func() Event {
			defer zero(x.Text)
			kind := ScanKindUnknown
			if k.ports.ScanKind != nil {
				kind = k.ports.ScanKind(x.Text)
			}
			return EvMaintScan{Kind: kind}
		})
	default:
		return false
	}
	return true
}

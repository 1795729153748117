package acs

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danbib/kiosk/sip2"
)

// session is the protocol state of one connection (or, for FBS HTTPS, of
// one terminal login).
type session struct {
	mu       sync.Mutex // FBS HTTPS only: one request at a time
	terminal Terminal
	loggedIn bool
	// lastKey is "seq/checksum" of the last executed request and lastResp
	// the encoded response sent for it: a resend of the same request gets
	// the cached response (FOLIO-like idempotency), and 97 gets lastResp.
	lastKey  string
	lastResp []byte
}

// handle executes one decoded request and returns its response message, or
// nil when the request gets no answer (unknown commands are ignored, as the
// spec asks).
func (s *Server) handle(sess *session, req *sip2.Message) *sip2.Message {
	lib := s.lib
	now := lib.Now()
	var denied *Refusal
	if !sess.loggedIn && req.Code != sip2.MsgLogin && req.Code != sip2.MsgSCStatus {
		denied = refuse(CodeLoginRequired)
	}
	switch req.Code {
	case sip2.MsgLogin:
		return s.login(sess, req)
	case sip2.MsgSCStatus:
		return s.acsStatus(sess, now)
	case sip2.MsgPatronStatus:
		return s.patronStatus(req, now, denied)
	case sip2.MsgPatronInfo:
		return s.patronInformation(req, now, denied)
	case sip2.MsgCheckout:
		return s.checkout(req, now, denied)
	case sip2.MsgCheckin:
		return s.checkin(sess, req, now, denied)
	case sip2.MsgRenew:
		return s.renew(req, now, denied)
	case sip2.MsgRenewAll:
		return s.renewAll(req, now, denied)
	case sip2.MsgItemInfo:
		return s.itemInfo(req, now, denied)
	case sip2.MsgEndSession:
		return s.endSession(req, now, denied)
	case sip2.MsgBlockPatron:
		return s.blockPatron(req, now, denied)
	case sip2.MsgFeePaid:
		m := sip2.NewMessage(sip2.MsgFeePaidResponse).
			SetFixed(sip2.FPaymentAccepted, "N").SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
		m.Add("AO", lib.inst.ID).Add("AA", s.patronOut(req.Get("AA"))).Add("AF", "Betaling kan ikke modtages her")
		return m
	case sip2.MsgHold:
		m := sip2.NewMessage(sip2.MsgHoldResponse).
			SetFixed(sip2.FOK, "0").SetFixed(sip2.FAvailable, "N").SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
		m.Add("AO", lib.inst.ID).Add("AA", s.patronOut(req.Get("AA"))).Add("AF", "Reservering kan ikke foretages her")
		return m
	}
	return nil
}

func (s *Server) login(sess *session, req *sip2.Message) *sip2.Message {
	t, ok := s.lib.AuthenticateTerminal(req.Get("CN"), req.Get("CO"))
	m := sip2.NewMessage(sip2.MsgLoginResponse)
	if !ok {
		s.warnf("acs: login refused for terminal %q", req.Get("CN"))
		sess.loggedIn = false
		return m.SetFixed(sip2.FOK, "0")
	}
	sess.terminal, sess.loggedIn = t, true
	if cp := req.Get("CP"); cp != "" {
		sess.terminal.Location = cp
	}
	s.infof("acs: terminal %q logged in", t.Login)
	return m.SetFixed(sip2.FOK, "1")
}

// supportedMessages is BX: everything the kiosk uses; fee paid, item
// status update, patron enable and hold are not supported.
const supportedMessages = "YYYYYYYYYNYNNNYY"

func (s *Server) acsStatus(sess *session, now time.Time) *sip2.Message {
	o := s.opts
	// 000 would announce the ACS as off line, so an unset timeout is
	// the default 600 (60 s).
	timeout := o.TimeoutTenths
	if timeout <= 0 {
		timeout = 600
	}
	m := sip2.NewMessage(sip2.MsgACSStatus).
		SetFixed(sip2.FOnline, yn(!o.ReportOffline)).
		SetFixed(sip2.FCheckinOK, yn(!o.CheckinDisabled)).
		SetFixed(sip2.FCheckoutOK, yn(!o.CheckoutDisabled)).
		SetFixed(sip2.FACSRenewalPolicy, "Y").
		SetFixed(sip2.FStatusUpdateOK, "N").
		SetFixed(sip2.FOfflineOK, yn(o.OfflineOK)).
		SetFixed(sip2.FTimeoutPeriod, fmt.Sprintf("%03d", clamp(timeout, 1, 999))).
		SetFixed(sip2.FRetriesAllowed, fmt.Sprintf("%03d", clamp(o.Retries, 0, 999))).
		SetFixed(sip2.FDateTimeSync, sip2.FormatDate(now)).
		SetFixed(sip2.FProtocolVersion, "2.00")
	m.Add("AO", s.lib.inst.ID).Add("AM", s.lib.inst.Name).Add("BX", supportedMessages)
	if sess.terminal.Location != "" {
		m.Add("AN", sess.terminal.Location)
	}
	return m
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// patronOut formats a patron id for a response: with the FBS "LN:" prefix
// when the server runs in FBS mode.
func (s *Server) patronOut(id string) string {
	id = NormalizePatronID(id)
	if s.opts.FBSPrefix && id != "" {
		return "LN:" + id
	}
	return id
}

func language(req *sip2.Message) string {
	l := req.FixedValue(sip2.FLanguage)
	if len(l) == 3 && strings.Trim(l, "0123456789") == "" && l != "000" {
		return l
	}
	return "009"
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func money(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("20060102")
}

// addRefusal appends the FBS-style machine code and the Danish text as two
// AF fields.
func addRefusal(m *sip2.Message, r *Refusal) {
	if r == nil {
		return
	}
	m.Add("AF", "["+r.Code+"]")
	if r.Text != "" {
		m.Add("AF", r.Text)
	}
}

// invalidFlags is the patron status sent for an unknown patron (what Koha
// sends: the four privileges denied).
const invalidFlags = "YYYY          "

func (s *Server) patronStatus(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	pin, pinSent := req.Lookup("AD")
	pinSent = pinSent && pin != ""
	info := PatronInfo{}
	if denied == nil {
		info = s.lib.PatronStatus(req.Get("AA"), pin, pinSent)
	}
	m := sip2.NewMessage(sip2.MsgPatronStatusResponse).
		SetFixed(sip2.FLanguage, language(req)).
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	s.patronHeader(m, req, info, pinSent, denied)
	return m
}

// patronHeader fills the fields 24 and 64 share.
func (s *Server) patronHeader(m *sip2.Message, req *sip2.Message, info PatronInfo, pinSent bool, denied *Refusal) {
	flags := invalidFlags
	if info.Found {
		flags = FlagString(info.Flags)
	}
	m.SetFixed(sip2.FPatronStatus, flags)
	m.Add("AO", s.lib.inst.ID)
	m.Add("AA", s.patronOut(req.Get("AA")))
	m.Add("AE", info.Patron.Name)
	if m.Code == sip2.MsgPatronInfoResponse {
		m.Add("BZ", "9999").Add("CA", "9999")
		cb := "9999"
		if info.MaxLoans > 0 && info.MaxLoans < 10000 {
			cb = fmt.Sprintf("%04d", info.MaxLoans)
		}
		m.Add("CB", cb)
	}
	m.Add("BL", yn(info.Found))
	if pinSent || s.lib.policy.RequirePIN {
		m.Add("CQ", yn(info.PINOK))
	}
	m.Add("BH", s.lib.inst.Currency)
	m.Add("BV", money(info.FeeTotal))
	if m.Code == sip2.MsgPatronInfoResponse {
		m.Add("CC", money(s.lib.policy.FeeLimit))
	}
	switch {
	case denied != nil:
		addRefusal(m, denied)
	case !info.Found:
		addRefusal(m, refuse(CodeUnknownPatron))
	case pinSent && !info.PINOK:
		addRefusal(m, refuse(CodeInvalidPIN))
	case info.Flags[FlagCardLost]:
		addRefusal(m, refuse(CodeCardLost))
	case info.Flags[FlagExcessiveFees]:
		addRefusal(m, refuse(CodeExcessiveFees))
	case info.Flags[FlagChargeDenied]:
		addRefusal(m, refuse(CodePatronBlocked))
	}
}

func count4(n int) string { return fmt.Sprintf("%04d", min(n, 9999)) }

// itemTail is title%author%GMB%SMB%DK5, the FBS item properties.
func itemTail(it Item) string {
	mt := LookupMediaType(it.Media)
	return strings.Join([]string{pct(it.Title), pct(it.Author), mt.GMB, mt.SMB, it.DK5}, "%")
}

// pct keeps '%' out of sub-field values (FBS would send an HTML entity).
func pct(s string) string { return strings.ReplaceAll(s, "%", "&#37;") }

func (s *Server) patronInformation(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	pin, pinSent := req.Lookup("AD")
	pinSent = pinSent && pin != ""
	info := PatronInfo{}
	if denied == nil {
		info = s.lib.PatronStatus(req.Get("AA"), pin, pinSent)
	}
	// An unidentified patron gets no lists.
	listed := info.Found && (!pinSent || info.PINOK) && !(s.lib.policy.RequirePIN && !pinSent)
	m := sip2.NewMessage(sip2.MsgPatronInfoResponse).
		SetFixed(sip2.FLanguage, language(req)).
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	if !listed {
		info.Loans, info.Overdue, info.ReadyHolds, info.WaitingHolds, info.Fees = nil, nil, nil, nil, nil
	}
	m.SetFixed(sip2.FHoldItemsCount, count4(len(info.ReadyHolds))).
		SetFixed(sip2.FOverdueItemsCount, count4(len(info.Overdue))).
		SetFixed(sip2.FChargedItemsCount, count4(len(info.Loans))).
		SetFixed(sip2.FFineItemsCount, count4(len(info.Fees))).
		SetFixed(sip2.FRecallItemsCount, count4(0)).
		SetFixed(sip2.FUnavailHoldsCount, count4(len(info.WaitingHolds)))
	s.patronHeader(m, req, info, pinSent, denied)

	summary := req.FixedValue(sip2.FSummary)
	want := func(pos int) bool { return pos < len(summary) && summary[pos] != ' ' && summary[pos] != 'N' }
	start, end := listRange(req)
	add := func(id string, vals []string) {
		for i, v := range vals {
			if i+1 >= start && i+1 <= end {
				m.Add(id, v)
			}
		}
	}
	plain := s.opts.PlainItemLists
	if want(0) {
		var v []string
		for _, h := range info.ReadyHolds {
			if plain {
				v = append(v, h.Item.ID)
				continue
			}
			v = append(v, strings.Join([]string{h.Item.BibID, h.Item.ID, h.Pickup, ymd(h.Expires),
				h.Pickup + " - " + s.lib.BranchName(h.Pickup), itemTail(h.Item)}, "%"))
		}
		add("AS", v)
	}
	if want(1) {
		add("AT", loanList(info.Overdue, plain))
	}
	if want(2) {
		add("AU", loanList(info.Loans, plain))
	}
	if want(3) {
		var v []string
		for _, f := range info.Fees {
			if plain {
				v = append(v, f.ID)
				continue
			}
			title := pct(f.Description)
			tail := title + "%%%%"
			if it, ok := s.lib.Item(f.Item); ok {
				tail = itemTail(it)
			}
			v = append(v, strings.Join([]string{f.Item, f.ID, ymd(f.Date), money(f.Amount), tail}, "%"))
		}
		add("AV", v)
	}
	if want(5) {
		var v []string
		for _, h := range info.WaitingHolds {
			if plain {
				v = append(v, h.Item.ID)
				continue
			}
			interest := h.Placed.AddDate(0, 6, 0)
			v = append(v, strings.Join([]string{h.Item.BibID, h.Item.ID, ymd(interest), itemTail(h.Item)}, "%"))
		}
		add("CD", v)
	}
	if listed {
		p := info.Patron
		if p.Address.Street != "" {
			m.Add("BD", strings.Join([]string{pct(p.Name), pct(p.Address.Street), p.Address.Zip, pct(p.Address.City), p.Address.Country}, "%"))
		}
		if p.Email != "" {
			m.Add("BE", p.Email)
		}
		if p.Phone != "" {
			m.Add("BF", p.Phone)
		}
		if p.BirthDate != "" {
			m.Add("PB", strings.ReplaceAll(p.BirthDate, "-", ""))
		}
	}
	return m
}

// listRange reads BP/BQ (1-based, inclusive); absent means everything.
func listRange(req *sip2.Message) (int, int) {
	start, end := 1, 1<<30
	if v, err := strconv.Atoi(strings.TrimSpace(req.Get("BP"))); err == nil && v > 0 {
		start = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(req.Get("BQ"))); err == nil && v > 0 {
		end = v
	}
	return start, end
}

func (s *Server) parseDate(v string) time.Time {
	t, err := sip2.ParseDate(v, time.Local)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *Server) checkout(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	pin, pinSent := req.Lookup("AD")
	var res CheckoutResult
	if denied != nil {
		res.Refusal = denied
	} else {
		res = s.lib.Checkout(CheckoutRequest{
			Patron: req.Get("AA"), PIN: pin, PINSent: pinSent && pin != "", Item: req.Get("AB"),
			NoBlock: req.FixedValue(sip2.FNoBlock) == "Y",
			NBDue:   s.parseDate(req.FixedValue(sip2.FNBDueDate)),
		})
	}
	return s.circResponse(sip2.MsgCheckoutResponse, req, now, res.OK, res.Renewal, res.Item, res.HasItem, res.Due, res.Refusal, res.TransactionID)
}

func (s *Server) renew(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	pin, pinSent := req.Lookup("AD")
	var res RenewResult
	if denied != nil {
		res.Refusal = denied
	} else {
		res = s.lib.Renew(RenewRequest{
			Patron: req.Get("AA"), PIN: pin, PINSent: pinSent && pin != "", Item: req.Get("AB"),
			NoBlock: req.FixedValue(sip2.FNoBlock) == "Y",
		})
	}
	return s.circResponse(sip2.MsgRenewResponse, req, now, res.OK, res.OK, res.Item, res.HasItem, res.Due, res.Refusal, "")
}

// circResponse builds 12 and 30, which share a layout.
func (s *Server) circResponse(code sip2.Code, req *sip2.Message, now time.Time, ok, renewal bool, it Item, hasItem bool, due time.Time, ref *Refusal, tx string) *sip2.Message {
	mag := "U"
	if hasItem {
		mag = string(LookupMediaType(it.Media).Magnetic)
	}
	okS := "0"
	if ok {
		okS = "1"
	}
	m := sip2.NewMessage(code).
		SetFixed(sip2.FOK, okS).
		SetFixed(sip2.FRenewalOK, yn(renewal)).
		SetFixed(sip2.FMagneticMedia, mag).
		SetFixed(sip2.FDesensitize, yn(ok)).
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	m.Add("AO", s.lib.inst.ID)
	m.Add("AA", s.patronOut(req.Get("AA")))
	m.Add("AB", req.Get("AB"))
	m.Add("AJ", it.Title)
	if ok || !due.IsZero() {
		m.Add("AH", sip2.FormatDate(due))
	} else {
		m.Add("AH", "")
	}
	if hasItem {
		m.Add("CK", LookupMediaType(it.Media).CK)
		m.Add("CH", itemTail(it))
	}
	if tx != "" {
		m.Add("BK", tx)
	}
	addRefusal(m, ref)
	return m
}

func (s *Server) checkin(sess *session, req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	var res CheckinResult
	if denied != nil {
		res.Refusal = denied
	} else {
		loc := req.Get("AP")
		if s.lib.branchKnown(loc) == "" {
			loc = sess.terminal.Location
		}
		res = s.lib.Checkin(CheckinRequest{
			Item: req.Get("AB"), Location: loc,
			NoBlock:    req.FixedValue(sip2.FNoBlock) == "Y",
			ReturnDate: s.parseDate(req.FixedValue(sip2.FReturnDate)),
			Cancel:     req.Get("BI") == "Y",
		})
	}
	mag := "U"
	if res.HasItem {
		mag = string(LookupMediaType(res.Item.Media).Magnetic)
	}
	okS := "0"
	if res.OK {
		okS = "1"
	}
	m := sip2.NewMessage(sip2.MsgCheckinResponse).
		SetFixed(sip2.FOK, okS).
		SetFixed(sip2.FResensitize, yn(res.OK)).
		SetFixed(sip2.FMagneticMedia, mag).
		SetFixed(sip2.FAlert, yn(res.Alert != AlertNone)).
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	m.Add("AO", s.lib.inst.ID)
	m.Add("AB", req.Get("AB"))
	l := res.Item.Location
	m.Add("AQ", strings.Join([]string{pct(l.Branch), pct(l.Department), pct(l.Shelf), pct(l.Sublocation)}, "%"))
	if res.HasItem {
		m.Add("AJ", res.Item.Title)
	}
	if res.SortBin != "" {
		m.Add("CL", res.SortBin)
	}
	if res.PriorPatron != "" {
		m.Add("AA", s.patronOut(res.PriorPatron))
	}
	if res.HasItem {
		m.Add("CK", LookupMediaType(res.Item.Media).CK)
		m.Add("CH", itemTail(res.Item))
	}
	if res.Alert != AlertNone {
		m.Add("CV", res.Alert)
		if res.Destination != "" {
			m.Add("CT", res.Destination)
		}
		m.Add("AF", res.AlertText)
	}
	addRefusal(m, res.Refusal)
	return m
}

// branchKnown returns the branch id when loc names a branch, else "".
func (l *Library) branchKnown(loc string) string {
	for _, b := range l.branches {
		if loc != "" && (strings.EqualFold(b.ID, loc) || strings.EqualFold(b.Name, loc)) {
			return b.ID
		}
	}
	return ""
}

func (s *Server) renewAll(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	pin, pinSent := req.Lookup("AD")
	var res RenewAllResult
	if denied != nil {
		res.Refusal = denied
	} else {
		res = s.lib.RenewAll(req.Get("AA"), pin, pinSent && pin != "")
	}
	okS := "1"
	if res.Refusal != nil {
		okS = "0"
	}
	m := sip2.NewMessage(sip2.MsgRenewAllResponse).
		SetFixed(sip2.FOK, okS).
		SetFixed(sip2.FRenewedCount, count4(len(res.Renewed))).
		SetFixed(sip2.FUnrenewedCount, count4(len(res.Unrenewed))).
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	m.Add("AO", s.lib.inst.ID)
	for _, r := range res.Renewed {
		if s.opts.PlainItemLists {
			m.Add("BM", r.Item.ID)
		} else {
			m.Add("BM", strings.Join([]string{r.Item.ID, ymd(r.Due), itemTail(r.Item)}, "%"))
		}
	}
	for _, r := range res.Unrenewed {
		if s.opts.PlainItemLists {
			m.Add("BN", r.Item.ID)
		} else {
			m.Add("BN", strings.Join([]string{r.Item.ID, r.Refusal.Code, ymd(r.Due), itemTail(r.Item)}, "%"))
		}
	}
	addRefusal(m, res.Refusal)
	return m
}

func (s *Server) itemInfo(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	st := ItemStatus{Circulation: CircOther}
	if denied == nil {
		st = s.lib.ItemInfo(req.Get("AB"))
	}
	m := sip2.NewMessage(sip2.MsgItemInfoResponse).
		SetFixed(sip2.FCirculationStatus, st.Circulation).
		SetFixed(sip2.FSecurityMarker, "00").
		SetFixed(sip2.FFeeType, "01").
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	m.Add("AO", s.lib.inst.ID)
	m.Add("AB", req.Get("AB"))
	m.Add("AJ", st.Item.Title)
	if !st.Found {
		if denied == nil {
			denied = refuse(CodeUnknownItem)
		}
		addRefusal(m, denied)
		return m
	}
	m.Add("CF", count4(st.HoldQueue))
	if !st.Due.IsZero() {
		m.Add("AH", sip2.FormatDate(st.Due))
	}
	if !st.HoldPickup.IsZero() {
		m.Add("CM", sip2.FormatDate(st.HoldPickup))
	}
	m.Add("BG", st.Item.Owner)
	m.Add("CK", LookupMediaType(st.Item.Media).CK)
	l := st.Item.Location
	m.Add("AQ", strings.Join([]string{pct(l.Branch), pct(l.Department), pct(l.Shelf), pct(l.Sublocation)}, "%"))
	if st.Transit != "" {
		m.Add("CT", st.Transit)
	}
	m.Add("CH", itemTail(st.Item))
	if s.opts.ItemInfoPatron && st.Patron != "" {
		m.Add("AA", s.patronOut(st.Patron))
	}
	if st.Item.Parts > 1 {
		m.Add("AG", fmt.Sprintf("%d dele", st.Item.Parts))
	}
	return m
}

func (s *Server) endSession(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	m := sip2.NewMessage(sip2.MsgEndSessionResponse).
		SetFixed(sip2.FEndSession, yn(denied == nil)).
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	m.Add("AO", s.lib.inst.ID).Add("AA", s.patronOut(req.Get("AA")))
	addRefusal(m, denied)
	return m
}

func (s *Server) blockPatron(req *sip2.Message, now time.Time, denied *Refusal) *sip2.Message {
	if denied == nil {
		s.lib.BlockPatron(req.Get("AA"), req.FixedValue(sip2.FCardRetained) == "Y")
		s.warnf("acs: patron blocked by terminal (reason %q)", req.Get("AL"))
	}
	info := PatronInfo{}
	if denied == nil {
		info = s.lib.PatronStatus(req.Get("AA"), "", false)
	}
	m := sip2.NewMessage(sip2.MsgPatronStatusResponse).
		SetFixed(sip2.FLanguage, "009").
		SetFixed(sip2.FTransactionDate, sip2.FormatDate(now))
	s.patronHeader(m, req, info, false, denied)
	return m
}

// loanList is the value list of AT or AU: bare item ids for the plain
// dialect, or FBS's id%due%title%author%… sub-fields.
func loanList(loans []LoanView, plain bool) []string {
	var v []string
	for _, ln := range loans {
		if plain {
			v = append(v, ln.Item.ID)
			continue
		}
		v = append(v, strings.Join([]string{ln.Item.ID, ymd(ln.Due), itemTail(ln.Item)}, "%"))
	}
	return v
}

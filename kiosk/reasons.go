package kiosk

import (
	"strings"
)

// Message ids the core emits. The catalogs i18n/locales/core.<lang>.json
// define every one of them (TestCoreCatalog checks).
const (
	// Refusals of one item.
	MsgRefusalGeneric       = "refusal.not_allowed"
	MsgRefusalReturnGeneric = "refusal.return_not_allowed"
	MsgRefusalUnavailable   = "refusal.unavailable"
	MsgRefusalOtherLibrary  = "refusal.other_library"
	MsgRefusalOtherReturn   = "refusal.other_library_return"
	MsgRefusalQueueFull     = "refusal.queue_full"
	MsgRefusalAlreadyLent   = "refusal.already_lent_to_you"
	MsgRefusalBlocked       = "refusal.patron_blocked"
	MsgLoanKeepSecured      = "loan.keep_secured"
	MsgRenewOutcomeUnknown  = "renew.outcome_unknown"
	MsgRenewNotDone         = "renew.not_done"
	MsgRenewReservedOther   = "renew.reserved_other"
	MsgStaffTagWriteFailed  = "staff.tag_write_failed"
	MsgStaffItemLifted      = "staff.item_lifted"
	MsgStaffOutcomeUnknown  = "staff.outcome_unknown"
	MsgStaffCancelFailed    = "staff.cancel_failed"
	MsgStaffResecureFailed  = "staff.resecure_failed"
	MsgDestShelf            = "dest.return_shelf"
	MsgDestReservations     = "dest.reservations_shelf"
	MsgDestStaff            = "dest.staff"
	MsgDestSortBin          = "dest.sort_bin"
	MsgDestOtherLibrary     = "dest.other_library"
	MsgDestOffline          = "dest.offline_return"
	MsgLoginWrongPIN        = "login.wrong_pin"
	MsgLoginCardLocked      = "login.card_locked"
	MsgLoginWait            = "login.wait"
	MsgLoginUnknownPatron   = "login.unknown_patron"
	MsgLoginFailed          = "login.failed"
	MsgLoginUnavailable     = "login.unavailable"
	MsgIdentifyInvalid      = "identify.invalid"
	MsgPINTooShort          = "pin.too_short"
	MsgPadUnreadable        = "pad.unreadable"
	MsgModeRecovering       = "mode.recovering"
	MsgModeQueueFull        = "mode.queue_full"
	MsgModeReaderMissing    = "mode.reader_missing"
	MsgModeACSOffline       = "mode.acs_offline"
	MsgModeOfflineReturns   = "mode.offline_returns"
	MsgModeCheckoutDisabled = "mode.checkout_disabled"
	MsgModeCheckinDisabled  = "mode.checkin_disabled"
	MsgModeCirculationOff   = "mode.circulation_disabled"
	MsgModeNoPaper          = "mode.no_paper"
	MsgModeReturnsOnly      = "mode.returns_only"
	MsgReceiptPrintFailed   = "receipt.print_failed"
	MsgAccountUnavailable   = "account.unavailable"
	MsgSessionEndingAnother = "session.another_card"
	MsgSessionSeeStaff      = "session.see_staff"
)

// blockIDs maps each patron-status flag to its message id, in the order the
// reasons are preferred when several flags are set.
var blockOrder = []struct {
	id  string
	set func(Blocks) bool
}{
	{"block.card_lost", func(b Blocks) bool { return b.CardLost }},
	{"block.excessive_fees", func(b Blocks) bool { return b.ExcessiveFees }},
	{"block.excessive_fines", func(b Blocks) bool { return b.ExcessiveFines }},
	{"block.too_many_overdue", func(b Blocks) bool { return b.TooManyOverdue }},
	{"block.too_many_charged", func(b Blocks) bool { return b.TooManyCharged }},
	{"block.too_many_lost", func(b Blocks) bool { return b.TooManyLost }},
	{"block.too_many_claims", func(b Blocks) bool { return b.TooManyClaims }},
	{"block.too_many_billed", func(b Blocks) bool { return b.TooManyBilled }},
	{"block.recall_overdue", func(b Blocks) bool { return b.RecallOverdue }},
	{"block.charge_denied", func(b Blocks) bool { return b.ChargeDenied }},
}

// blockText is why loans are refused for a patron, or an empty Text.
func blockText(b Blocks) Text {
	for _, e := range blockOrder {
		if e.set(b) {
			return Text{ID: e.id, Raw: b.ScreenMessageRaw}
		}
	}
	return Text{}
}

// noRenewText is why the patron status lets no loan be renewed, or an
// empty Text: the two flags of the patron status that are about renewals.
func noRenewText(b Blocks) Text {
	switch {
	case b.RenewalDenied:
		return Text{ID: "refusal.renewal_denied"}
	case b.TooManyRenewals:
		return Text{ID: "refusal.max_renewals"}
	}
	return Text{}
}

// knownCodes maps the machine codes FBS (and the simulator) put in square
// brackets in AF to message ids.
var knownCodes = map[string]string{
	"UNKNOWN_PATRON":      "refusal.unknown_patron",
	"INVALID_PIN":         "refusal.invalid_pin",
	"CARD_LOST":           "block.card_lost",
	"PATRON_BLOCKED":      "refusal.patron_blocked",
	"EXCESSIVE_FEES":      "block.excessive_fees",
	"TOO_MANY_LOANS":      "refusal.too_many_loans",
	"UNKNOWN_ITEM":        "refusal.unknown_item",
	"NOT_LOANABLE":        "refusal.not_loanable",
	"ITEM_ON_LOAN":        "refusal.item_on_loan",
	"RESERVED":            "refusal.reserved",
	"AGE_LIMIT":           "refusal.age_limit",
	"MAX_RENEWALS":        "refusal.max_renewals",
	"NOT_ON_LOAN":         "refusal.not_on_loan",
	"RENEWAL_DENIED":      "refusal.renewal_denied",
	"BEFORE_RENEW_PERIOD": "refusal.before_renew_period",
	"ALREADY_ON_LOAN":     "refusal.already_lent_to_you",
	"LOGIN_REQUIRED":      "refusal.login_required",
	"UNSUCCESSFUL":        "refusal.renewal_denied",
}

// KnownCodes lists the machine codes the core translates (for the catalog test).
func KnownCodes() map[string]string { return knownCodes }

// reasonFrom turns the library system's screen messages into a Text: a known
// bracketed code becomes its message id (keeping the raw text as fallback),
// FBS's "Sendes til <branch>" the catalog's sentence with the branch,
// otherwise the raw AF text is shown marked as the library's words, and with
// no text at all the fallback id.
func reasonFrom(msgs []string, fallback string) Text {
	var raw []string
	id := ""
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if code, rest, ok := bracketCode(m); ok {
			if v, ok := knownCodes[code]; ok && id == "" {
				id = v
			}
			if rest != "" {
				raw = append(raw, rest)
			}
			continue
		}
		raw = append(raw, m)
	}
	t := Text{ID: id, Raw: strings.Join(raw, " ")}
	switch {
	case t.ID == "" && t.Raw == "":
		t.ID = fallback
	case t.ID == "":
		if branch, ok := sentTo(t.Raw); ok {
			t.ID, t.Data = MsgSentTo, map[string]any{"Branch": branch}
		} else {
			t = librarySays(t.Raw)
		}
	}
	return t
}

// bracketCode splits a screen message that starts with a machine code in
// square brackets ("[BEFORE_RENEW_PERIOD] Too early") into the code, in
// upper case, and the rest.
func bracketCode(m string) (code, rest string, ok bool) {
	if !strings.HasPrefix(m, "[") {
		return "", "", false
	}
	end := strings.Index(m, "]")
	if end <= 0 {
		return "", "", false
	}
	return strings.ToUpper(strings.TrimSpace(m[1:end])), strings.TrimSpace(m[end+1:]), true
}

// RefusalOther is the refusal code of the metrics for a refusal without a
// known machine code: the label set stays bounded whatever an ACS sends.
const RefusalOther = "other"

// refusalCode is the library system's machine code of a refusal when it is
// one the core knows, and RefusalOther otherwise.
func refusalCode(msgs []string) string {
	for _, m := range msgs {
		if code, _, ok := bracketCode(strings.TrimSpace(m)); ok {
			if _, known := knownCodes[code]; known {
				return code
			}
		}
	}
	return RefusalOther
}

// The routes of a returned item, as the metrics count them.
const (
	RouteShelf   = "shelf"   // back on the shelf (or a sort bin for it)
	RouteHold    = "hold"    // a hold here: the reservations shelf
	RouteTransit = "transit" // to another branch or library
	RouteStaff   = "staff"   // handed to staff
	RouteOffline = "offline" // kept in the offline queue until the library system is back
)

// returnRoute reads where a returned item goes from the checkin answer, and
// the library it is sent to when the answer names one.
func returnRoute(r CheckinResult) (route, sendTo string) {
	reserved := false
	for _, m := range r.Messages {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(m)), "reserveret") {
			reserved = true
		} else if branch, ok := sentTo(m); ok {
			sendTo = branch
		}
	}
	switch {
	case r.AlertType == "01" || reserved:
		return RouteHold, sendTo
	case r.AlertType == "02" || r.AlertType == "03" || r.AlertType == "04" || sendTo != "":
		return RouteTransit, sendTo
	case r.Alert:
		return RouteStaff, sendTo
	}
	return RouteShelf, sendTo
}

// destination decides where a returned item goes from the checkin answer.
func destination(o *Options, r CheckinResult) Text {
	bin := func(label, fallback string, data map[string]any) Text {
		if label != "" {
			return Text{ID: MsgDestSortBin, Data: map[string]any{"Bin": label}}
		}
		return Text{ID: fallback, Data: data}
	}
	switch route, sendTo := returnRoute(r); route {
	case RouteHold:
		return bin(o.HoldHereBin, MsgDestReservations, nil)
	case RouteTransit:
		if sendTo != "" {
			return bin(o.TransitBin, MsgDestOtherLibrary, map[string]any{"Library": sendTo})
		}
		return bin(o.TransitBin, MsgDestStaff, nil)
	case RouteStaff:
		return Text{ID: MsgDestStaff}
	}
	if label, ok := o.SortBins[r.SortBin]; ok && r.SortBin != "" {
		return Text{ID: MsgDestSortBin, Data: map[string]any{"Bin": label}}
	}
	return Text{ID: MsgDestShelf}
}

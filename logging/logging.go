// Package logging builds the kiosk's one logger: logrus writing JSON lines to
// stderr, with a redaction hook that masks personal data and secrets before
// anything is formatted. The logger is created once in main and passed down;
// no package keeps a global logger.
package logging

import (
	"io"
	"regexp"
	"strings"

	"github.com/sirupsen/logrus"
)

// New returns a JSON logger writing to w at the given level ("debug", "info",
// "warn", "error"). Every entry passes the redaction hook.
func New(w io.Writer, level string) (*logrus.Logger, error) {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(&logrus.JSONFormatter{})
	lvl, err := logrus.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	l.SetLevel(lvl)
	l.AddHook(NewRedactHook())
	return l, nil
}

// Sensitive field names: a log field with one of these keys is masked whole,
// whatever its value looks like.
var sensitiveKeys = map[string]bool{
	"cpr": true, "pin": true, "password": true, "patron": true, "patron_id": true,
	"name": true, "patron_name": true, "card": true, "address": true,
}

// RedactHook masks CPR numbers, SIP2 secrets (AD PIN, CO and AC passwords),
// SIP2 patron names and ids (AE, AA, BD, BE, BF, PB, DA, CY) and sensitive
// fields in every entry's message and fields.
type RedactHook struct{}

// NewRedactHook returns the hook; it has no state.
func NewRedactHook() *RedactHook { return &RedactHook{} }

// Levels reports that the hook applies to every level.
func (*RedactHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire rewrites the entry in place before the formatter sees it.
func (*RedactHook) Fire(e *logrus.Entry) error {
	e.Message = Redact(e.Message)
	for k, v := range e.Data {
		if sensitiveKeys[strings.ToLower(k)] {
			e.Data[k] = Mask
			continue
		}
		switch x := v.(type) {
		case string:
			e.Data[k] = Redact(x)
		case error:
			e.Data[k] = Redact(x.Error())
		case []byte:
			e.Data[k] = Redact(string(x))
		}
	}
	return nil
}

// Mask replaces a redacted value.
const Mask = "[redacted]"

var (
	// A CPR number: six digits forming DDMMYY, an optional hyphen or space,
	// four digits, not part of a longer number. Item barcodes of other lengths
	// are left alone; a ten-digit number whose first six digits cannot be a
	// date is also left alone so item ids stay readable.
	cprRe = regexp.MustCompile(`(^|[^0-9])((0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2})[- ]?([0-9]{4})([^0-9]|$)`)
	// SIP2 fields whose values are secret or personal, up to the next
	// delimiter, CR or end: AD PIN, CO login password, AC terminal password,
	// AA patron id, AE personal name, BD address, BE e-mail, BF phone, PB
	// birth date, DA hold patron name, CY hold patron id, AL block reason.
	// The first field after the fixed part has no "|" before it: it follows
	// a digit (dates, counts), or a space, Y or N (63's summary, flags).
	// After a space, Y or N the field must end with "|", so that words such
	// as "ACS" in ordinary log text stay readable.
	sip2Re      = regexp.MustCompile(`(^|\||[0-9])(AD|CO|AC|AA|AE|BD|BE|BF|PB|DA|CY)([^|\r\n]*)`)
	sip2FixedRe = regexp.MustCompile(`([ YN])(AD|CO|AC|AA|AE|BD|BE|BF|PB|DA|CY)([^|\r\n]+)\|`)
	// The same fields in an FBS envelope's XML attributes.
	attrRe = regexp.MustCompile(`(password|login)="[^"]*"`)
)

// Redact masks personal data and secrets in s.
func Redact(s string) string {
	if s == "" {
		return s
	}
	s = sip2Re.ReplaceAllStringFunc(s, func(m string) string {
		sub := sip2Re.FindStringSubmatch(m)
		if sub[3] == "" {
			return m
		}
		return sub[1] + sub[2] + Mask
	})
	s = sip2FixedRe.ReplaceAllString(s, "${1}${2}"+Mask+"|")
	s = attrRe.ReplaceAllString(s, `$1="`+Mask+`"`)
	// Replace repeatedly: adjacent matches share their separator character.
	for i := 0; i < 3 && cprRe.MatchString(s); i++ {
		s = cprRe.ReplaceAllString(s, "${1}"+Mask+"${6}")
	}
	return s
}

// OrDiscard returns log, or a logger that writes nothing when log is nil, so
// that constructors can take an optional logger without each package
// keeping its own discarding writer.
func OrDiscard(log logrus.FieldLogger) logrus.FieldLogger {
	if log != nil {
		return log
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

// The stable field names of the JSON log lines, so a log pipeline can count
// and correlate them (docs/logging.md lists every one).
const (
	// FieldEvent names what happened, the same for every line of its kind
	// (EventName of the message, unless the line set its own).
	FieldEvent = "event"
	// FieldKiosk is the kiosk's id (kiosk.id in the configuration).
	FieldKiosk = "kiosk"
	// FieldSession is a random id per patron session, never the patron.
	FieldSession = "session"
	// FieldItem is an item id (a barcode, never a title).
	FieldItem = "item"
	// FieldReason is a catalog message id, a state or an error.
	FieldReason = "reason"
	// FieldComponent is the part of the kiosk that wrote the line.
	FieldComponent = "component"
)

// FieldsHook adds the kiosk id and the event name to every entry that does
// not carry them yet.
type FieldsHook struct{ kiosk string }

// NewFieldsHook returns the hook for the kiosk with id kioskID.
func NewFieldsHook(kioskID string) *FieldsHook { return &FieldsHook{kiosk: kioskID} }

// Levels reports that the hook applies to every level.
func (*FieldsHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire adds the fields in place.
func (h *FieldsHook) Fire(e *logrus.Entry) error {
	if _, ok := e.Data[FieldKiosk]; !ok && h.kiosk != "" {
		e.Data[FieldKiosk] = h.kiosk
	}
	if _, ok := e.Data[FieldEvent]; !ok {
		e.Data[FieldEvent] = EventName(e.Message)
	}
	return nil
}

// EventName turns a log message into a stable event name: its words in
// lower case joined by "_", leaving out words with digits (counts, message
// codes) after the first, and stopping at "=", "(", ";" or ",", after which
// messages carry values. "kiosk: clock trusted = false after the 98's time"
// becomes "kiosk_clock_trusted", "sip2: 11 timed out" "sip2_timed_out".
func EventName(msg string) string {
	var words []string
	for i, tok := range strings.Fields(msg) {
		cut := strings.IndexAny(tok, "=(;,")
		if cut >= 0 {
			tok = tok[:cut]
		}
		var w strings.Builder
		digit := false
		for _, r := range strings.ToLower(tok) {
			switch {
			case r >= 'a' && r <= 'z':
				w.WriteRune(r)
			case r >= '0' && r <= '9':
				w.WriteRune(r)
				digit = true
			}
		}
		if w.Len() > 0 && (i == 0 || !digit) && len(words) < 8 {
			words = append(words, w.String())
		}
		if cut >= 0 {
			break
		}
	}
	if len(words) == 0 {
		return "log"
	}
	return strings.Join(words, "_")
}

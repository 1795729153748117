package kiosk

// CardMask stands for a masked digit in CardShown's result; the UI draws
// it as a dot.
const CardMask = '*'

// CardShown is the card number typed on the identify keypad as the patron
// should see it, so that they can check what they typed: digits in groups
// of four ("1234 5678 90"), or, when it may be a CPR number (at most ten
// digits, the first six a day and month), the birth date with the last
// four masked ("010190-****"). It takes the typed bytes and returns a new
// buffer, so that the caller can wipe both; it never makes a string.
func CardShown(typed []byte) []byte {
	if maybeCPR(typed) {
		out := make([]byte, 0, 11)
		out = append(out, typed[:6]...)
		if len(typed) > 6 {
			out = append(out, '-')
			for range typed[6:] {
				out = append(out, CardMask)
			}
		}
		return out
	}
	out := make([]byte, 0, len(typed)+len(typed)/4)
	for i, c := range typed {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, c)
	}
	return out
}

// maybeCPR reports whether typed can still be a CPR number: six to ten
// digits whose first four are a day (01–31) and a month (01–12).
func maybeCPR(typed []byte) bool {
	if len(typed) < 6 || len(typed) > 10 {
		return false
	}
	for _, c := range typed {
		if c < '0' || c > '9' {
			return false
		}
	}
	day := int(typed[0]-'0')*10 + int(typed[1]-'0')
	month := int(typed[2]-'0')*10 + int(typed[3]-'0')
	return day >= 1 && day <= 31 && month >= 1 && month <= 12
}

package printer_test

import (
	"strings"
	"testing"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
)

// TestRulesAndBlankLinesNotBold decodes every receipt and checks the
// emphasis in force when each rule and each blank line is printed: they
// used to inherit the bold of the block before them, so the rule under the
// bold title printed heavier than the others.
func TestRulesAndBlankLinesNotBold(t *testing.T) {
	b := bundle(t)
	for kind, r := range fixtures() {
		for _, lang := range []string{"da", "en"} {
			job, err := printer.Render(r, b.Localizer(lang), printer.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			bold := false
			line := ""
			rules, blanks := 0, 0
			for _, c := range escpos.Decode(job) {
				switch c.Op {
				case escpos.OpInit:
					bold = false
				case escpos.OpBold:
					bold = c.N&1 != 0
				case escpos.OpPrintMode:
					bold = c.N&0x08 != 0
				case escpos.OpText:
					line += c.Text
				case escpos.OpLF:
					isRule := line != "" && strings.Trim(line, "-") == ""
					if isRule {
						rules++
					}
					if line == "" {
						blanks++
					}
					if (isRule || line == "") && bold {
						t.Errorf("%s.%s: %s printed bold (after %d rules, %d blank lines)", kind, lang,
							map[bool]string{true: "rule", false: "blank line"}[isRule], rules, blanks)
					}
					line = ""
				}
			}
			if rules < 3 || blanks < 1 {
				t.Errorf("%s.%s: only %d rules and %d blank lines; the test proves little", kind, lang, rules, blanks)
			}
		}
	}
}

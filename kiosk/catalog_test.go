package kiosk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/danbib/kiosk/i18n"
)

// messageIDPattern matches the message ids the core emits; every string
// literal of that shape in the package's source must be in the core
// catalogs of every language, so no patron meets a raw id.
var messageIDPattern = regexp.MustCompile(`^(refusal|block|dest|login|identify|pin|pad|mode|staff|loan|renew|receipt|account|session|libtext)\.[a-z_]+$`)

func TestCoreCatalog(t *testing.T) {
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && messageIDPattern.MatchString(s) {
					ids[s] = true
				}
			}
			return true
		})
	}
	if len(ids) < 50 {
		t.Fatalf("found only %d message ids; the pattern is broken", len(ids))
	}
	for _, l := range i18n.Languages {
		loc := b.Localizer(l.Code)
		for id := range ids {
			if !loc.Has(id) {
				t.Errorf("%s: core catalog lacks %q", l.Code, id)
			}
		}
	}
	// Templates render with the data the core passes.
	da := b.Localizer("da")
	if got := da.T("login.wrong_pin", map[string]any{"Left": 2}); !strings.Contains(got, "2") {
		t.Errorf("login.wrong_pin renders %q", got)
	}
	if got := da.T(MsgDestOtherLibrary, map[string]any{"Library": "Filial Nord"}); !strings.Contains(got, "Filial Nord") {
		t.Errorf("dest.other_library renders %q", got)
	}
}

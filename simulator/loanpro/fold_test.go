package loanpro

import (
	"strings"
	"testing"
	"unicode"
)

// foldRef is foldInto as it was written first, rune by rune through
// unicode: the reference its ASCII fast path is checked against.
func foldRef(p string) string {
	var b strings.Builder
	gap, wrote := false, false
	for _, r := range p {
		if unicode.IsSpace(r) {
			gap = wrote
			continue
		}
		if gap {
			b.WriteByte(' ')
			gap = false
		}
		b.WriteRune(unicode.ToLower(r))
		wrote = true
	}
	return b.String()
}

var foldCases = []string{"", " ", "77 Cedar Court", "  77  CEDAR\tCourt \n", "Apt\v4B\f", "Ärztehaus  Straße", "İstanbul",
	"a\u00a0b\u0085c", "x\u2003\u3000y", "\xff\xfe", "ok\xc3", "ΣΑΣ", "\x00\x7f~", "K\u212a"}

func TestFoldMatchesReference(t *testing.T) {
	for _, p := range foldCases {
		var b strings.Builder
		foldInto(&b, p)
		if got, want := b.String(), foldRef(p); got != want {
			t.Errorf("foldInto(%q) = %q, reference %q", p, got, want)
		}
	}
}

// FuzzFoldAddress: foldInto, the address index's normalisation, folds
// every input as the rune-by-rune reference does.
func FuzzFoldAddress(f *testing.F) {
	for _, p := range foldCases {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		var b strings.Builder
		foldInto(&b, p)
		if got, want := b.String(), foldRef(p); got != want {
			t.Fatalf("foldInto(%q) = %q, reference %q", p, got, want)
		}
	})
}

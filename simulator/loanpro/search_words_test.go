package loanpro

import (
	"slices"
	"testing"
)

var wordCases = [][2]string{{"Active", "active"}, {"Active", "Active"}, {"customer.status.active", "status"}, {"", "a"}, {"a", ""},
	{"Jo-Anne O'Neil", "anne"}, {"  x  ", "x"}, {"Ärzte Straße", "straße"}, {"Kelvin", "kelvin"}, {"\u212aelvin", "kelvin"},
	{"abc\xffdef", "def"}, {"ABC123def", "abc123def"}, {"a_b", "a"}, {"İstanbul", "istanbul"}, {"x\x00y", "y"}}

// sameWord fails t unless sqHasWord(s, w) is slices.Contains(sqWords(s),
// w), for w and for each word of w and of s.
func sameWord(t *testing.T, s, w string) {
	t.Helper()
	for _, x := range append(append([]string{w}, sqWords(w)...), sqWords(s)...) {
		if got, want := sqHasWord(s, x), slices.Contains(sqWords(s), x); got != want {
			t.Fatalf("sqHasWord(%q, %q) = %v, sqWords says %v", s, x, got, want)
		}
	}
}

func TestSearchWordsMatchReference(t *testing.T) {
	for _, c := range wordCases {
		sameWord(t, c[0], c[1])
	}
}

// FuzzSearchWords: sqHasWord, the allocation-free word lookup of match
// and query_string, answers as looking the word up in sqWords does.
func FuzzSearchWords(f *testing.F) {
	for _, c := range wordCases {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, w string) { sameWord(t, s, w) })
}

package loanpro

import (
	"slices"
	"unicode/utf8"
)

// sqHasWord tells whether w is one of sqWords(s), the words of a value a
// match or query_string term is looked up in. A search tests every
// customer of the session, and building the words (a lower-cased copy,
// then a slice of them) was two allocations per customer and field: an
// ASCII value, what nearly every value is, is scanned in place instead,
// its words compared lower-cased byte by byte (for ASCII, unicode's
// letters and digits are exactly A-Z, a-z and 0-9). Any other value goes
// through sqWords.
func sqHasWord(s, w string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return slices.Contains(sqWords(s), w)
		}
	}
	for i := 0; i < len(s); {
		for i < len(s) && !asciiAlnum(s[i]) {
			i++
		}
		j := i
		for j < len(s) && asciiAlnum(s[j]) {
			j++
		}
		if j > i && asciiLowerIs(s[i:j], w) {
			return true
		}
		i = j
	}
	return false
}

func asciiAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// asciiLowerIs tells whether the ASCII word, lower-cased, is w.
func asciiLowerIs(word, w string) bool {
	if len(word) != len(w) {
		return false
	}
	for k := 0; k < len(word); k++ {
		c := word[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[k] {
			return false
		}
	}
	return true
}

package weavr

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// pattern is a field pattern of the vendor document. Most are one
// character class repeated over the whole value (^[A-Z]+$,
// ^[0-9]{1,12}$): those match by a table lookup per character, the rest
// (and every pattern, as the reference) by regexp. Validation runs on
// every write, where regexp's matcher was a few per cent of the request.
type pattern struct {
	re *regexp.Regexp
	// The class form, when expr has it: ^[class]{min,max}$ (max -1: no
	// bound).
	class    bool
	ascii    [128]bool
	ranges   []rune // the class's [lo, hi] pairs, for characters past ASCII
	min, max int
}

// mustPattern compiles expr like regexp.MustCompile.
func mustPattern(expr string) *pattern {
	p := &pattern{re: regexp.MustCompile(expr)}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) != 3 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return p
	}
	rep := re.Sub[1]
	switch rep.Op {
	case syntax.OpStar:
		p.min, p.max = 0, -1
	case syntax.OpPlus:
		p.min, p.max = 1, -1
	case syntax.OpRepeat:
		p.min, p.max = rep.Min, rep.Max
	default:
		return p
	}
	if len(rep.Sub) != 1 || rep.Sub[0].Op != syntax.OpCharClass {
		return p
	}
	p.ranges = rep.Sub[0].Rune
	for i := 0; i+1 < len(p.ranges); i += 2 {
		for c := p.ranges[i]; c <= p.ranges[i+1] && c < utf8.RuneSelf; c++ {
			p.ascii[c] = true
		}
	}
	p.class = true
	return p
}

// MatchString reports whether s matches, as regexp's MatchString does
// (an invalid UTF-8 byte is U+FFFD).
func (p *pattern) MatchString(s string) bool {
	if !p.class {
		return p.re.MatchString(s)
	}
	n := 0
	for i := 0; i < len(s); {
		c := rune(s[i])
		if c < utf8.RuneSelf {
			if !p.ascii[c] {
				return false
			}
			i++
		} else {
			var w int
			c, w = utf8.DecodeRuneInString(s[i:])
			if !p.inRanges(c) {
				return false
			}
			i += w
		}
		n++
	}
	return n >= p.min && (p.max < 0 || n <= p.max)
}

func (p *pattern) inRanges(c rune) bool {
	for i := 0; i+1 < len(p.ranges); i += 2 {
		if c >= p.ranges[i] && c <= p.ranges[i+1] {
			return true
		}
	}
	return false
}

// String is the expression, as regexp prints it.
func (p *pattern) String() string { return p.re.String() }

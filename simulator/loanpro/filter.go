package loanpro

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// pred is a compiled $filter: it tells whether a customer matches.
type pred func(*Customer) bool

// maxFilterDepth bounds nesting so a hostile filter cannot exhaust the stack.
const maxFilterDepth = 64

// parseFilter compiles an OData v2 $filter over the scalar properties of
// Entity.Customer: comparisons (eq ne gt ge lt le) against string, integer,
// null, true/false and datetime'…' literals, combined with and, or, not and
// parentheses, plus substringof, startswith and endswith on strings.
// String comparison is case-sensitive, as OData specifies.
func (s *Service) parseFilter(src string) (pred, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &filterParser{s: s, toks: toks}
	f, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected '%s' at position %d", t.text, t.pos+1)
	}
	return f, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDate
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func lex(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')' || c == ',':
			k := map[byte]tokKind{'(': tLParen, ')': tRParen, ',': tComma}[c]
			out = append(out, token{k, string(c), i})
			i++
		case c == '\'':
			s, n, err := lexString(src[i:])
			if err != nil {
				return nil, fmt.Errorf("%v at position %d", err, i+1)
			}
			out = append(out, token{tString, s, i})
			i += n
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			out = append(out, token{tNumber, src[i:j], i})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '.' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			word := src[i:j]
			if word == "datetime" && j < len(src) && src[j] == '\'' {
				s, n, err := lexString(src[j:])
				if err != nil {
					return nil, fmt.Errorf("%v at position %d", err, j+1)
				}
				out = append(out, token{tDate, s, i})
				i = j + n
				continue
			}
			out = append(out, token{tIdent, word, i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character '%c' at position %d", c, i+1)
		}
	}
	return append(out, token{kind: tEOF, text: "end of filter", pos: len(src)}), nil
}

// lexString reads a quoted literal at the start of src (” escapes a quote)
// and returns its value and length.
func lexString(src string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(src); i++ {
		if src[i] != '\'' {
			b.WriteByte(src[i])
			continue
		}
		if i+1 < len(src) && src[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, errors.New("unterminated string literal")
}

type filterParser struct {
	s    *Service
	toks []token
	i    int
}

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *filterParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tIdent && t.text == w
}

func (p *filterParser) or(depth int) (pred, error) {
	if depth > maxFilterDepth {
		return nil, errors.New("the filter is nested too deeply")
	}
	l, err := p.and(depth)
	for err == nil && p.isWord("or") {
		p.next()
		var r pred
		if r, err = p.and(depth); err == nil {
			a, b := l, r
			l = func(c *Customer) bool { return a(c) || b(c) }
		}
	}
	return l, err
}

func (p *filterParser) and(depth int) (pred, error) {
	l, err := p.unary(depth)
	for err == nil && p.isWord("and") {
		p.next()
		var r pred
		if r, err = p.unary(depth); err == nil {
			a, b := l, r
			l = func(c *Customer) bool { return a(c) && b(c) }
		}
	}
	return l, err
}

func (p *filterParser) unary(depth int) (pred, error) {
	if depth > maxFilterDepth {
		return nil, errors.New("the filter is nested too deeply")
	}
	switch t := p.peek(); {
	case t.kind == tIdent && t.text == "not":
		p.next()
		f, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return func(c *Customer) bool { return !f(c) }, nil
	case t.kind == tLParen:
		p.next()
		f, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.next().kind != tRParen {
			return nil, fmt.Errorf("missing ')' for '(' at position %d", t.pos+1)
		}
		return f, nil
	case t.kind == tIdent && (t.text == "substringof" || t.text == "startswith" || t.text == "endswith"):
		return p.call()
	}
	return p.comparison()
}

func (p *filterParser) field() (*scalarField, error) {
	t := p.next()
	if t.kind != tIdent {
		return nil, fmt.Errorf("expected a property name at position %d, got '%s'", t.pos+1, t.text)
	}
	f := p.s.fieldByName[t.text]
	if f == nil {
		return nil, fmt.Errorf("'%s' is not a property of Entity.Customer", t.text)
	}
	return f, nil
}

func (p *filterParser) comparison() (pred, error) {
	f, err := p.field()
	if err != nil {
		return nil, err
	}
	opTok := p.next()
	op := opTok.text
	if opTok.kind != tIdent || !strings.Contains(" eq ne gt ge lt le ", " "+op+" ") {
		return nil, fmt.Errorf("expected a comparison operator (eq, ne, gt, ge, lt, le) after '%s', got '%s'", f.name, opTok.text)
	}
	lit, err := p.literal(f)
	if err != nil {
		return nil, err
	}
	if lit.null && op != "eq" && op != "ne" {
		return nil, fmt.Errorf("null can only be compared with eq or ne")
	}
	get, k := f.get, f.kind
	return func(c *Customer) bool {
		v := get(c)
		if lit.null {
			return v.null == (op == "eq")
		}
		if v.null {
			return op == "ne"
		}
		r := compare(k, v, lit)
		switch op {
		case "eq":
			return r == 0
		case "ne":
			return r != 0
		case "gt":
			return r > 0
		case "ge":
			return r >= 0
		case "lt":
			return r < 0
		}
		return r <= 0
	}, nil
}

// literal reads a literal and checks it against f's type.
func (p *filterParser) literal(f *scalarField) (value, error) {
	t := p.next()
	mismatch := func() (value, error) {
		return value{}, fmt.Errorf("cannot compare %s property '%s' with '%s'", f.kind, f.name, t.text)
	}
	if t.kind == tIdent && t.text == "null" {
		return value{null: true}, nil
	}
	switch f.kind {
	case kString:
		if t.kind != tString {
			return mismatch()
		}
		return str(t.text), nil
	case kInt:
		switch {
		case t.kind == tNumber:
			n, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil {
				return mismatch()
			}
			return value{n: n}, nil
		case t.kind == tIdent && (t.text == "true" || t.text == "false"):
			return boolVal(t.text == "true"), nil
		}
		return mismatch()
	default:
		if t.kind != tDate && t.kind != tString {
			return mismatch()
		}
		for _, layout := range []string{time.DateOnly, "2006-01-02T15:04:05", "2006-01-02T15:04", time.DateTime} {
			if d, err := time.Parse(layout, t.text); err == nil {
				return value{n: d.Unix()}, nil
			}
		}
		return value{}, fmt.Errorf("'%s' is not a date (expected datetime'YYYY-MM-DD' or datetime'YYYY-MM-DDThh:mm:ss')", t.text)
	}
}

// call parses substringof('x', field), startswith(field, 'x') and
// endswith(field, 'x').
func (p *filterParser) call() (pred, error) {
	name := p.next().text
	if p.next().kind != tLParen {
		return nil, fmt.Errorf("expected '(' after %s", name)
	}
	var f *scalarField
	var needle string
	readNeedle := func() error {
		t := p.next()
		if t.kind != tString {
			return fmt.Errorf("%s expects a string literal, got '%s'", name, t.text)
		}
		needle = t.text
		return nil
	}
	var err error
	if name == "substringof" {
		if err = readNeedle(); err == nil {
			if p.next().kind != tComma {
				return nil, fmt.Errorf("expected ',' in %s", name)
			}
			f, err = p.field()
		}
	} else if f, err = p.field(); err == nil {
		if p.next().kind != tComma {
			return nil, fmt.Errorf("expected ',' in %s", name)
		}
		err = readNeedle()
	}
	if err != nil {
		return nil, err
	}
	if p.next().kind != tRParen {
		return nil, fmt.Errorf("expected ')' to close %s", name)
	}
	if f.kind != kString {
		return nil, fmt.Errorf("%s needs a string property, '%s' is %s", name, f.name, f.kind)
	}
	match := map[string]func(string, string) bool{
		"substringof": strings.Contains, "startswith": strings.HasPrefix, "endswith": strings.HasSuffix,
	}[name]
	get := f.get
	var fn pred = func(c *Customer) bool {
		v := get(c)
		return !v.null && match(v.s, needle)
	}
	// OData v2 lets clients write "substringof('x', f) eq true".
	if p.isWord("eq") {
		p.next()
		t := p.next()
		if t.kind != tIdent || (t.text != "true" && t.text != "false") {
			return nil, fmt.Errorf("%s(...) can only be compared with true or false", name)
		}
		if t.text == "false" {
			inner := fn
			fn = func(c *Customer) bool { return !inner(c) }
		}
	}
	return fn, nil
}

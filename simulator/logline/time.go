package logline

import (
	"sync/atomic"
	"time"
)

// appendRFC3339Millis is slog's text time: RFC 3339 with exactly three
// fractional digits, "2006-01-02T15:04:05.000Z07:00". It reports false for
// a year outside 0–9999 (slog's output there is left to slog).
func appendRFC3339Millis(b []byte, t time.Time, secs *secondCache) ([]byte, bool) {
	sc := secs.of(t)
	if sc == nil {
		return b, false
	}
	ms := t.Nanosecond() / 1e6
	b = append(b, sc.date()...)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, sc.zone()...), true
}

// appendJSONTime is slog's JSON time: quoted RFC3339Nano (the fraction
// without trailing zeros, none for a whole second). It reports false for a
// year outside 0–9999, for which slog also writes an error.
func appendJSONTime(b []byte, t time.Time, secs *secondCache) ([]byte, bool) {
	sc := secs.of(t)
	if sc == nil {
		return b, false
	}
	b = append(b, '"')
	b = append(b, sc.date()...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	b = append(b, sc.zone()...)
	return append(b, '"'), true
}

// second is one second of time formatted by time.RFC3339Nano, in one
// location, split around where the fraction goes: the date and clock
// ("2006-01-02T15:04:05"), then the zone ("Z", "-07:00").
//
// Formatting the date is most of a line's time formatting, and the
// request lines of one second share it, so the last second formatted is
// kept (lastSecond); another second costs one allocation.
type second struct {
	unix int64
	loc  *time.Location
	text [40]byte
	n    int // len of text
}

const dateLen = len("2006-01-02T15:04:05")

func (s *second) date() []byte { return s.text[:dateLen] }
func (s *second) zone() []byte { return s.text[dateLen:s.n] }

// secondCache keeps the last second formatted, for every line of its
// handler within that second.
type secondCache struct{ last atomic.Pointer[second] }

// of returns t's second, or nil when its year is outside 0–9999.
func (c *secondCache) of(t time.Time) *second {
	unix, loc := t.Unix(), t.Location()
	if s := c.last.Load(); s != nil && s.unix == unix && s.loc == loc {
		return s
	}
	s := &second{unix: unix, loc: loc}
	f := t.Truncate(time.Second).AppendFormat(s.text[:0], time.RFC3339Nano)
	if !fourDigitYear(f) || len(f) > len(s.text) || &f[0] != &s.text[0] {
		return nil
	}
	s.n = len(f)
	c.last.Store(s)
	return s
}

// fourDigitYear reports whether the formatted RFC 3339 time f starts with
// a year in 0–9999: four digits and a dash (a negative year starts with
// '-', a later one has five digits or more).
func fourDigitYear(f []byte) bool {
	return len(f) > 4 && f[0] != '-' && f[4] == '-'
}

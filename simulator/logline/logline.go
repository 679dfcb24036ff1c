// Package logline provides slog handlers that write exactly what
// slog.NewTextHandler and slog.NewJSONHandler write, byte for byte, but
// format the common record themselves.
//
// The sandbox writes one log line per simulated request. Inside log/slog's
// built-in handlers that line went through the generic machinery (a
// handleState, two pooled buffers, appendNonBuiltIns, a deferred recover
// per value): about 1 µs of a ~12 µs request, measured. The handlers here
// format a record whose attributes are all of simple kinds (string,
// int64, uint64, bool, float64, duration, time) straight into one pooled
// buffer, with no allocation, and hand anything else to the stdlib handler
// built over the same writer with the same options, so the output never
// differs from slog's: ReplaceAttr or AddSource set, a group, a
// LogValuer, an Any value, a time outside years 0–9999, a float slog's
// JSON handler would reject, or a logger derived with WithAttrs or
// WithGroup (which is the stdlib handler itself).
//
// The formatting rules (quoting, escaping, time, level, durations) are
// copied from log/slog; the differential tests and FuzzLine compare every
// line with the stdlib handler's.
package logline

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"
)

// NewText returns a handler whose output is that of
// slog.NewTextHandler(w, opts), for every record.
func NewText(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return newHandler(w, opts, false)
}

// NewJSON returns a handler whose output is that of
// slog.NewJSONHandler(w, opts), for every record.
func NewJSON(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return newHandler(w, opts, true)
}

// handler formats plain records itself and delegates the rest to std.
//
// Every write to w goes through mu: the fast path locks it around its one
// Write, and std (and every handler derived from it) writes through a
// lockedWriter holding the same mutex, so lines from either never
// interleave, as with slog's own handlers, which share one mutex per
// handler tree.
type handler struct {
	json  bool
	level slog.Leveler // nil: slog.LevelInfo
	fast  bool         // no ReplaceAttr, no AddSource
	mu    *sync.Mutex
	w     io.Writer
	std   slog.Handler // over lockedWriter{mu, w}, same options
	bufs  sync.Pool    // of *[]byte: one line's buffer
	secs  secondCache
}

func newHandler(w io.Writer, opts *slog.HandlerOptions, json bool) *handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	mu := &sync.Mutex{}
	lw := &lockedWriter{mu: mu, w: w}
	h := &handler{
		json:  json,
		level: opts.Level,
		fast:  opts.ReplaceAttr == nil && !opts.AddSource,
		mu:    mu,
		w:     w,
	}
	if json {
		h.std = slog.NewJSONHandler(lw, opts)
	} else {
		h.std = slog.NewTextHandler(lw, opts)
	}
	return h
}

// lockedWriter serialises the stdlib handler's writes with the fast path's.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Enabled reports whether l is at least the minimum level, as slog's
// handlers do: opts.Level, or slog.LevelInfo when it is nil.
func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	minLevel := slog.LevelInfo
	if h.level != nil {
		minLevel = h.level.Level()
	}
	return l >= minLevel
}

// Handle writes r as one line with one Write.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if !h.fast {
		return h.std.Handle(ctx, r)
	}
	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 1024)
		bp = &b
	}
	b, ok := h.appendRecord((*bp)[:0], r)
	if !ok {
		h.freeBuf(bp, b)
		return h.std.Handle(ctx, r)
	}
	err := h.write(b)
	h.freeBuf(bp, b)
	return err
}

func (h *handler) write(b []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

// WithAttrs returns the stdlib handler's WithAttrs: the fast path is for
// the plain logger, the one the request line is written with.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.std.WithAttrs(attrs)
}

// WithGroup returns the stdlib handler's WithGroup. (Its WithGroup("")
// opens a group with an empty name, so even that one is delegated.)
func (h *handler) WithGroup(name string) slog.Handler {
	return h.std.WithGroup(name)
}

// freeBuf returns b's storage to the pool unless it grew large, as slog's
// buffer pool does, to bound what a rare long line keeps alive.
func (h *handler) freeBuf(bp *[]byte, b []byte) {
	const maxBufferSize = 16 << 10
	if cap(b) > maxBufferSize {
		return
	}
	*bp = b[:0]
	h.bufs.Put(bp)
}

// appendRecord appends r formatted as slog's handler would, newline
// included. It reports false, and the caller delegates, when r holds
// something it does not format itself.
func (h *handler) appendRecord(b []byte, r slog.Record) ([]byte, bool) {
	ok := true
	if h.json {
		b = append(b, '{')
		if !r.Time.IsZero() {
			b = append(b, `"time":`...)
			if b, ok = appendJSONTime(b, r.Time, &h.secs); !ok {
				return b, false
			}
			b = append(b, ',')
		}
		b = append(b, `"level":"`...)
		b = appendLevel(b, r.Level)
		b = append(b, `","msg":"`...)
		b = appendEscapedJSONString(b, r.Message)
		b = append(b, '"')
	} else {
		if !r.Time.IsZero() {
			b = append(b, "time="...)
			if b, ok = appendRFC3339Millis(b, r.Time, &h.secs); !ok {
				return b, false
			}
			b = append(b, ' ')
		}
		b = append(b, "level="...)
		b = appendLevel(b, r.Level)
		b = append(b, " msg="...)
		b = appendTextString(b, r.Message)
	}
	r.Attrs(func(a slog.Attr) bool {
		if h.json {
			b, ok = appendJSONAttr(b, a, &h.secs)
		} else {
			b, ok = appendTextAttr(b, a, &h.secs)
		}
		return ok
	})
	if !ok {
		return b, false
	}
	if h.json {
		b = append(b, '}')
	}
	return append(b, '\n'), true
}

// appendLevel appends l.String() without building the string: "INFO",
// "WARN+2", "DEBUG-4". It never needs quoting or escaping.
func appendLevel(b []byte, l slog.Level) []byte {
	var base string
	var off slog.Level
	switch {
	case l < slog.LevelInfo:
		base, off = "DEBUG", l-slog.LevelDebug
	case l < slog.LevelWarn:
		base, off = "INFO", l-slog.LevelInfo
	case l < slog.LevelError:
		base, off = "WARN", l-slog.LevelWarn
	default:
		base, off = "ERROR", l-slog.LevelError
	}
	b = append(b, base...)
	if off != 0 {
		if off > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(off), 10)
	}
	return b
}

func appendTextAttr(b []byte, a slog.Attr, secs *secondCache) ([]byte, bool) {
	v := a.Value
	pos := len(b)
	b = append(b, ' ')
	b = appendTextString(b, a.Key)
	b = append(b, '=')
	switch v.Kind() {
	case slog.KindString:
		b = appendTextString(b, v.String())
	case slog.KindInt64:
		b = strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		b = strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		b = strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		b = strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		b = append(b, v.Duration().String()...) // inlined: no allocation
	case slog.KindTime:
		var ok bool
		if b, ok = appendRFC3339Millis(b, v.Time(), secs); !ok {
			return b[:pos], false
		}
	default:
		return b[:pos], false
	}
	return b, true
}

func appendJSONAttr(b []byte, a slog.Attr, secs *secondCache) ([]byte, bool) {
	v := a.Value
	pos := len(b)
	b = append(b, `,"`...)
	b = appendEscapedJSONString(b, a.Key)
	b = append(b, `":`...)
	switch v.Kind() {
	case slog.KindString:
		b = append(b, '"')
		b = appendEscapedJSONString(b, v.String())
		b = append(b, '"')
	case slog.KindInt64:
		b = strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		b = strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return b[:pos], false // slog writes encoding/json's error
		}
		b = appendJSONFloat(b, f)
	case slog.KindBool:
		b = strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		b = strconv.AppendInt(b, int64(v.Duration()), 10) // as json.Marshal does
	case slog.KindTime:
		var ok bool
		if b, ok = appendJSONTime(b, v.Time(), secs); !ok {
			return b[:pos], false
		}
	default:
		return b[:pos], false
	}
	return b, true
}

// appendJSONFloat appends f as encoding/json does (ES6 number to string),
// which slog's JSON handler calls for floats. f is finite.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendTextString appends s as slog's text handler does: as it is, or
// quoted (strconv.Quote) when it needs quoting; "" is written as "".
func appendTextString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting is log/slog's rule for text values and keys.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	i := 0
	for i < len(s) && textPlain[s[i]] { // the common, all-ASCII string
		i++
	}
	for i < len(s) {
		b := s[i]
		if b < utf8.RuneSelf {
			// Quote anything except a backslash that would need quoting in a
			// JSON string, as well as space and '='
			if b != '\\' && (b == ' ' || b == '=' || !safeSet[b]) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendEscapedJSONString escapes s for JSON, without the quotation marks,
// as log/slog does (encoding/json's rules with HTML escaping off).
func appendEscapedJSONString(buf []byte, s string) []byte {
	i := 0
	for i < len(s) && jsonPlain[s[i]] { // the common string: nothing to escape
		i++
	}
	if i == len(s) {
		return append(buf, s...)
	}
	start := 0
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if safeSet[b] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\')
			switch b {
			case '\\', '"':
				buf = append(buf, b)
			case '\n':
				buf = append(buf, 'n')
			case '\r':
				buf = append(buf, 'r')
			case '\t':
				buf = append(buf, 't')
			default:
				// This encodes bytes < 0x20 except for \t, \n and \r.
				buf = append(buf, 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR are valid
		// in JSON but not in JavaScript; slog escapes them.
		if c == '\u2028' || c == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\u202`...)
			buf = append(buf, hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

const hex = "0123456789abcdef"

// safeSet[b] reports whether the ASCII byte b can stand in a JSON string
// without escaping: all but the control characters (0–31), '"' and '\'.
// (DEL, 0x7f, is safe, as in log/slog's and encoding/json's tables.)
var safeSet = func() (t [utf8.RuneSelf]bool) {
	for b := range t {
		t[b] = b >= ' ' && b != '"' && b != '\\'
	}
	return t
}()

// jsonPlain and textPlain, indexed by any byte, are true for the ASCII
// bytes a JSON string keeps as they are, and for those that need no
// quoting in text (safeSet, and a backslash, but not space or '='). A byte
// of a multi-byte rune is false: the general loop looks at it.
var jsonPlain, textPlain = func() (j, t [256]bool) {
	for b := range utf8.RuneSelf {
		j[b] = safeSet[b]
		t[b] = b == '\\' || (safeSet[b] && b != ' ' && b != '=')
	}
	return j, t
}()

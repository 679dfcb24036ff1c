package logline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	when    = time.Date(2024, 3, 5, 7, 8, 9, 123456789, time.UTC)
	zone    = time.FixedZone("X", -(3*3600 + 30*60))
	oddZone = time.FixedZone("S", 5*3600+17*60+23) // seconds in the offset
)

// requestAttrs are the request line's attributes (simulator.observe).
func requestAttrs() []slog.Attr {
	return []slog.Attr{
		slog.String("session", "default"), slog.String("method", "POST"),
		slog.String("path", "/multi/consumers/110123456789/kyc"), slog.String("operation", "weavr.consumerKycStart"),
		slog.Int("status", 200), slog.String("scenario", ""), slog.String("request-ref", ""),
		slog.Duration("took", 123*time.Microsecond),
	}
}

type lineCase struct {
	name  string
	t     time.Time
	level slog.Level
	msg   string
	attrs []slog.Attr
	slow  bool // delegated to the stdlib handler in the format(s) below
	// slowIn is "text" or "json" when only that format delegates.
	slowIn string
}

type textMarshaler struct{}

func (textMarshaler) MarshalText() ([]byte, error) { return []byte("tm v"), nil }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

func lineCases() []lineCase {
	cs := []lineCase{
		{name: "request", t: when, msg: "request", attrs: requestAttrs()},
		{name: "no attrs", t: when, msg: "request"},
		{name: "zero time", msg: "request", attrs: requestAttrs()},
		{name: "zero time no attrs", msg: "m"},
		{name: "empty msg", t: when, msg: ""},
		{name: "msg with spaces", t: when, msg: "sandbox listening", attrs: []slog.Attr{slog.String("url", "http://127.0.0.1:8080")}},
		{name: "msg needs escaping", t: when, msg: "a \"quoted\"\nline\t\\ \x00 \x7f"},
		{name: "empty string value", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", "")}},
		{name: "space", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", "a b")}},
		{name: "equals", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", "a=b"), slog.String("x=y", "v")}},
		{name: "quotes", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", `say "hi"`), slog.String(`"k"`, `'`)}},
		{name: "backslash", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", `C:\dir\file`), slog.String(`a\b`, `\`)}},
		{name: "control chars", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", "a\x01b\x1fc\rd\ne\tf\x7f")}},
		{name: "unicode", t: when, msg: "héllo", attrs: []slog.Attr{slog.String("k", "naïve 日本 ü"), slog.String("ключ", "значение"), slog.String("nbsp", "a\u00a0b")}},
		{name: "unicode separators", t: when, msg: "m", attrs: []slog.Attr{slog.String("k", "a\u2028b\u2029c\u200bd\ufeff")}},
		{name: "invalid utf8", t: when, msg: "bad\xff", attrs: []slog.Attr{slog.String("k", "a\xc3"), slog.String("\xfe", "v")}},
		{name: "empty key", t: when, msg: "m", attrs: []slog.Attr{slog.String("", "v"), slog.Int("", 0)}},
		{name: "ints", t: when, msg: "m", attrs: []slog.Attr{slog.Int("a", 0), slog.Int("b", -1), slog.Int64("c", math.MinInt64), slog.Int64("d", math.MaxInt64)}},
		{name: "uints", t: when, msg: "m", attrs: []slog.Attr{slog.Uint64("a", 0), slog.Uint64("b", math.MaxUint64)}},
		{name: "bools", t: when, msg: "m", attrs: []slog.Attr{slog.Bool("t", true), slog.Bool("f", false)}},
		{name: "durations", t: when, msg: "m", attrs: []slog.Attr{
			slog.Duration("zero", 0), slog.Duration("ns", 7), slog.Duration("us", 1500), slog.Duration("ms", 2*time.Millisecond+7),
			slog.Duration("s", 90*time.Second), slog.Duration("neg", -3*time.Hour-1), slog.Duration("max", math.MaxInt64), slog.Duration("min", math.MinInt64),
		}},
		{name: "floats", t: when, msg: "m", attrs: []slog.Attr{
			slog.Float64("a", 0), slog.Float64("b", -1.5), slog.Float64("c", 1e21), slog.Float64("d", 1e-7), slog.Float64("e", 123456789.125),
			slog.Float64("f", math.SmallestNonzeroFloat64), slog.Float64("g", math.MaxFloat64), slog.Float64("h", math.Copysign(0, -1)), slog.Float64("i", 1e20),
		}},
		{name: "float nan", t: when, msg: "m", attrs: []slog.Attr{slog.Float64("n", math.NaN())}, slowIn: "json"},
		{name: "float inf", t: when, msg: "m", attrs: []slog.Attr{slog.Float64("p", math.Inf(1)), slog.Float64("n", math.Inf(-1))}, slowIn: "json"},
		{name: "time attrs", t: when, msg: "m", attrs: []slog.Attr{slog.Time("a", when), slog.Time("b", when.In(zone)), slog.Time("c", time.Time{}), slog.Time("d", when.Truncate(time.Second))}},
		{name: "local zone", t: when.In(zone), msg: "m"},
		{name: "zone with seconds", t: when.In(oddZone), msg: "m"},
		{name: "whole second", t: when.Truncate(time.Second), msg: "m"},
		{name: "monotonic", t: time.Now(), msg: "m"},
		{name: "year 0", t: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), msg: "m"},
		{name: "year 9999", t: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), msg: "m"},
		{name: "year 0 nanos", t: time.Date(0, 6, 1, 12, 30, 59, 999999999, zone), msg: "m"},
		{name: "year 1 start", t: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), msg: "m"},
		{name: "before 1970", t: time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC), msg: "m"},
		{name: "local", t: when.Local(), msg: "m"},
		{name: "nanos trailing zeros", t: when.Truncate(time.Microsecond), msg: "m", attrs: []slog.Attr{slog.Time("t", when.Truncate(10*time.Millisecond))}},
		{name: "year 10000", t: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), msg: "m", slow: true},
		{name: "year -1", t: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), msg: "m", slow: true},
		{name: "time attr year 12345", t: when, msg: "m", attrs: []slog.Attr{slog.Time("t", time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC))}, slow: true},
		{name: "debug", t: when, level: slog.LevelDebug, msg: "m", attrs: []slog.Attr{slog.Int("n", 1)}},
		{name: "warn", t: when, level: slog.LevelWarn, msg: "m"},
		{name: "error", t: when, level: slog.LevelError, msg: "m"},
		{name: "info+2", t: when, level: slog.LevelInfo + 2, msg: "m"},
		{name: "debug-4", t: when, level: slog.LevelDebug - 4, msg: "m"},
		{name: "error+100", t: when, level: slog.LevelError + 100, msg: "m"},
		{name: "min level", t: when, level: math.MinInt, msg: "m"},
		{name: "max level", t: when, level: math.MaxInt, msg: "m"},
		{name: "many attrs", t: when, msg: "m", attrs: append(requestAttrs(), requestAttrs()...)},
		// Delegated kinds.
		{name: "group", t: when, msg: "m", attrs: []slog.Attr{slog.Int("a", 1), slog.Group("g", slog.Int("b", 2), slog.String("c", "x y"))}, slow: true},
		{name: "empty group", t: when, msg: "m", attrs: []slog.Attr{slog.Group("g")}}, // dropped by AddAttrs
		{name: "inline group", t: when, msg: "m", attrs: []slog.Attr{slog.Group("", slog.Int("b", 2))}, slow: true},
		{name: "any error", t: when, msg: "m", attrs: []slog.Attr{slog.Any("err", errors.New("boom there"))}, slow: true},
		{name: "any marshaler", t: when, msg: "m", attrs: []slog.Attr{slog.Any("tm", textMarshaler{})}, slow: true},
		{name: "any bytes", t: when, msg: "m", attrs: []slog.Attr{slog.Any("b", []byte("x\"y"))}, slow: true},
		{name: "any nil", t: when, msg: "m", attrs: []slog.Attr{slog.Any("nil", nil)}, slow: true},
		{name: "any level", t: when, msg: "m", attrs: []slog.Attr{slog.Any("lvl", slog.LevelWarn)}, slow: true},
		{name: "log valuer", t: when, msg: "m", attrs: []slog.Attr{slog.Any("v", valuer{})}, slow: true},
		{name: "zero attr", t: when, msg: "m", attrs: []slog.Attr{{}, slog.Int("a", 1)}, slow: true},
		{name: "slow after fast", t: when, msg: "m", attrs: append(requestAttrs(), slog.Any("x", struct{ A int }{1})), slow: true},
	}
	for b := range 256 {
		cs = append(cs, lineCase{name: fmt.Sprintf("byte %#x", b), t: when, msg: string(rune(b)),
			attrs: []slog.Attr{slog.String("k", string([]byte{byte(b)})), slog.String("k"+string([]byte{byte(b)}), "v")}})
	}
	return cs
}

func (c lineCase) record() slog.Record {
	r := slog.NewRecord(c.t, c.level, c.msg, 0)
	r.AddAttrs(c.attrs...)
	return r
}

type format struct {
	name string
	ours func(io.Writer, *slog.HandlerOptions) slog.Handler
	std  func(io.Writer, *slog.HandlerOptions) slog.Handler
}

var formats = []format{
	{"text", NewText, func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(w, o) }},
	{"json", NewJSON, func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(w, o) }},
}

// handleBoth writes r with our handler and the stdlib one, both built with
// opts (optionally derived by derive), and returns both outputs.
func handleBoth(t testing.TB, f format, opts *slog.HandlerOptions, derive func(slog.Handler) slog.Handler, r slog.Record) (got, want string) {
	t.Helper()
	var gb, wb bytes.Buffer
	g, w := f.ours(&gb, opts), f.std(&wb, opts)
	if derive != nil {
		g, w = derive(g), derive(w)
	}
	if err := g.Handle(context.Background(), r.Clone()); err != nil {
		t.Fatalf("ours: %v", err)
	}
	if err := w.Handle(context.Background(), r.Clone()); err != nil {
		t.Fatalf("std: %v", err)
	}
	return gb.String(), wb.String()
}

// checkFast formats r on the fast path directly: it must take it unless
// slow, and what it writes must be the stdlib's line.
func checkFast(t testing.TB, f format, r slog.Record, want string, slow bool) {
	t.Helper()
	h := f.ours(io.Discard, nil).(*handler)
	b, ok := h.appendRecord(nil, r)
	if ok && string(b) != want {
		t.Errorf("fast path:\n got %q\nwant %q", b, want)
	}
	if ok == slow {
		t.Errorf("fast path taken = %v, want %v", ok, !slow)
	}
}

func TestSameAsSlog(t *testing.T) {
	for _, f := range formats {
		for _, c := range lineCases() {
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				r := c.record()
				got, want := handleBoth(t, f, nil, nil, r)
				if got != want {
					t.Fatalf("\n got %q\nwant %q", got, want)
				}
				checkFast(t, f, r, want, c.slow || c.slowIn == f.name)
			})
		}
	}
}

// TestTimes: lines in and across seconds, zones interleaved (the cached
// second, the handler's secondCache, is hit and replaced), as slog writes them.
func TestTimes(t *testing.T) {
	locs := []*time.Location{time.UTC, zone, oddZone, time.Local, time.FixedZone("Z2", 0)}
	base := time.Date(2024, 12, 31, 23, 59, 58, 0, time.UTC)
	for i := range 3000 {
		tm := base.Add(time.Duration(i) * 1700 * time.Microsecond).In(locs[i/7%len(locs)])
		r := slog.NewRecord(tm, slog.LevelInfo, "m", 0)
		r.AddAttrs(slog.Time("t", tm.Add(-time.Duration(i)*time.Hour)))
		for _, f := range formats {
			got, want := handleBoth(t, f, nil, nil, r)
			if got != want {
				t.Fatalf("%s %v:\n got %q\nwant %q", f.name, tm, got, want)
			}
		}
	}
}

// TestOptions: with ReplaceAttr, AddSource, a level or a derived handler
// the output is still slog's.
func TestOptions(t *testing.T) {
	lv := new(slog.LevelVar)
	lv.Set(slog.LevelWarn)
	optsCases := []struct {
		name   string
		opts   *slog.HandlerOptions
		derive func(slog.Handler) slog.Handler
	}{
		{name: "nil"},
		{name: "level", opts: &slog.HandlerOptions{Level: slog.LevelDebug}},
		{name: "levelvar", opts: &slog.HandlerOptions{Level: lv}},
		{name: "replace", opts: &slog.HandlerOptions{ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			if a.Key == "status" {
				a.Key = "code"
			}
			return a
		}}},
		{name: "source", opts: &slog.HandlerOptions{AddSource: true}},
		{name: "with attrs", derive: func(h slog.Handler) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String("vendor", "weavr"), slog.Int("n", 3)})
		}},
		{name: "with no attrs", derive: func(h slog.Handler) slog.Handler { return h.WithAttrs(nil) }},
		{name: "with group", derive: func(h slog.Handler) slog.Handler { return h.WithGroup("g") }},
		{name: "with empty group", derive: func(h slog.Handler) slog.Handler { return h.WithGroup("") }},
		{name: "group then attrs", derive: func(h slog.Handler) slog.Handler {
			return h.WithGroup("g").WithAttrs([]slog.Attr{slog.Bool("b", true)}).WithGroup("h")
		}},
	}
	// A record with a program counter, for AddSource.
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	rec := func(c lineCase) slog.Record {
		r := slog.NewRecord(c.t, c.level, c.msg, pcs[0])
		r.AddAttrs(c.attrs...)
		return r
	}
	for _, f := range formats {
		for _, oc := range optsCases {
			for _, c := range lineCases()[:60] {
				t.Run(f.name+"/"+oc.name+"/"+c.name, func(t *testing.T) {
					got, want := handleBoth(t, f, oc.opts, oc.derive, rec(c))
					if got != want {
						t.Fatalf("\n got %q\nwant %q", got, want)
					}
				})
			}
		}
	}
}

func TestEnabled(t *testing.T) {
	lv := new(slog.LevelVar)
	for _, f := range formats {
		for _, opts := range []*slog.HandlerOptions{nil, {}, {Level: slog.LevelWarn}, {Level: lv}} {
			g, w := f.ours(io.Discard, opts), f.std(io.Discard, opts)
			for _, set := range []slog.Level{slog.LevelDebug, slog.LevelError} {
				lv.Set(set)
				for l := slog.LevelDebug - 2; l <= slog.LevelError+2; l++ {
					if g.Enabled(context.Background(), l) != w.Enabled(context.Background(), l) {
						t.Errorf("%s %v: Enabled(%v) differs", f.name, opts, l)
					}
				}
			}
		}
	}
}

// TestFastPathNoAllocs: the request line costs no allocation.
func TestFastPathNoAllocs(t *testing.T) {
	for _, f := range formats {
		h := f.ours(io.Discard, nil)
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
		r.AddAttrs(requestAttrs()...)
		ctx := context.Background()
		if n := testing.AllocsPerRun(1000, func() { _ = h.Handle(ctx, r) }); n != 0 {
			t.Errorf("%s: %v allocations per line, want 0", f.name, n)
		}
	}
}

// exclusiveWriter fails the test when two Writes overlap, and checks each
// Write is one whole line.
type exclusiveWriter struct {
	t     *testing.T
	mu    sync.Mutex // guards lines
	busy  chan struct{}
	lines int
}

func (w *exclusiveWriter) Write(p []byte) (int, error) {
	select {
	case w.busy <- struct{}{}:
	default:
		w.t.Error("overlapping Write calls")
		return len(p), nil
	}
	time.Sleep(time.Microsecond)
	if bytes.Count(p, []byte("\n")) != 1 || p[len(p)-1] != '\n' {
		w.t.Errorf("Write of %q: not one line", p)
	}
	w.mu.Lock()
	w.lines++
	w.mu.Unlock()
	<-w.busy
	return len(p), nil
}

// TestNoInterleaving: the fast path, the delegated path and derived
// handlers write to the shared writer one at a time.
func TestNoInterleaving(t *testing.T) {
	for _, f := range formats {
		w := &exclusiveWriter{t: t, busy: make(chan struct{}, 1)}
		h := f.ours(w, nil)
		hs := []slog.Handler{h, h.WithAttrs([]slog.Attr{slog.Int("a", 1)}), h.WithGroup("g"), h.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)})}
		var wg sync.WaitGroup
		const per = 50
		for i, h := range hs {
			for j := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					l := slog.New(h)
					for k := range per {
						if (i+j+k)%2 == 0 {
							l.Info("request", "session", "default", "n", k)
						} else {
							l.Info("request", "err", errors.New("delegated"))
						}
					}
				}()
			}
		}
		wg.Wait()
		if w.lines != len(hs)*2*per {
			t.Errorf("%s: %d lines, want %d", f.name, w.lines, len(hs)*2*per)
		}
	}
}

// FuzzLine compares one record, built from the inputs, with slog's line in
// both formats.
func FuzzLine(f *testing.F) {
	f.Add("request", "session", "default", int64(200), uint64(7), int64(123000), 1.5, true, int64(1709622489123456789), 0, "")
	f.Add("", "", "", int64(-1), uint64(0), int64(0), 0.0, false, int64(0), 2, "a b")
	f.Add("a=b", "k=", "\"q\"\n", int64(math.MinInt64), uint64(math.MaxUint64), int64(math.MaxInt64), 1e21, false, int64(-1), -4, "\\")
	f.Add("héllo\u2028", "ключ", "\xff\x00\x7f", int64(42), uint64(1), int64(-1), 1e-7, true, int64(math.MaxInt64), 13, "日本")
	f.Fuzz(func(t *testing.T, msg, key, s string, i int64, u uint64, d int64, fl float64, b bool, unix int64, level int, s2 string) {
		tm := time.Time{}
		locs := []*time.Location{time.UTC, zone, oddZone}
		if unix != 0 {
			tm = time.Unix(0, unix).In(locs[uint64(unix)%3])
		}
		// Any second from year -10000 to 20000, for the time attribute.
		const span = 30000 * 366 * 86400
		sec := int64(uint64(i)%span) - 10000*366*86400 - 62135596800
		r := slog.NewRecord(tm, slog.Level(level), msg, 0)
		r.AddAttrs(slog.String(key, s), slog.Int64("i", i), slog.Uint64(s2, u), slog.Duration("d", time.Duration(d)),
			slog.Float64("f", fl), slog.Bool("b", b), slog.String("s2", s2), slog.Time(key, tm),
			slog.Time("t", time.Unix(sec, int64(u%1e9)).In(locs[u%3])))
		for _, f := range formats {
			got, want := handleBoth(t, f, nil, nil, r)
			if got != want {
				t.Fatalf("%s:\n got %q\nwant %q", f.name, got, want)
			}
			h := f.ours(io.Discard, nil).(*handler)
			if fast, ok := h.appendRecord(nil, r); ok && string(fast) != want {
				t.Fatalf("%s fast path:\n got %q\nwant %q", f.name, fast, want)
			}
		}
	})
}

// BenchmarkRequestLine: the per-request line (simulator.logRequest's
// record) through slog's handler and through this package's.
func BenchmarkRequestLine(b *testing.B) {
	for _, f := range formats {
		for _, impl := range []struct {
			name string
			new  func(io.Writer, *slog.HandlerOptions) slog.Handler
		}{{"slog", f.std}, {"logline", f.ours}} {
			b.Run(f.name+"/"+impl.name, func(b *testing.B) {
				h := impl.new(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})
				ctx := context.Background()
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				r.AddAttrs(requestAttrs()...)
				b.ReportAllocs()
				for b.Loop() {
					_ = h.Handle(ctx, r)
				}
			})
			// As logRequest does it: a fresh record per line. (Its
			// AddAttrs of 8 attributes allocates the 3 beyond the
			// record's 5 inline ones: 1 alloc, 128 B, not the handler's.)
			b.Run(f.name+"/"+impl.name+"/record", func(b *testing.B) {
				h := impl.new(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})
				ctx := context.Background()
				attrs := requestAttrs()
				b.ReportAllocs()
				for b.Loop() {
					r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
					r.AddAttrs(attrs...)
					_ = h.Handle(ctx, r)
				}
			})
		}
	}
}

// BenchmarkRequestLineParallel: the same under contention for the writer.
func BenchmarkRequestLineParallel(b *testing.B) {
	for _, f := range formats {
		for _, impl := range []struct {
			name string
			new  func(io.Writer, *slog.HandlerOptions) slog.Handler
		}{{"slog", f.std}, {"logline", f.ours}} {
			b.Run(f.name+"/"+impl.name, func(b *testing.B) {
				h := impl.new(io.Discard, nil)
				ctx := context.Background()
				attrs := requestAttrs()
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
						r.AddAttrs(attrs...)
						_ = h.Handle(ctx, r)
					}
				})
			})
		}
	}
}

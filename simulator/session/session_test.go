package session_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

var t0 = time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)

// counters is a registry whose one vendor state is a fresh *int counter.
func counters(c clock.Clock) *session.Registry {
	return session.NewRegistry(c, counterKey.Factory(func() *int { return new(int) }))
}

var counterKey = session.NewKey[*int]("counter")

func counter(s *session.Session) *int { return counterKey.Of(s) }

func TestGetIsGetOrCreate(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"same name", "s1", "s1", true},
		{"empty is default", "", session.Default, true},
		{"different names", "s1", "s2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := r.Get(tc.a), r.Get(tc.b)
			if (a == b) != tc.same {
				t.Fatalf("Get(%q) == Get(%q) is %v, want %v", tc.a, tc.b, a == b, tc.same)
			}
			if (counter(a) == counter(b)) != tc.same {
				t.Fatalf("states shared is %v, want %v", counter(a) == counter(b), tc.same)
			}
		})
	}
	if got, want := r.Names(), []string{"default", "s1", "s2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if r.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", r.Len())
	}
}

func TestInfoAndList(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	r.Get("b")
	fc.Advance(time.Minute)
	r.Get("a")
	fc.Advance(time.Minute)
	r.Get("b")
	r.Get("b")
	want := []session.Info{
		{Name: "a", Created: t0.Add(time.Minute), LastUsed: t0.Add(time.Minute), Requests: 1},
		{Name: "b", Created: t0, LastUsed: t0.Add(2 * time.Minute), Requests: 3},
		{Name: "default", Created: t0, LastUsed: t0, Requests: 0}, // exists from the start
	}
	got := r.List()
	for i := range got { // compare instants, not locations
		got[i].Created, got[i].LastUsed = got[i].Created.UTC(), got[i].LastUsed.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List() = %+v\nwant %+v", got, want)
	}
	b, err := json.Marshal(want[0])
	if err != nil {
		t.Fatal(err)
	}
	if s := `{"name":"a","created":"2024-01-02T15:05:05Z","lastUsed":"2024-01-02T15:05:05Z","requests":1}`; string(b) != s {
		t.Fatalf("JSON = %s, want %s", b, s)
	}
	if got := session.NewRegistry(fc).List(); len(got) != 1 || got[0].Name != session.Default {
		t.Fatalf("a new registry's List() = %#v, want only the default session", got)
	}
}

func TestLookupDoesNotCreateOrTouch(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	if _, ok := r.Lookup("s1"); ok || r.Len() != 1 {
		t.Fatalf("Lookup of unknown session found it or created it (Len %d)", r.Len())
	}
	s := r.Get("s1")
	fc.Advance(time.Hour)
	got, ok := r.Lookup("s1")
	if !ok || got != s || !got.LastUsed().Equal(t0) || got.Requests() != 1 {
		t.Fatalf("Lookup = %p %v (lastUsed %v, requests %d), want %p true %v 1", got, ok, got.LastUsed(), got.Requests(), s, t0)
	}
}

// TestTouchDoesNotCount: Touch creates and marks a session used like Get
// but counts no request (the control API's calls are not a session's).
func TestTouchDoesNotCount(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	s := r.Touch("s1")
	fc.Advance(time.Minute)
	if again := r.Touch("s1"); again != s || s.Requests() != 0 || !s.LastUsed().Equal(t0.Add(time.Minute)) || !s.Created().Equal(t0) {
		t.Fatalf("Touch twice: same %v, requests %d, lastUsed %v, created %v; want the same session, 0, %v, %v",
			again == s, s.Requests(), s.LastUsed(), s.Created(), t0.Add(time.Minute), t0)
	}
	if r.Get("s1"); s.Requests() != 1 {
		t.Fatalf("Get after Touch: requests %d, want 1", s.Requests())
	}
}

func TestReset(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	old := r.Get("s1")
	*counter(old) = 7
	r.Get("s1")
	fc.Advance(time.Minute)

	if !r.Reset("s1") {
		t.Fatal("Reset(s1) = false, want true")
	}
	fresh := r.Get("s1")
	switch {
	case fresh == old:
		t.Fatal("Reset kept the same *Session")
	case counter(fresh) == counter(old):
		t.Fatal("Reset kept the same state")
	case *counter(fresh) != 0:
		t.Fatalf("fresh counter = %d, want 0", *counter(fresh))
	case *counter(old) != 7:
		t.Fatalf("in-flight holder's counter = %d, want 7 (untouched)", *counter(old))
	case fresh.Name() != "s1" || !fresh.Created().Equal(t0.Add(time.Minute)) || fresh.Requests() != 1:
		t.Fatalf("fresh session %q created %v requests %d, want s1 %v 1", fresh.Name(), fresh.Created(), fresh.Requests(), t0.Add(time.Minute))
	}

	if r.Reset("nope") {
		t.Fatal("Reset(nope) = true, want false")
	}
	if _, ok := r.Lookup("nope"); ok {
		t.Fatal("Reset of an unknown session created it")
	}
	r.Get("")
	if !r.Reset("") {
		t.Fatal(`Reset("") of the default session = false, want true`)
	}
}

func TestDelete(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	old := r.Get("s1")
	r.Get("s2")
	for _, tc := range []struct {
		name  string
		want  bool
		names []string
	}{
		{"s1", true, []string{"default", "s2"}},
		{"s1", false, []string{"default", "s2"}},
		{"unknown", false, []string{"default", "s2"}},
		{"s2", true, []string{"default"}},
		{"default", true, []string{"default"}}, // deleting it resets it
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Delete(tc.name); got != tc.want {
				t.Fatalf("Delete(%q) = %v, want %v", tc.name, got, tc.want)
			}
			if got := r.Names(); !reflect.DeepEqual(got, tc.names) {
				t.Fatalf("Names() = %v, want %v", got, tc.names)
			}
		})
	}
	if again := r.Get("s1"); again == old || counter(again) == counter(old) {
		t.Fatal("Get after Delete returned the deleted session")
	}
}

func TestExpireIdle(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	r.Get(session.Default)
	r.Get("old")
	r.Get("edge")
	fc.Advance(10 * time.Minute)
	r.Get("fresh")

	for _, tc := range []struct {
		name    string
		advance time.Duration
		touch   string
		ttl     time.Duration
		gone    []string
		left    []string
	}{
		{"nothing idle yet", 0, "", 15 * time.Minute, nil, []string{"default", "edge", "fresh", "old"}},
		{"zero ttl disabled", time.Hour, "", 0, nil, []string{"default", "edge", "fresh", "old"}},
		{"negative ttl disabled", 0, "", -time.Minute, nil, []string{"default", "edge", "fresh", "old"}},
		// now = t0+70m; edge touched at t0+70m, old last used at t0.
		{"old expires, default never", 0, "edge", 70*time.Minute - time.Nanosecond, []string{"old"}, []string{"default", "edge", "fresh"}},
		// exactly ttl old is not yet idle (strictly older expires).
		{"boundary kept", 60 * time.Minute, "", 60 * time.Minute, []string{"fresh"}, []string{"default", "edge"}},
		{"boundary passed", time.Nanosecond, "", 60 * time.Minute, []string{"edge"}, []string{"default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc.Advance(tc.advance)
			if tc.touch != "" {
				r.Get(tc.touch)
			}
			if got := r.ExpireIdle(tc.ttl); !reflect.DeepEqual(got, tc.gone) {
				t.Fatalf("ExpireIdle = %v, want %v", got, tc.gone)
			}
			if got := r.Names(); !reflect.DeepEqual(got, tc.left) {
				t.Fatalf("Names() = %v, want %v", got, tc.left)
			}
		})
	}
}

func TestRunJanitor(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	r.Get("idle")
	r.Get(session.Default)
	fc.Advance(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.RunJanitor(ctx, 30*time.Minute, time.Millisecond)
		close(done)
	}()
	deadline := time.After(5 * time.Second)
	for r.Len() != 1 {
		select {
		case <-deadline:
			t.Fatalf("janitor did not expire: %v", r.Names())
		case <-time.After(time.Millisecond):
		}
	}
	if got := r.Names(); !reflect.DeepEqual(got, []string{"default"}) {
		t.Fatalf("Names() = %v, want [default]", got)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunJanitor did not return after cancel")
	}
}

func TestRunJanitorDisabled(t *testing.T) {
	r := counters(clock.NewFake(t0))
	for _, tc := range []struct {
		name       string
		ttl, every time.Duration
	}{{"zero ttl", 0, time.Second}, {"zero every", time.Second, 0}, {"negative every", time.Second, -1}} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				r.RunJanitor(context.Background(), tc.ttl, tc.every) // must return without ctx ending
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("RunJanitor did not return at once")
			}
		})
	}
}

// Get, Reset, Delete, List and ExpireIdle at once; run under -race.
func TestConcurrentLifecycle(t *testing.T) {
	fc := clock.NewFake(t0)
	r := counters(fc)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				name := fmt.Sprintf("s%d", (g+i)%5)
				switch i % 6 {
				case 0:
					r.Reset(name)
				case 1:
					r.Delete(name)
				case 2:
					for _, in := range r.List() {
						_ = in.Requests
					}
				case 3:
					fc.Advance(time.Second)
					r.ExpireIdle(3 * time.Second)
				default:
					s := r.Get(name)
					_ = *counter(s) // the state is usable
					_ = s.Info()
				}
			}
		}()
	}
	wg.Wait()
	for _, in := range r.List() {
		if in.Name == "" {
			t.Fatalf("session with empty name: %+v", in)
		}
	}
}

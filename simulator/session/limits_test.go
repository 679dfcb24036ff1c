package session_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"", true}, {"default", true}, {"shard-1", true}, {"Test_A.b~c", true}, {strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false}, {"x/y", false}, {"a b", false}, {"é", false}, {"a%2Fb", false}, {"a?b", false},
	} {
		if err := session.CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%.20q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if err := session.CheckName(strings.Repeat("z", 600_000)); err == nil || len(err.Error()) > 200 {
		t.Errorf("a huge name's error echoes it: %.300v", err)
	}
}

// released counts Release calls: a state holding resources.
type released struct{ n *int }

func (r released) Release() { *r.n++ }

// TestLimitEvictsTheLeastRecentlyUsed: past the cap, a new session evicts
// the least recently used one, never Default; each gone session's states
// are released, whichever way it went.
func TestLimitEvictsTheLeastRecentlyUsed(t *testing.T) {
	fc := clock.NewFake(t0)
	n := 0
	key := session.NewKey[released]("r")
	r := session.NewRegistry(fc, key.Factory(func() released { return released{&n} })).Limit(3)
	r.Get("a")
	fc.Advance(time.Second)
	r.Get("b")
	fc.Advance(time.Second)
	r.Get("a") // b is now the least recently used
	fc.Advance(time.Second)
	r.Get("c")
	if got := strings.Join(r.Names(), ","); got != "a,c,default" || r.Evicted() != 1 || n != 1 {
		t.Fatalf("after a 4th session: %s, evicted %d, released %d", got, r.Evicted(), n)
	}
	r.Delete("a")
	r.Reset("c")
	fc.Advance(2 * time.Hour)
	r.ExpireIdle(time.Hour)
	if n != 4 {
		t.Fatalf("delete, reset and expiry released %d states in all, want 4", n)
	}
}

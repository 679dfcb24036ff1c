package weavr

import (
	"testing"
	"time"
)

// TestAccessTokensBothModes: access tokens keep their own TTL, family
// and stepped-up mark across handles (replicas, in Redis), and a family's
// revocation ends the auth token and its access tokens, not another
// login's.
func TestAccessTokensBothModes(t *testing.T) {
	for _, m := range tokenModes {
		t.Run(m.name, func(t *testing.T) {
			handle := m.store(t)
			a, b := handle(), handle()
			auth := a.issue("c1", "p1", t0)
			parent, ok := b.use(auth, t0, testTTL)
			if !ok || parent.access || parent.steppedUp || parent.family == "" || parent.ttl != 0 {
				t.Fatalf("auth token %+v, %v", parent, ok)
			}
			acc := b.issueAccess(parent, t0, time.Minute)
			got, ok := a.use(acc, t0.Add(time.Minute), testTTL)
			if !ok || !got.access || got.family != parent.family || got.ttl != time.Minute || got.consumerID != "c1" {
				t.Fatalf("access token %+v, %v", got, ok)
			}
			if _, ok := a.use(acc, t0.Add(2*time.Minute+time.Nanosecond), testTTL); ok {
				t.Fatal("access token outlived its own TTL")
			}
			if _, ok := b.use(auth, t0.Add(2*time.Minute), testTTL); !ok {
				t.Fatal("auth token ended with the access token's TTL")
			}

			a.stepUp(auth)
			a.stepUp("never-issued")
			if p, _ := b.peek(auth); !p.steppedUp {
				t.Fatalf("stepped-up mark lost: %+v", p)
			}
			if _, ok := b.peek("never-issued"); ok {
				t.Fatal("stepUp created a token")
			}
			p, _ := b.use(auth, t0.Add(2*time.Minute), testTTL)
			acc2 := a.issueAccess(p, t0.Add(2*time.Minute), time.Minute)
			if x, _ := b.peek(acc2); !x.steppedUp {
				t.Fatal("access token of a stepped-up token is not stepped up")
			}

			other := a.issue("c1", "p1", t0.Add(2*time.Minute))
			b.revokeFamily("c1", p.family)
			for _, v := range []string{auth, acc2} {
				if _, ok := a.peek(v); ok {
					t.Fatalf("token %s of the revoked family lives", v)
				}
			}
			if _, ok := a.use(other, t0.Add(2*time.Minute), testTTL); !ok {
				t.Fatal("another login's token was revoked")
			}
		})
	}
}

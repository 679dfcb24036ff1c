package weavr

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Access tokens and step-up, on top of the token store (tokens.go).
// Weavr's requestAccessToken exchanges an auth token for an access token
// "with a different expiration time and unique signature": a new token of
// the same family, with its own TTL. Logging out with either ends the
// whole family. A verified step-up challenge marks the token it was
// verified with as stepped up (Weavr's STEPPED_UP status).

// issueAccess creates an access token in parent's family, with its own
// idle lifetime ttl, stepped up when parent is.
func (ts *tokens) issueAccess(parent token, now time.Time, ttl time.Duration) string {
	return ts.add(token{consumerID: parent.consumerID, programmeID: parent.programmeID, lastUsed: now,
		ttl: ttl, family: parent.family, access: true, steppedUp: parent.steppedUp})
}

// revokeFamily forgets every token of consumerID's family fam (logout):
// the auth token and every access token acquired with it.
func (ts *tokens) revokeFamily(consumerID, fam string) {
	if ts.sc.Remote() {
		ts.must(revokeFamilyScript.Run(context.Background(), ts.sc.R.Client(), []string{ts.ownerKey(consumerID)}, fam).Err())
		return
	}
	ts.mu.Lock()
	for v, t := range ts.byVal {
		if t.consumerID == consumerID && t.family == fam {
			delete(ts.byVal, v)
		}
	}
	ts.mu.Unlock()
}

// stepUp marks the token value stepped up; an unknown (expired, revoked)
// token stays unknown.
func (ts *tokens) stepUp(value string) {
	if ts.sc.Remote() {
		ts.must(stepUpScript.Run(context.Background(), ts.sc.R.Client(), []string{ts.key(value)}).Err())
		return
	}
	ts.mu.Lock()
	if t, ok := ts.byVal[value]; ok {
		t.steppedUp = true
	}
	ts.mu.Unlock()
}

// revokeFamilyScript deletes the tokens of the consumer's set (KEYS[1])
// whose family (field f) is ARGV[1], and drops them from the set.
var revokeFamilyScript = redis.NewScript(`
local m = redis.call('SMEMBERS', KEYS[1])
local n = 0
for i = 1, #m do
  if redis.call('HGET', m[i], 'f') == ARGV[1] then
    redis.call('DEL', m[i])
    redis.call('SREM', KEYS[1], m[i])
    n = n + 1
  end
end
return n
`)

// stepUpScript sets the stepped-up field of the token KEYS[1] if it
// exists (HSET alone would create a hash with no owner).
var stepUpScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'u', '1')
end
return 1
`)

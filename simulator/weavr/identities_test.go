package weavr_test

import (
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

const (
	identities  = "/multi/identities"
	accessToken = "/multi/access_token"
	aliceIdent  = `{"identity":{"type":"CONSUMER","id":"` + aliceID + `"}}`
)

// TestIdentitiesPaged: GET /identities lists the consumer identity of the
// token's root user, named "name surname", paged by offset and limit as
// UserIdentitiesGetResponseSchema says (count is the total,
// responseCount the page's length); bad paging is a 400 naming the
// parameter; no token is a 401.
func TestIdentitiesPaged(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	alice := `{"id":{"type":"CONSUMER","id":"` + aliceID + `"},"name":"Alice Archer"}`
	for _, tc := range []struct {
		name, query string
		h           headers
		status      int
		body        string
	}{
		{"no paging", "", std(tok), 200, `{"identities":[` + alice + `],"count":1,"responseCount":1}`},
		{"limit 1", "?limit=1&offset=0", std(tok), 200, `{"identities":[` + alice + `],"count":1,"responseCount":1}`},
		{"past the end", "?offset=1", std(tok), 200, `{"identities":[],"count":1,"responseCount":0}`},
		{"offset -1", "?offset=-1", std(tok), 400, invalid + `{"params":[],"fieldName":"offset","error":"AT_LEAST"}]}}`},
		{"limit 0", "?limit=0", std(tok), 400, invalid + `{"params":[],"fieldName":"limit","error":"AT_LEAST"}]}}`},
		{"limit 101", "?limit=101", std(tok), 400, invalid + `{"params":[],"fieldName":"limit","error":"AT_MOST"}]}}`},
		{"offset not a number", "?offset=x", std(tok), 400, `{"message":"Invalid request: offset must be an integer, got \"x\""}`},
		{"no token", "", std(""), 401, ""},
		{"another programme's api-key", "", headers{"api-key", apiKey2, "Authorization", "Bearer " + tok}, 403, `{"errorCode":"INSUFFICIENT_PERMISSIONS"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, s.do("GET", identities+tc.query, tc.h, ""), tc.status, tc.body)
		})
	}
}

// TestAccessToken: POST /access_token exchanges the auth token for a new
// token of an identity the user holds, usable wherever the auth token is;
// any other identity, or no token, is the document's 403 with no body; a
// malformed body is a 400 before anything else.
func TestAccessToken(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	r := s.do("POST", accessToken, std(tok), aliceIdent)
	expectStatus(t, r, 200)
	m := r.JSON(t)
	at, _ := m["token"].(string)
	if at == "" || at == tok {
		t.Fatalf("access token %q (auth token %q)", at, tok)
	}
	expect(t, r, 200, `{"token":"`+at+`","identity":{"type":"CONSUMER","id":"`+aliceID+`"},"credentials":{"type":"ROOT","id":"`+aliceID+`"},"status":"STANDARD"}`)
	expectStatus(t, s.get(at), 200)
	expectStatus(t, s.patch(at, `{"tag":"viaAccessToken"}`), 200)
	expectStatus(t, s.do("GET", identities, std(at), ""), 200)
	// Without an Authorization header, the body's token stands for it.
	expectStatus(t, s.do("POST", accessToken, std(""), `{"identity":{"type":"CONSUMER","id":"`+aliceID+`"},"token":"`+tok+`"}`), 200)
	expectStatus(t, s.do("POST", accessToken, std(""), `{"identity":{"type":"CONSUMER","id":"`+aliceID+`"},"token":"nope"}`), 401)

	for _, tc := range []struct {
		name   string
		h      headers
		body   string
		status int
		want   string
	}{
		{"an identity of another consumer", std(tok), `{"identity":{"type":"CONSUMER","id":"` + bobID + `"}}`, 403, ""},
		{"a corporate identity", std(tok), `{"identity":{"type":"CORPORATE","id":"` + aliceID + `"}}`, 403, ""},
		{"no token", std(""), aliceIdent, 403, ""},
		{"no token, a client assertion", std(""), `{"identity":{"type":"CONSUMER","id":"` + aliceID + `"},"clientAssertion":"eyJ"}`, 403, ""},
		{"unknown token", std("nope"), aliceIdent, 401, ""},
		{"another programme's api-key", headers{"api-key", apiKey2, "Content-Type", "application/json", "Authorization", "Bearer " + tok}, aliceIdent, 403, ""},
		{"no identity id", std(tok), `{"identity":{"type":"CONSUMER"}}`, 400, invalid + `{"params":["identity"],"fieldName":"id","error":"REQUIRED"}]}}`},
		{"no identity", std(tok), `{}`, 400, invalid + `{"params":[],"fieldName":"identity","error":"REQUIRED"}]}}`},
		{"bad type and id", std(tok), `{"identity":{"type":"USER","id":"x1"}}`, 400,
			invalid + `{"params":["identity"],"fieldName":"type","error":"IN"},{"params":["identity"],"fieldName":"id","error":"REGEX"}]}}`},
		{"no body, no token", std(""), ``, 400, `{"message":"Invalid request: the request body is required"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, s.do("POST", accessToken, tc.h, tc.body), tc.status, tc.want)
		})
	}
}

// TestAccessTokenLifetimeAndLogout: the access token has its own idle
// lifetime (--weavr-access-token-ttl) beside the auth token's; logging out
// with either ends both, and only that login's tokens.
func TestAccessTokenLifetimeAndLogout(t *testing.T) {
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.TokenTTL, w.AccessTokenTTL = 5*time.Minute, time.Minute }))
	tok := s.login("alice@example.com")
	at := s.do("POST", accessToken, std(tok), aliceIdent).JSON(t)["token"].(string)
	s.clock.Advance(time.Minute + time.Second)
	expectStatus(t, s.get(at), 401)
	expectStatus(t, s.get(tok), 200)

	for _, by := range []string{"auth", "access"} {
		t.Run("logout with the "+by+" token", func(t *testing.T) {
			tok := s.login("alice@example.com")
			other := s.login("alice@example.com")
			at := s.do("POST", accessToken, std(tok), aliceIdent).JSON(t)["token"].(string)
			out := tok
			if by == "access" {
				out = at
			}
			expect(t, s.do("POST", "/multi/logout", std(out), ""), 204, "")
			expectStatus(t, s.get(tok), 401)
			expectStatus(t, s.get(at), 401)
			expectStatus(t, s.get(other), 200)
		})
	}
}

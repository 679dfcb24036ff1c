package weavr

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Request headers Weavr's document names in lower case (api-key,
// programme-key, idempotency-ref), spelt in their canonical form: a lookup
// with the document's spelling canonicalises the key into a new string on
// every request, the canonical spelling is looked up as it is.
const (
	headerAPIKey         = "Api-Key"
	headerProgrammeKey   = "Programme-Key"
	headerIdempotencyRef = "Idempotency-Ref"
)

// programme checks the api-key header: missing or empty is a 400 with
// fieldName api-key REQUIRED, unknown a 401; then the per-key rate limit.
// On failure it writes the answer and returns nil.
func (s *Service) programme(c *gin.Context, w *World) *Programme {
	key := c.GetHeader(headerAPIKey)
	if key == "" {
		s.respondInvalid(c, []InvalidField{{Params: []string{}, FieldName: "api-key", Error: kindRequired}})
		return nil
	}
	p := s.data.byKey[key]
	if p == nil {
		s.respond(c, ErrUnauthorized)
		return nil
	}
	if d := w.limiter.Allow(p.APIKey); !d.Allowed {
		resp := s.defs[ErrTooManyRequests].Response()
		resp.SetHeader("x-ratelimit-limit", d.Limit).SetHeader("x-ratelimit-reset", strconv.Itoa(d.Reset))
		apierr.Write(c.Writer, resp)
		c.Abort()
		return nil
	}
	return p
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	scheme, v, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(v) == "" {
		return "", false
	}
	return strings.TrimSpace(v), true
}

// authenticate runs the checks of a secured operation (api-key and
// auth_token): 400/401 for the api-key, 429, 401 for a missing, unknown or
// expired token or an inactive root user, 403 INSUFFICIENT_PERMISSIONS for
// a token of another programme. It returns the consumer id.
func (s *Service) authenticate(c *gin.Context, w *World) (string, bool) {
	a, ok := s.authToken(c, w)
	return a.tok.consumerID, ok
}

// authed is a request's valid bearer token: its value and what it
// stands for.
type authed struct {
	value string
	tok   token
}

// authToken is authenticate returning the token: an auth token or an
// access token (requestAccessToken's, which the auth_token scheme
// accepts wherever it accepts the auth token).
func (s *Service) authToken(c *gin.Context, w *World) (authed, bool) {
	p := s.programme(c, w)
	if p == nil {
		return authed{}, false
	}
	v, ok := bearer(c)
	if !ok {
		s.respond(c, ErrUnauthorized)
		return authed{}, false
	}
	return s.checkToken(c, w, p, v, ErrForbidden)
}

// checkToken is authToken after the api-key check, for a bearer value v;
// forbidden answers a token of another programme.
func (s *Service) checkToken(c *gin.Context, w *World, p *Programme, v string, forbidden Code) (authed, bool) {
	ctx := c.Request.Context()
	t, ok := w.tokens.useCtx(ctx, v, s.now(c), s.settings.TokenTTL)
	if !ok {
		s.respond(c, ErrUnauthorized)
		return authed{}, false
	}
	if t.programmeID != p.ID {
		s.respond(c, forbidden)
		return authed{}, false
	}
	if cur, ok := w.consumers.GetCtx(ctx, t.consumerID); !ok || !cur.Active {
		s.respond(c, ErrUnauthorized)
		return authed{}, false
	}
	return authed{value: v, tok: t}, true
}

// optionalAuth checks an operation the document secures with the api-key
// only, where a bearer token is optional (email verification send and
// verify): with a token it must be valid and names the consumer; without
// one only the api-key is checked and the id is "". On failure it has
// answered and returns false.
func (s *Service) optionalAuth(c *gin.Context, w *World) (string, bool) {
	if _, hasToken := bearer(c); hasToken {
		return s.authenticate(c, w)
	}
	return "", s.programme(c, w) != nil
}

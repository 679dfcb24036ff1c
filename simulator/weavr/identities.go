package weavr

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Identities and access tokens: Weavr's userIdentities and
// requestAccessToken. A consumer's root user holds one identity, its
// consumer; the access token it exchanges its auth token for is a new
// token of the same family with its own lifetime
// (Settings.AccessTokenTTL), accepted wherever the auth_token scheme is.

// identitiesMaxLimit is userIdentities' limit maximum (and the cap of
// responseCount).
const identitiesMaxLimit = 100

// userIdentity is UserIdentity.
type userIdentity struct {
	ID   identityID `json:"id"`
	Name string     `json:"name"`
}

// identitiesResponse is UserIdentitiesGetResponseSchema.
type identitiesResponse struct {
	Identities    []userIdentity `json:"identities"`
	Count         int            `json:"count"`
	ResponseCount int            `json:"responseCount"`
}

// accessTokenRequest is AccessTokenRequest.
type accessTokenRequest struct {
	Identity *struct {
		Type *string `json:"type"`
		ID   *string `json:"id"`
	} `json:"identity"`
	ClientAssertion *string `json:"clientAssertion"`
	Token           *string `json:"token"`
}

var accessTokenObject = objectOf(reflect.TypeFor[accessTokenRequest]())

// accessTokenResponse is AccessTokenResponse.
type accessTokenResponse struct {
	Token       string     `json:"token"`
	Identity    identityID `json:"identity"`
	Credentials identityID `json:"credentials"`
	Status      string     `json:"status"`
}

// GetIdentities is GET /multi/identities (userIdentities): the identities
// the token's user holds (a consumer's root user: its consumer, named
// "name surname"), paged by offset (minimum 0) and limit (1 to 100);
// count is the total, responseCount the page's length. A bad paging
// parameter is a 400 naming it. Without a token there is no holder: 401.
func (s *Service) GetIdentities(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok {
		return
	}
	offset, ok := s.queryInt(c, "offset", 0, 0, -1)
	if !ok {
		return
	}
	limit, ok := s.queryInt(c, "limit", identitiesMaxLimit, 1, identitiesMaxLimit)
	if !ok {
		return
	}
	cur, _ := w.consumers.Get(id)
	all := []userIdentity{{ID: identityID{Type: "CONSUMER", ID: cur.ID}, Name: strings.TrimSpace(cur.Name + " " + cur.Surname)}}
	page := all[min(offset, len(all)):]
	page = page[:min(limit, len(page))]
	c.JSON(http.StatusOK, identitiesResponse{Identities: page, Count: len(all), ResponseCount: len(page)})
}

// queryInt reads an optional integer query parameter: def when absent;
// a value that is not an integer is a message-only 400, one under min
// (or over max, when max >= 0) a 400 naming it AT_LEAST (AT_MOST). On
// failure it has answered.
func (s *Service) queryInt(c *gin.Context, name string, def, min, max int) (int, bool) {
	raw, present := c.GetQuery(name)
	if !present {
		return def, true
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		s.respondMessage(c, "Invalid request: "+name+" must be an integer, got "+strconv.Quote(raw))
	case n < min:
		s.respondInvalid(c, []InvalidField{{Params: []string{}, FieldName: name, Error: kindAtLeast}})
	case max >= 0 && n > max:
		s.respondInvalid(c, []InvalidField{{Params: []string{}, FieldName: name, Error: kindAtMost}})
	default:
		return n, true
	}
	return 0, false
}

// RequestAccessToken is POST /multi/access_token (requestAccessToken):
// the auth token (or an access token; in the Authorization header, or
// without one in the body's token) and an identity its user holds give
// a new access token, answered with the identity, the root credentials
// and the token's status (STEPPED_UP when the token it was acquired with
// is). The body is validated first (identity, its type CONSUMER or
// CORPORATE and its digit id are required: 400). The document's 403 has
// no body: an identity the user does not hold, or no token at all
// (client assertions of delegated API clients are not enabled in the
// sandbox), or a token of another programme. A token that is unknown, expired or logged out is 401.
func (s *Service) RequestAccessToken(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	var a authed
	v, hasToken := bearer(c)
	if hasToken {
		var ok bool
		if a, ok = s.checkToken(c, w, p, v, ErrAccessRefused); !ok {
			return
		}
	}
	var req accessTokenRequest
	unknown, ok := s.decodeBody(c, &req, accessTokenObject)
	if !ok {
		return
	}
	var vd validator
	if vd.required(nil, "identity", req.Identity != nil) {
		ip := []string{"identity"}
		if vd.required(ip, "type", req.Identity.Type != nil) {
			vd.oneOf(ip, "type", req.Identity.Type, []string{"CONSUMER", "CORPORATE"})
		}
		if vd.required(ip, "id", req.Identity.ID != nil) {
			vd.text(ip, "id", req.Identity.ID, digits, 0, 0)
		}
	}
	if bad := append(unknown, vd.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	if !hasToken && req.Token != nil && *req.Token != "" {
		if a, ok = s.checkToken(c, w, p, *req.Token, ErrAccessRefused); !ok {
			return
		}
		hasToken = true
	}
	if !hasToken || *req.Identity.Type != "CONSUMER" || *req.Identity.ID != a.tok.consumerID {
		s.respond(c, ErrAccessRefused)
		return
	}
	tok := w.tokens.issueAccess(a.tok, s.now(c), s.settings.AccessTokenTTL)
	status := "STANDARD"
	if a.tok.steppedUp {
		status = "STEPPED_UP"
	}
	c.JSON(http.StatusOK, accessTokenResponse{Token: tok, Identity: identityID{Type: "CONSUMER", ID: a.tok.consumerID},
		Credentials: identityID{Type: "ROOT", ID: a.tok.consumerID}, Status: status})
}

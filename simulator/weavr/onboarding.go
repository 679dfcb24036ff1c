package weavr

import (
	"errors"
	"net/http"
	"reflect"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// emailRequest is EmailRequest.
type emailRequest struct {
	Email *string `json:"email"`
}

// passwordCreateRequest is PasswordCreateRequest.
type passwordCreateRequest struct {
	Password *struct {
		Value *string `json:"value"`
	} `json:"password"`
}

var (
	emailObject          = objectOf(reflect.TypeFor[emailRequest]())
	passwordCreateObject = objectOf(reflect.TypeFor[passwordCreateRequest]())
)

// SendVerificationEmail is POST /multi/consumers/verification/email/send
// (consumerRootUserEmailVerificationCodeSend), the first step of email
// verification. Weavr's sandbox sends no email: the code is always
// 123456, for POST …/email/verify. Like verify it is secured by the
// api-key alone; a token, when sent, must be valid and selects the
// consumer, otherwise the email does (a pending change first, then a
// current email, in the api-key's programme). It changes nothing.
// EmailVerificationConflict's 409s: EMAIL_NOT_FOUND (no such email),
// ALREADY_VERIFIED (the current email, verified, with no change pending
// to it) and EMAIL_NOT_UNIQUE (a pending change to an email another
// consumer has since taken, which verify would refuse too).
func (s *Service) SendVerificationEmail(c *gin.Context) {
	w := s.world(c)
	id, ok := s.optionalAuth(c, w)
	if !ok {
		return
	}
	raw, ok := s.decodeEmail(c)
	if !ok {
		return
	}
	email := emailKey(raw)
	if id == "" {
		id = s.findByEmail(w, c.GetHeader(headerAPIKey), email)
	}
	cur, found := w.consumers.Get(id)
	switch {
	case !found:
		s.respond(c, ErrEmailNotFound)
	case cur.PendingEmail != "" && emailKey(cur.PendingEmail) == email:
		if s.emailTaken(w.consumers, cur.PendingEmail, cur.ID) {
			s.respond(c, ErrEmailNotUnique)
			return
		}
		c.Status(http.StatusNoContent)
	case emailKey(cur.Email) == email:
		if cur.EmailVerified {
			s.respond(c, ErrAlreadyVerified)
			return
		}
		c.Status(http.StatusNoContent)
	default:
		s.respond(c, ErrEmailNotFound)
	}
}

// passwordResponse is PasswordResponse.
type passwordResponse struct {
	PasswordInfo passwordInfo `json:"passwordInfo"`
	Token        string       `json:"token"`
}

// passwordInfo is PasswordInfo; expiryDate 0 is a password that does not
// expire.
type passwordInfo struct {
	IdentityID identityID `json:"identityId"`
	ExpiryDate int64      `json:"expiryDate"`
}

// CreatePassword is POST /multi/passwords/{user_id}/create
// (passwordCreate), secured by the api-key alone: it sets the first
// password of a root user (a consumer's root user id is the consumer's)
// and answers a token, as a login would, so the user is signed in.
// CreatePasswordConflict's 409s: UNRESOLVED_IDENTITY (no root user with
// this id in the api-key's programme), PASSWORD_ALREADY_CREATED (the user
// has one: every fixture consumer does; later changes are
// passwordUpdate's), then the rules SensitivePassword describes for end
// users: PASSWORD_TOO_SHORT (under 8 characters), PASSWORD_TOO_LONG (over
// 30) and PASSWORD_TOO_SIMPLE (no lower-case letter, upper-case letter,
// digit or special character). A user_id that is not digits is a 400
// naming user_id (the document's UserId pattern).
func (s *Service) CreatePassword(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	var req passwordCreateRequest
	unknown, ok := s.decodeBody(c, &req, passwordCreateObject)
	if !ok {
		return
	}
	userID := c.Param("user_id")
	var v validator
	if !digits.MatchString(userID) {
		v.add(nil, "user_id", kindRegex)
	}
	if v.required(nil, "password", req.Password != nil) {
		pp := []string{"password"}
		if v.required(pp, "value", req.Password.Value != nil) {
			v.text(pp, "value", req.Password.Value, nil, 0, 100) // SensitivePassword.value maxLength
		}
	}
	if bad := append(unknown, v.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	pw := *req.Password.Value
	_, err := w.consumers.Update(userID, func(_ consumerTx, cur Consumer) (Consumer, error) {
		switch {
		case cur.ProgrammeID != p.ID:
			return cur, ErrUnresolvedIdentity
		case cur.Password != "":
			return cur, ErrPasswordCreated
		}
		if err := passwordRule(pw); err != nil {
			return cur, err
		}
		cur.Password = pw
		return cur, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = ErrUnresolvedIdentity
	}
	if !s.respondErr(c, err) {
		return
	}
	tok := w.tokens.issue(userID, p.ID, s.now(c))
	c.JSON(http.StatusOK, passwordResponse{PasswordInfo: passwordInfo{IdentityID: identityID{Type: "CONSUMER", ID: userID}}, Token: tok})
}

// passwordRule is SensitivePassword's rule for end users (consumers):
// 8 to 30 characters with a lower-case letter, an upper-case letter, a
// digit and a special character.
func passwordRule(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < 8:
		return ErrPasswordTooShort
	case n > 30:
		return ErrPasswordTooLong
	}
	var lower, upper, digit, special bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			special = true
		}
	}
	if !lower || !upper || !digit || !special {
		return ErrPasswordTooSimple
	}
	return nil
}

// Logout is POST /multi/logout (logout, deprecated by Weavr but served):
// the token stops working at once, every later call with it is 401, and
// so do the tokens of its family (the auth token and the access tokens
// acquired with it, whichever of them logs out). It
// answers 204. The operation documents no 403, so a token of another
// programme is a 401 (and stays valid for its own programme).
func (s *Service) Logout(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	v, ok := bearer(c)
	if !ok {
		s.respond(c, ErrUnauthorized)
		return
	}
	t, ok := w.tokens.use(v, s.now(c), s.settings.TokenTTL)
	if !ok || t.programmeID != p.ID {
		s.respond(c, ErrUnauthorized)
		return
	}
	w.tokens.revoke(v)
	w.tokens.revokeFamily(t.consumerID, t.family)
	c.Status(http.StatusNoContent)
}

// passwordTarget names the root user passwordCreate addresses, for
// scenarios matching on `target`: the path's user_id and, when the session
// has that consumer, its email.
func (s *Service) passwordTarget(c *gin.Context) []string {
	id := c.Param("user_id")
	if cur, ok := s.world(c).consumers.Get(id); ok {
		return []string{id, cur.Email}
	}
	return []string{id}
}

// decodeEmail reads and validates the {"email"} body that sending a
// verification email and starting a lost-password reset share (email
// required, the document's Email pattern). On failure it has answered.
func (s *Service) decodeEmail(c *gin.Context) (string, bool) {
	var req emailRequest
	unknown, ok := s.decodeBody(c, &req, emailObject)
	if !ok {
		return "", false
	}
	var v validator
	if v.required(nil, "email", req.Email != nil) {
		v.email(nil, "email", req.Email)
	}
	if bad := append(unknown, v.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return "", false
	}
	return *req.Email, true
}

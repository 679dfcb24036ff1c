package weavr

import (
	"errors"
	"net/http"
	"reflect"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// Passwords after the first: Weavr's passwordUpdate, passwordValidate,
// lostPasswordInitiate and lostPasswordResume. Every new password follows
// SensitivePassword's rules for end users (passwordRule) and may not be
// one of the user's last 5 (PASSWORD_ALREADY_USED); once it is set the
// old one no longer logs in. Weavr's sandbox sends no lost-password
// email: the nonce is always 123456.

// passwordHistory is how many previous passwords a consumer keeps: with
// the current one, the last 5 SensitivePassword forbids.
const passwordHistory = 4

// sensitivePassword is SensitivePassword.
type sensitivePassword struct {
	Value *string `json:"value"`
}

// passwordUpdateRequest is PasswordUpdateRequest.
type passwordUpdateRequest struct {
	OldPassword *sensitivePassword `json:"oldPassword"`
	NewPassword *sensitivePassword `json:"newPassword"`
}

// passwordValidateRequest is PasswordValidateRequest.
type passwordValidateRequest struct {
	Password *sensitivePassword `json:"password"`
}

// lostPasswordResumeRequest is LostPasswordResumeRequest.
type lostPasswordResumeRequest struct {
	Nonce       *string            `json:"nonce"`
	Email       *string            `json:"email"`
	NewPassword *sensitivePassword `json:"newPassword"`
}

// tokenResponse is the TokenResponse schema.
type tokenResponse struct {
	Token string `json:"token"`
}

var (
	passwordUpdateObject     = objectOf(reflect.TypeFor[passwordUpdateRequest]())
	passwordValidateObject   = objectOf(reflect.TypeFor[passwordValidateRequest]())
	lostPasswordResumeObject = objectOf(reflect.TypeFor[lostPasswordResumeRequest]())
)

// sensitive validates a required SensitivePassword field: present, its
// value present and at most 100 characters.
func (v *validator) sensitive(field string, p *sensitivePassword) {
	if v.required(nil, field, p != nil) {
		pp := []string{field}
		if v.required(pp, "value", p.Value != nil) {
			v.text(pp, "value", p.Value, nil, 0, 100)
		}
	}
}

// newPassword checks pw as cur's next password: the rules, then the
// last 5 passwords; nil means it may be set.
func newPassword(cur *Consumer, pw string) error {
	if err := passwordRule(pw); err != nil {
		return err
	}
	if pw == cur.Password || slices.Contains(cur.PasswordHistory, pw) {
		return ErrPasswordUsed
	}
	return nil
}

// setPassword makes pw cur's password, the old one going into its
// history (a new slice: records are shared values).
func setPassword(cur *Consumer, pw string) {
	h := make([]string, 0, passwordHistory)
	h = append(h, cur.Password)
	h = append(h, cur.PasswordHistory[:min(len(cur.PasswordHistory), passwordHistory-1)]...)
	cur.Password, cur.PasswordHistory = pw, h
}

// UpdatePassword is POST /multi/passwords/update (passwordUpdate): the
// logged-in user's oldPassword must be the current one (409
// PASSWORD_INCORRECT), newPassword must follow the rules
// (PASSWORD_TOO_SHORT, _TOO_LONG, _TOO_SIMPLE) and not be one of the last
// 5 (PASSWORD_ALREADY_USED). It answers PasswordResponse with a new auth
// token; tokens issued before stay valid.
func (s *Service) UpdatePassword(c *gin.Context) {
	w := s.world(c)
	a, ok := s.authToken(c, w)
	if !ok {
		return
	}
	var req passwordUpdateRequest
	unknown, ok := s.decodeBody(c, &req, passwordUpdateObject)
	if !ok {
		return
	}
	var v validator
	v.sensitive("oldPassword", req.OldPassword)
	v.sensitive("newPassword", req.NewPassword)
	if bad := append(unknown, v.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	old, pw := *req.OldPassword.Value, *req.NewPassword.Value
	_, err := w.consumers.Update(a.tok.consumerID, func(_ consumerTx, cur Consumer) (Consumer, error) {
		if cur.Password == "" || old != cur.Password {
			return cur, ErrPasswordIncorrect
		}
		if err := newPassword(&cur, pw); err != nil {
			return cur, err
		}
		setPassword(&cur, pw)
		return cur, nil
	})
	if !s.respondErr(c, err) {
		return
	}
	tok := w.tokens.issue(a.tok.consumerID, a.tok.programmeID, s.now(c))
	c.JSON(http.StatusOK, passwordResponse{PasswordInfo: passwordInfo{IdentityID: identityID{Type: "CONSUMER", ID: a.tok.consumerID}}, Token: tok})
}

// ValidatePassword is POST /multi/passwords/validate (passwordValidate),
// secured by the api-key (a token, when sent, must be valid): 204 when
// the password follows the rules for end users, else 409
// PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG or PASSWORD_TOO_SIMPLE. It
// changes nothing.
func (s *Service) ValidatePassword(c *gin.Context) {
	w := s.world(c)
	if _, ok := s.optionalAuth(c, w); !ok {
		return
	}
	var req passwordValidateRequest
	unknown, ok := s.decodeBody(c, &req, passwordValidateObject)
	if !ok {
		return
	}
	var v validator
	v.sensitive("password", req.Password)
	if bad := append(unknown, v.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	if !s.respondErr(c, passwordRule(*req.Password.Value)) {
		return
	}
	c.Status(http.StatusNoContent)
}

// activeByEmail is the active consumer of programme p whose current
// email is email, if any.
func activeByEmail(w *World, p *Programme, email string) (Consumer, bool) {
	for _, cand := range w.consumers.Lookup(indexEmail, emailKey(email)) {
		if cand.ProgrammeID == p.ID && cand.Active {
			return cand, true
		}
	}
	return Consumer{}, false
}

// LostPasswordStart is POST /multi/passwords/lost_password/start
// (lostPasswordInitiate), secured by the api-key: for an active user of
// the programme with this email it "sends" the reset email (the nonce is
// always 123456; a new start replaces a pending one) and answers 204;
// no such user is 409 ACCOUNT_NOT_FOUND.
func (s *Service) LostPasswordStart(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	email, ok := s.decodeEmail(c)
	if !ok {
		return
	}
	cur, found := activeByEmail(w, p, email)
	if !found {
		s.respond(c, ErrAccountNotFound)
		return
	}
	now := s.now(c)
	_, err := w.consumers.Update(cur.ID, func(_ consumerTx, x Consumer) (Consumer, error) {
		x.LostPasswordAt = now.UnixNano()
		return x, nil
	})
	if !s.respondErr(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// LostPasswordResume is POST /multi/passwords/lost_password/resume
// (lostPasswordResume), secured by the api-key: with the nonce 123456 of
// a started reset it sets newPassword (the rules and the last 5 apply),
// ends the reset, starts the security window of
// MOBILE_CHANGE_NOT_ALLOWED and answers a new auth token. 409
// INVALID_NONCE_OR_EMAIL for a wrong nonce or an email with no reset
// started; 410 TOKEN_EXPIRED past Settings.LostPasswordExpiry;
// PASSWORD_NOT_SET for a user who never had a password.
func (s *Service) LostPasswordResume(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	var req lostPasswordResumeRequest
	unknown, ok := s.decodeBody(c, &req, lostPasswordResumeObject)
	if !ok {
		return
	}
	var v validator
	if v.required(nil, "nonce", req.Nonce != nil) {
		v.text(nil, "nonce", req.Nonce, codeRe, 0, 0)
	}
	if v.required(nil, "email", req.Email != nil) {
		v.email(nil, "email", req.Email)
	}
	v.sensitive("newPassword", req.NewPassword)
	if bad := append(unknown, v.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	cur, found := activeByEmail(w, p, *req.Email)
	if !found {
		s.respond(c, ErrNonceOrEmail)
		return
	}
	now, nonce, pw := s.now(c), *req.Nonce, *req.NewPassword.Value
	_, err := w.consumers.Update(cur.ID, func(_ consumerTx, x Consumer) (Consumer, error) {
		switch {
		case x.LostPasswordAt == 0 || nonce != sandboxVerificationCode:
			return x, ErrNonceOrEmail
		case now.UnixNano()-x.LostPasswordAt > int64(s.settings.LostPasswordExpiry):
			return x, ErrTokenExpired
		case x.Password == "":
			return x, ErrPasswordNotSet
		}
		if err := newPassword(&x, pw); err != nil {
			return x, err
		}
		setPassword(&x, pw)
		x.LostPasswordAt, x.SecurityEventAt = 0, now
		return x, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = ErrNonceOrEmail
	}
	if !s.respondErr(c, err) {
		return
	}
	c.JSON(http.StatusOK, tokenResponse{Token: w.tokens.issue(cur.ID, p.ID, now)})
}

package weavr

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// Login is POST /multi/login_with_password: the root user's email and
// password give a token (tokenType AUTH). Wrong credentials, an inactive
// (deactivated) user or one who has no password yet (created, before
// passwordCreate) are a 403 with no body, as the vendor document lists.
func (s *Service) Login(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	var req loginRequest
	unknown, ok := s.decodeBody(c, &req, loginObject)
	if !ok {
		return
	}
	if bad := append(unknown, validateLogin(&req)...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	var found *Consumer
	for _, cand := range w.consumers.Lookup(indexEmail, emailKey(*req.Email)) {
		if cand.ProgrammeID == p.ID && cand.Password != "" && cand.Password == *req.Password.Value && cand.Active {
			found = &cand
			break
		}
	}
	if found == nil {
		s.respond(c, ErrLoginRefused)
		return
	}
	tok := w.tokens.issue(found.ID, p.ID, s.now(c))
	c.JSON(http.StatusOK, loginResponse{
		Token: tok, TokenType: "AUTH",
		Identity:    identityID{Type: "CONSUMER", ID: found.ID},
		Credentials: identityID{Type: "ROOT", ID: found.ID},
	})
}

type loginResponse struct {
	Token       string     `json:"token"`
	TokenType   string     `json:"tokenType"`
	Identity    identityID `json:"identity"`
	Credentials identityID `json:"credentials"`
}

// GetConsumer is GET /multi/consumers: the logged-in consumer.
func (s *Service) GetConsumer(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok {
		return
	}
	cur, _ := w.consumers.GetCtx(c.Request.Context(), id)
	writeConsumer(c, &cur)
}

// UpdateConsumer is PATCH /multi/consumers, the headline endpoint: it
// validates every field rule (400), then applies the state rules (409) and
// the update atomically, and answers with the whole consumer.
func (s *Service) UpdateConsumer(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok {
		return
	}
	var req updateRequest
	unknown, ok := s.decodeBody(c, &req, updateObject)
	if !ok {
		return
	}
	if bad := append(unknown, validateUpdate(&req, s.settings.CountryCodeMaxLength)...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	now := s.now(c)
	next, err := w.consumers.UpdateCtx(c.Request.Context(), id, func(tx consumerTx, cur Consumer) (Consumer, error) {
		return s.applyUpdate(tx, cur, &req, now)
	})
	if !s.respondErr(c, err) {
		return
	}
	writeConsumer(c, &next)
}

// VerifyEmail is POST /multi/consumers/verification/email/verify. With code
// 123456 it completes a pending email change (the new email becomes
// current and verified) or verifies the current email; any other code, or
// an email with nothing to verify, is 409 VERIFICATION_CODE_INVALID. The
// vendor document secures it with the api-key only, so a token is optional;
// when one is sent it must be valid and selects the consumer.
func (s *Service) VerifyEmail(c *gin.Context) {
	w := s.world(c)
	id, ok := s.optionalAuth(c, w)
	if !ok {
		return
	}
	var req verifyRequest
	unknown, ok := s.decodeBody(c, &req, verifyObject)
	if !ok {
		return
	}
	if bad := append(unknown, validateVerify(&req)...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	email := emailKey(*req.Email)
	if id == "" {
		id = s.findByEmail(w, c.GetHeader(headerAPIKey), email)
	}
	now := s.now(c)
	_, err := w.consumers.Update(id, func(tx consumerTx, cur Consumer) (Consumer, error) {
		switch {
		case *req.VerificationCode != sandboxVerificationCode:
			return cur, ErrVerificationCode
		case cur.PendingEmail != "" && emailKey(cur.PendingEmail) == email:
			if s.emailTaken(tx, cur.PendingEmail, cur.ID) {
				return cur, ErrEmailNotUnique
			}
			cur.Email, cur.PendingEmail = cur.PendingEmail, ""
			cur.EmailVerified, cur.SecurityEventAt = true, now
		case emailKey(cur.Email) == email:
			cur.EmailVerified = true
		default:
			return cur, ErrVerificationCode
		}
		return cur, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = ErrVerificationCode
	}
	if !s.respondErr(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// findByEmail finds the consumer of the api-key's programme whose pending
// or current email is email ("" if none).
func (s *Service) findByEmail(w *World, apiKey, email string) string {
	p := s.data.byKey[apiKey]
	for _, index := range []string{indexPendingEmail, indexEmail} {
		for _, cand := range w.consumers.Lookup(index, email) {
			if cand.ProgrammeID == p.ID {
				return cand.ID
			}
		}
	}
	return ""
}

// SimulateVerify is Weavr's sandbox simulator POST
// /simulate/api/consumers/{consumer_id}/verify (header programme-key): it
// marks the consumer fully verified (email and mobile verified,
// fullDueDiligence APPROVED), which locks its identity fields, and
// publishes the /consumers/kyc/watch event with status APPROVED, as
// integrators expect of Weavr's sandbox. Verifying an approved consumer
// again answers 204 and publishes nothing.
func (s *Service) SimulateVerify(c *gin.Context) {
	w := s.world(c)
	p := s.data.byKey[c.GetHeader(headerProgrammeKey)]
	if p == nil {
		s.respond(c, ErrSimulatorKey)
		return
	}
	id := c.Param("id")
	if !digits.MatchString(id) || len(id) > 19 {
		s.respond(c, ErrSimulatorInvalid)
		return
	}
	var approved bool
	next, err := w.consumers.Update(id, func(_ consumerTx, cur Consumer) (Consumer, error) {
		if cur.ProgrammeID != p.ID {
			return cur, store.ErrNotFound
		}
		approved = !cur.kycApproved()
		cur.EmailVerified, cur.MobileVerified, cur.KYC = true, true, approve(cur.KYC, cur.ID)
		return cur, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = ErrSimulatorNotFound
	}
	if !s.respondErr(c, err) {
		return
	}
	if approved {
		s.publishKYC(contract.SessionOf(c), c.Request, &next)
	}
	c.Status(http.StatusNoContent)
}

// UnknownRoute answers a path under /multi or /simulate that the sandbox
// does not simulate, with the document's default error shape.
func (s *Service) UnknownRoute(c *gin.Context, methodNotAllowed bool) {
	if methodNotAllowed {
		s.respond(c, ErrMethodNotAllowed)
		return
	}
	s.respond(c, ErrNotFound)
}

// respondErr renders a rule's conflict; it reports whether err was nil.
func (s *Service) respondErr(c *gin.Context, err error) bool {
	var cf Code
	switch {
	case err == nil:
		return true
	case errors.As(err, &cf):
		s.respond(c, cf)
	default:
		panic("weavr: unexpected store error: " + err.Error())
	}
	return false
}

func writeConsumer(c *gin.Context, cur *Consumer) {
	contract.Data(c, http.StatusOK, "application/json", appendConsumer(make([]byte, 0, 1024), cur))
}
